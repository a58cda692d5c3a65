package protocol

import "fmt"

// State is a room's life-cycle state as sent in Snapshot, Delta and Status.
type State uint8

// The room states; see DESIGN.md section 3 for the transitions.
const (
	StateWaiting   State = 1 // seats filling
	StateCountdown State = 2 // the match (or its resumption) starts soon
	StateRunning   State = 3 // the simulation steps
	StatePaused    State = 4 // a player dropped and is awaited
	StateEnded     State = 5 // results, then a rematch countdown
)

var stateNames = [...]string{
	StateWaiting: "waiting", StateCountdown: "countdown", StateRunning: "running",
	StatePaused: "paused", StateEnded: "ended",
}

// String returns the state's name: waiting, countdown, running, paused or ended.
func (s State) String() string {
	if s.Valid() {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// Valid reports whether s is one of the known states.
func (s State) Valid() bool { return s >= StateWaiting && s <= StateEnded }
