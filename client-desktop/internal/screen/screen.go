// Package screen is the client's screen state machine: which screen the window shows, moved
// along by what the player does and what the connection reports.
package screen

import "skirmish/game/protocol"

// State is the screen shown. The names match the web client's document.body.dataset.state,
// plus error for a refusal the player must read.
type State uint8

// The screens.
const (
	Lobby        State = iota // room list, create, join by code, name entry
	Connecting                // first connection to a room, until its status arrives
	Countdown                 // seats filling or the match about to (re)start
	Playing                   // the simulation runs
	Paused                    // a player dropped; the room waits for them
	Reconnecting              // our connection dropped; the client retries with its token
	Ended                     // results, then a rematch countdown
	Failed                    // a refusal or error that retrying will not fix
)

var names = [...]string{
	Lobby: "lobby", Connecting: "connecting", Countdown: "countdown", Playing: "playing",
	Paused: "paused", Reconnecting: "reconnecting", Ended: "ended", Failed: "error",
}

// String returns the screen's name: lobby, connecting, countdown, playing, paused,
// reconnecting, ended or error.
func (s State) String() string {
	if int(s) < len(names) {
		return names[s]
	}
	return "unknown"
}

// InRoom reports whether the screen belongs to a room the client has joined or is joining.
func (s State) InRoom() bool { return s != Lobby && s != Failed }

// Kind says what happened.
type Kind uint8

// The events that move the screen.
const (
	Join    Kind = iota + 1 // the player chose a room
	Status                  // the room reported its state (Event.Room)
	Lost                    // the connection dropped; the client will retry
	Refused                 // the server refused us for good, or the client gave up
	Leave                   // the player left the room
	Dismiss                 // the player read the error
)

// Event is one happening for Next.
type Event struct {
	Kind Kind
	Room protocol.State // for Status
}

// Next returns the screen after e on screen s. Events that make no sense on s (a late status
// after leaving, a second join) leave it unchanged.
func Next(s State, e Event) State {
	switch e.Kind {
	case Join:
		if s == Lobby || s == Failed {
			return Connecting
		}
	case Status:
		if s.InRoom() {
			return ofRoom(e.Room, s)
		}
	case Lost:
		if s.InRoom() && s != Connecting {
			return Reconnecting
		}
	case Refused:
		if s.InRoom() {
			return Failed
		}
	case Leave:
		return Lobby
	case Dismiss:
		if s == Failed {
			return Lobby
		}
	}
	return s
}

// ofRoom maps a room state onto a screen; a waiting room shows the countdown screen with
// no deadline.
func ofRoom(r protocol.State, s State) State {
	switch r {
	case protocol.StateWaiting, protocol.StateCountdown:
		return Countdown
	case protocol.StateRunning:
		return Playing
	case protocol.StatePaused:
		return Paused
	case protocol.StateEnded:
		return Ended
	}
	return s
}
