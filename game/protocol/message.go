package protocol

import "fmt"

// Version is the protocol version a client announces in Hello. A change that removes or
// reorders fields needs a new version; appending fields does not.
const Version = 1

// MaxClientMessage is the largest client -> server message, in bytes; the server closes a
// connection that sends a bigger frame with CodeTooBig.
const MaxClientMessage = 4096

// Type is a message's type tag, the first element of its array. Client -> server tags are
// below 16, server -> client tags from 16, so a peer can tell a misdirected message at once.
type Type uint8

// The message types.
const (
	TypeHello    Type = 1
	TypeInput    Type = 2
	TypePing     Type = 3
	TypeBye      Type = 4
	TypeStart    Type = 5
	TypeWelcome  Type = 16
	TypeSnapshot Type = 17
	TypeDelta    Type = 18
	TypeEvents   Type = 19
	TypeStatus   Type = 20
	TypePong     Type = 21
	TypeError    Type = 22
)

var typeNames = [...]string{
	TypeHello: "hello", TypeInput: "input", TypePing: "ping", TypeBye: "bye", TypeStart: "start",
	TypeWelcome: "welcome", TypeSnapshot: "snapshot", TypeDelta: "delta", TypeEvents: "events",
	TypeStatus: "status", TypePong: "pong", TypeError: "error",
}

// String returns the message type's name as PROTOCOL.md spells it.
func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// FromClient reports whether t is a client -> server message type.
func (t Type) FromClient() bool { return t >= TypeHello && t <= TypeStart }

// Message is any protocol message. The set is closed: only this package's types implement it.
type Message interface {
	// Type returns the message's type tag.
	Type() Type
	encode(w *writer)
	decode(p *parser, n int) error
}

// Hello is the first message on every connection: who joins which room, or resumes which seat.
type Hello struct {
	Version int
	// Name is the player's name, 1..MaxName characters after trimming surrounding space.
	Name string
	// Room is the id of the room to join.
	Room string
	// Token is empty to take a new seat, or a session token from an earlier Welcome to
	// resume that seat.
	Token string
}

// Input is one tick of a player's controls.
type Input struct {
	// Seq numbers the client's inputs from 1; the server applies each at most once, in order.
	Seq uint32
	// Buttons is a set of game.Buttons bits.
	Buttons uint8
	// AimX and AimY point from the ship to the target in pixels; (0, 0) keeps the old aim.
	AimX, AimY int16
	// View is the tick at which the client drew the other ships when it made the input, 0 if
	// unknown; the server compensates the shot it fires for the lag (PROTOCOL.md).
	View uint32
}

// Ping asks for a Pong; ClientTime is echoed unchanged.
type Ping struct{ ClientTime int64 }

// Bye says the player leaves on purpose: the room does not pause for it.
type Bye struct{}

// Start asks a waiting room to start now: bots take the seats nobody holds.
type Start struct{}

// Welcome accepts a Hello. A keyframe Snapshot and a Status always follow it.
type Welcome struct {
	// Seat is the player's seat, 0-based, and the index of its ship in every snapshot.
	Seat int
	// Token is the session token that resumes this seat; it is a secret.
	Token     string
	TickRate  int
	Map       string
	Seats     int
	Room      string
	FragLimit int
	// TimeLimit is the match length in ticks.
	TimeLimit int
}

// Snapshot is a keyframe: the full state of a room at Tick.
type Snapshot struct {
	Tick  uint32
	State State
	// Ships holds one record per seat, in seat order: Ships[i][ShipSeat] == i.
	Ships []ShipRecord
	// Projectiles holds one record per shot in flight, in ascending id order.
	Projectiles []ProjectileRecord
}

// Delta is the state at Tick as a difference to the keyframe at BaseTick, which is always
// Tick-1. Snapshot.Diff builds one and Snapshot.Apply reconstructs the keyframe from it.
type Delta struct {
	Tick, BaseTick uint32
	State          State
	// Ships holds the ships that changed, in ascending seat order: element ShipSeat is the
	// seat, every other element the change of that field relative to the base record, zero
	// where it did not change. On the wire an entry lists only its nonzero changes, so each
	// must change at least one field.
	Ships []ShipRecord
	// Spawned holds the projectiles a client cannot extrapolate from the base (new shots,
	// and any shot whose course changed), in ascending id order; each replaces the record
	// with the same id, if any.
	Spawned []ProjectileRecord
	// Removed holds the ids of base projectiles that ended at Tick, in ascending order.
	Removed []uint32
}

// Events carries discrete happenings, which are never dropped for a slow reader.
type Events struct{ List []Event }

// Event is one discrete happening; what A, B and Text mean depends on Kind.
type Event struct {
	Kind EventKind
	Tick uint32
	A, B int
	Text string
}

// EventKind says what an Event reports.
type EventKind uint8

// The event kinds. The first three match game.EventKind.
const (
	EventFrag      EventKind = 1 // A fragged B
	EventRespawn   EventKind = 2 // A respawned
	EventMatchOver EventKind = 3 // A is the winner's seat
	EventCheer     EventKind = 4 // a spectator reaction; Text is the reaction
	EventJoined    EventKind = 5 // seat A is now held by the player named Text
	EventLeft      EventKind = 6 // seat A was left on purpose or lost after the grace period
)

// Status describes the room's state and roster; it is sent on every change and after every
// Welcome.
type Status struct {
	State State
	// StateEnds is the time in milliseconds until the current state ends, 0 if open-ended.
	StateEnds int64
	Players   []Player
	// Missing lists the seats whose dropped players are awaited (state paused).
	Missing []int
	// Results lists the final scores best first in state ended, and is empty otherwise.
	Results []Result
}

// Player is one occupied seat in a Status.
type Player struct {
	Seat           int
	Name           string
	Bot, Connected bool
	Frags, Deaths  int
}

// Result is one seat's final score.
type Result struct{ Seat, Frags, Deaths int }

// Pong answers a Ping with the room's current tick.
type Pong struct {
	ClientTime int64
	Tick       uint32
}

// Error is a refusal or protocol error in words. A fatal one is followed by a close frame
// with the same code.
type Error struct {
	Code    Code
	Message string
}

// Error makes a received Error usable as a Go error.
func (e *Error) Error() string { return fmt.Sprintf("server error %d: %s", uint16(e.Code), e.Message) }

// Type returns TypeHello.
func (*Hello) Type() Type { return TypeHello }

// Type returns TypeInput.
func (*Input) Type() Type { return TypeInput }

// Type returns TypePing.
func (*Ping) Type() Type { return TypePing }

// Type returns TypeBye.
func (*Bye) Type() Type { return TypeBye }

// Type returns TypeStart.
func (*Start) Type() Type { return TypeStart }

// Type returns TypeWelcome.
func (*Welcome) Type() Type { return TypeWelcome }

// Type returns TypeSnapshot.
func (*Snapshot) Type() Type { return TypeSnapshot }

// Type returns TypeDelta.
func (*Delta) Type() Type { return TypeDelta }

// Type returns TypeEvents.
func (*Events) Type() Type { return TypeEvents }

// Type returns TypeStatus.
func (*Status) Type() Type { return TypeStatus }

// Type returns TypePong.
func (*Pong) Type() Type { return TypePong }

// Type returns TypeError.
func (*Error) Type() Type { return TypeError }
