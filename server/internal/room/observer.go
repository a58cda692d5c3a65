package room

import (
	"skirmish/game"
	"skirmish/game/protocol"
)

// Observer is told what spectators may see of a room. Calls come from the room's ticker,
// in order, and must not block; an Observer that needs more time hands the work to its own
// goroutines.
type Observer interface {
	// Snapshot is called after every tick (stepped or not, so the observer also sees the
	// room while it waits or pauses); the observer samples its own rate and must not keep w
	// after it returns.
	Snapshot(room string, w *game.World, state protocol.State)
	// Status is called on every room state or roster change; st must not be kept.
	Status(room string, st *protocol.Status)
	// Events is called with the discrete happenings of a tick (frag, respawn, match over) and
	// with cheers, joins and leaves as they happen; evs must not be kept.
	Events(room string, evs []protocol.Event)
	// Closed is called once when the room closes.
	Closed(room string)
}

// NopObserver ignores everything; it is the Observer when no spectator feed is plugged in.
type NopObserver struct{}

// Snapshot implements Observer.
func (NopObserver) Snapshot(string, *game.World, protocol.State) {}

// Status implements Observer.
func (NopObserver) Status(string, *protocol.Status) {}

// Events implements Observer.
func (NopObserver) Events(string, []protocol.Event) {}

// Closed implements Observer.
func (NopObserver) Closed(string) {}
