package spectate

import (
	"bytes"
	"maps"
	"strconv"
	"time"
)

// Relay carries room feeds between the nodes of a fleet. The node that runs a room publishes
// each of its events, encoded once, to the Relay; a node with spectators for a room that
// another node runs follows it and fans the events out to its own spectators with the same
// ids, history and keyframes, so that a spectator may watch, and resume with Last-Event-ID,
// on any node.
type Relay interface {
	// Publish passes on one event of a room this node runs: its id, kind and SSE bytes. It
	// must not block.
	Publish(room string, id uint64, kind string, wire []byte)
	// Elsewhere reports whether another node of the fleet runs room.
	Elsewhere(room string) bool
	// Follow delivers the SSE bytes of room's events, in id order, from the oldest the fleet
	// keeps, until stop is called (stop waits for a delivery under way). caughtUp is closed
	// once the kept events are delivered.
	Follow(room string, deliver func(wire []byte)) (stop func(), caughtUp <-chan struct{}, err error)
}

// relayCatchUp bounds how long a spectator's stream waits for a relayed feed's history.
const relayCatchUp = 5 * time.Second

// follow returns the feed of a room another node runs, relaying it if it is not yet.
func (h *Hub) follow(room string) (*roomFeed, error) {
	f := h.feed(room)
	if f == nil {
		return nil, errClosed
	}
	h.mu.Lock()
	if f.stopRelay != nil {
		caughtUp := f.caughtUp
		h.mu.Unlock()
		waitCaughtUp(caughtUp)
		return f, nil
	}
	stop, caughtUp, err := h.opts.Relay.Follow(room, func(wire []byte) { h.relayed(room, f, wire) })
	if err != nil {
		h.mu.Unlock()
		return nil, err
	}
	f.stopRelay, f.caughtUp = stop, caughtUp
	h.mu.Unlock()
	waitCaughtUp(caughtUp)
	return f, nil
}

func waitCaughtUp(c <-chan struct{}) {
	select {
	case <-c:
	case <-time.After(relayCatchUp):
	}
}

// unfollow stops relaying a room's feed, if it was relayed: the room runs here now, or is gone.
func (h *Hub) unfollow(f *roomFeed) {
	h.mu.Lock()
	stop := f.stopRelay
	f.stopRelay, f.caughtUp = nil, nil
	h.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// catchUp waits, for at most relayCatchUp, until a relayed feed has taken in the events up
// to id last; it returns at once for a feed that is not relayed.
func (h *Hub) catchUp(f *roomFeed, last uint64) {
	h.mu.Lock()
	relayed := f.stopRelay != nil
	h.mu.Unlock()
	if !relayed {
		return
	}
	for deadline := time.Now().Add(relayCatchUp); f.t.lastID() < last && time.Now().Before(deadline); {
		time.Sleep(catchUpPoll)
	}
}

// catchUpPoll spaces catchUp's looks: a handover waits for a few messages in flight.
const catchUpPoll = 2 * time.Millisecond

// Left is told that a room stopped running on this node without closing (handed to another
// node, or its lease lost). Its spectators here stay and follow it where it runs now.
func (h *Hub) Left(room string) {
	f := h.lookup(room)
	if f == nil || h.opts.Relay == nil {
		return
	}
	if f.t.watchers.Load() == 0 {
		return // the next spectator starts relaying
	}
	if _, err := h.follow(room); err != nil {
		h.Closed(room)
	}
}

// Move ends the streams of the rooms' feeds and of the lobby feed with a moved event naming
// where each goes on: to(room) for a room's, to("") for the lobby's; a feed to which to says
// "" ends without one. A node of a fleet that is going away calls it last, when its rooms are
// handed over: its spectators then resume on another node with their last id instead of
// retrying this address.
func (h *Hub) Move(to func(room string) string) {
	h.mu.RLock()
	feeds := maps.Clone(h.rooms)
	h.mu.RUnlock()
	for room, f := range feeds {
		if url := to(room); url != "" {
			f.t.closeMoved(movedWire(url))
		}
	}
	if url := to(""); url != "" {
		h.lobby.closeMoved(movedWire(url))
	}
}

// relayed takes one event of a room another node runs into the local feed, with its own id.
func (h *Hub) relayed(room string, f *roomFeed, wire []byte) {
	id, kind, ok := parseWire(wire)
	if !ok {
		return
	}
	if f.t.relay(id, kind, wire) && kind == kindClosed {
		h.mu.Lock()
		if h.rooms[room] == f {
			delete(h.rooms, room)
		}
		h.mu.Unlock()
		f.t.close()
		go h.unfollow(f) // stopping waits for this delivery to return
	}
}

// parseWire reads the id and kind of an event from its SSE bytes ("id: N\nevent: kind\n...").
func parseWire(wire []byte) (id uint64, kind string, ok bool) {
	idLine, rest, found := bytes.Cut(wire, []byte{'\n'})
	if !found || !bytes.HasPrefix(idLine, []byte("id: ")) {
		return 0, "", false
	}
	id, err := strconv.ParseUint(string(idLine[4:]), 10, 64)
	kindLine, _, found := bytes.Cut(rest, []byte{'\n'})
	if err != nil || !found || !bytes.HasPrefix(kindLine, []byte("event: ")) {
		return 0, "", false
	}
	return id, string(kindLine[7:]), true
}

// lastID returns the id of the feed's latest event.
func (t *topic) lastID() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last
}

// relay queues an event numbered by the node that runs the room, keeping it in the history,
// the keyframe or the status as the owner's feed does, and reports whether it was new: events
// at or below the last id are ones the feed has (a relay started over replays what is kept).
func (t *topic) relay(id uint64, kind string, wire []byte) bool {
	t.mu.Lock()
	if t.closed || id <= t.last {
		t.mu.Unlock()
		return false
	}
	t.last = id
	ev := &event{ID: id, Wire: wire}
	switch kind {
	case kindSnapshot:
		t.keyframe = ev
	case kindStatus:
		t.status = ev
		fallthrough
	default:
		if t.history > 0 {
			t.remember(ev)
		}
	}
	t.queue(ev)
	t.mu.Unlock()
	t.signal()
	return true
}
