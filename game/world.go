package game

// SubPixel is the number of world units per pixel; positions and velocities are integers in
// world units so that the simulation is exact.
const SubPixel = 8

// TileSize is the edge of one map tile in pixels.
const TileSize = 32

// Vec is a position or velocity in world units.
type Vec struct{ X, Y int32 }

// Buttons is the set of controls a player holds during one tick.
type Buttons uint8

// The controls of a ship. Opposite directions held together cancel out.
const (
	ButtonUp Buttons = 1 << iota
	ButtonDown
	ButtonLeft
	ButtonRight
	ButtonFire
	// ButtonHold is no control: the server sets it alone on a tick for which the player's
	// input did not arrive in time, and the ship stands still through that tick (it neither
	// moves nor fires, and its gun's cooldown waits), so that the late input, applied next,
	// moves it just as the player's prediction did. Clients never send it.
	ButtonHold Buttons = 1 << 7
)

// Input is what one seat does during one tick.
type Input struct {
	// Seq numbers the client's inputs from 1; Step records the last applied one in
	// Ship.LastSeq so that clients can reconcile their prediction. Zero means "no new input"
	// (a held or synthesised input) and leaves LastSeq unchanged.
	Seq     uint32
	Buttons Buttons
	// AimX and AimY point from the ship towards its target, in any length; (0, 0) keeps the
	// previous aim.
	AimX, AimY int16
	// View is the tick at which the player saw the other ships when it made this input, 0 if
	// unknown. The hit tests of a shot it fires look that far into the past (rewind.go).
	View uint32
}

// Ship is the state of one seat's ship. A seat nobody holds is inactive and takes no part.
type Ship struct {
	Active    bool
	Alive     bool
	Pos       Vec
	Vel       Vec
	AimX      int8 // aim direction, normalised to length 127
	AimY      int8
	Health    int16
	Cooldown  uint16 // ticks until the ship may fire again
	RespawnIn uint16 // ticks until a dead ship respawns
	Frags     uint16
	Deaths    uint16
	LastSeq   uint32 // the last Input.Seq applied
}

// Projectile is a shot in flight. It moves in a straight line at constant velocity until it
// hits a wall or a ship or its time runs out, so a client can draw it from its spawn alone.
type Projectile struct {
	ID    uint32
	Owner uint8
	Pos   Vec
	Vel   Vec
	TTL   uint16 // ticks left to live
	// Seq is the Input.Seq that fired the shot (0 for none), so that the client that
	// predicted it knows it.
	Seq uint32
	// Lag is how many ticks in the past the shot meets the other ships: the shooter's view.
	Lag uint8
}

// EventKind says what an Event reports.
type EventKind uint8

// The events Step reports.
const (
	EventFrag      EventKind = iota + 1 // A fragged B
	EventRespawn                        // A respawned
	EventMatchOver                      // the match ended; A is the winner's seat
)

// Event is something that happened during one Step.
type Event struct {
	Kind EventKind
	Tick uint32
	A, B uint8
}
