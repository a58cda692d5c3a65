package room

import (
	"errors"
	"fmt"
	"time"

	"skirmish/game/protocol"
	"skirmish/server/internal/transport"
)

// Rooms in a fleet. With a Fleet in its Deps, a Manager runs each of its rooms under a lease
// that the fleet's directory holds for this node: a room is created only once its lease is
// taken, checks on every tick that the lease still holds and stops at once when it does not,
// and keeps its checkpoints in the fleet's store rather than under the data directory. A
// hello for a room this node does not run is answered with 4310 and the owner's URL. A room
// moves between nodes as a checkpoint: Handover stops it here and hands its last checkpoint
// to a function that gives it to another node, whose Manager brings it back with Adopt.

// ErrTaken is returned by Fleet.Acquire when another room of the fleet has the id.
var ErrTaken = errors.New("room id taken")

// Fleet is what a Manager needs of the fleet its node belongs to.
type Fleet interface {
	// Acquire takes the lease of a new room: only if no node holds one for id (ErrTaken
	// otherwise). The directory then shows the room as this node's.
	Acquire(id string) (Lease, error)
	// Locate says where a player of room should go: to url, the owner's WebSocket URL, or,
	// when the room is on its way to this node (handed over or being recovered), nowhere yet
	// (pending, with url this node's own). ok is false when the fleet knows no such room.
	Locate(room string) (url string, pending, ok bool)
	// Left is told that a room stopped running here without closing: handed over, or its
	// lease lost. Its spectators here now follow it on the node that runs it.
	Left(room string)
	// Record returns the first size bytes of the match record file (a record.Position's
	// File) as the nodes that ran the room passed them on with its checkpoints.
	Record(file string, size int64) ([]byte, error)
	// Short reports whether node is short of headroom and takes no newcomers: quick play
	// sends nobody to its rooms.
	Short(node string) bool
}

// Lease is this node's hold on one room. Its methods are called from the room's ticker
// and must not block, except a final Checkpoint.
type Lease interface {
	// Held reports whether the room may tick at now: the lease was renewed recently enough
	// that no other node can have taken it. A lease that does not hold may hold again, once a
	// renewal under way comes back.
	Held(now time.Time) bool
	// Lost is closed when the lease is gone for good (another node holds it, or it went
	// unconfirmed for so long that it may have expired).
	Lost() <-chan struct{}
	// Record passes on the bytes the match record file (a record.Position's File) gained from
	// offset on, since the last call. A checkpoint that counts them is stored only once they
	// are: what a checkpoint says of its record, the fleet has.
	Record(file string, offset int64, data []byte)
	// Checkpoint hands the room's latest checkpoint to the fleet's store and reports whether
	// it was taken; a final one waits until it is stored.
	Checkpoint(data []byte, final bool) bool
	// Abandon stops renewing the lease without giving the room up: the lease expires and
	// another node brings the room back from its last checkpoint.
	Abandon()
}

// Adopt brings back a room from a checkpoint another node stored, under lease (already taken
// for this node), and returns its id. A match in play comes back paused until its players,
// sent here with 4310, return with their tokens.
func (m *Manager) Adopt(data []byte, lease Lease) (string, error) {
	if m.draining.Load() || m.ctx.Err() != nil {
		return "", ErrDraining
	}
	cp, err := readCheckpoint(data)
	if err != nil {
		return "", err
	}
	if cp.Record != nil && m.env.records != nil {
		// The match's record comes from the fleet's store, where the room's nodes put it, up
		// to where the checkpoint is: the match goes on with it here.
		rec, err := m.env.fleet.Record(cp.Record.File, cp.Record.Bytes)
		if err == nil {
			err = m.env.records.Import(*cp.Record, rec)
		}
		if err != nil {
			// A record this node kept of an earlier stay of the room is not the one the
			// checkpoint counts on.
			m.log.Warn("the restored match goes on without its record", "room", cp.Room, "err", err)
			cp.Record = nil
		}
	}
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	// Again under the lock Drain takes: a room restored once the node drains would be launched
	// after Wait, past the close of the record writer its record continues on.
	if m.draining.Load() {
		return "", ErrDraining
	}
	if m.rooms[cp.Room] != nil {
		return "", fmt.Errorf("%w: room %s is already open", ErrCheckpoint, cp.Room)
	}
	c, err := restoreCore(cp, m.cfg, m.env, now, lease)
	if err != nil {
		return "", err
	}
	// Logged before launch: from then on the core is its ticker's alone.
	m.log.Info("room adopted", "room", c.id, "state", c.state.String(), "tick", c.world.Tick,
		"players_awaited", len(c.missing()), "saved", cp.Saved)
	m.launch(newRoom(c, m.cfg.MaxBacklog), now)
	return c.id, nil
}

// Handover stops a room of this node between two ticks and passes its last checkpoint to
// move, which gives it to another node and returns that node's WebSocket URL. The room's
// players are then sent there with 4310, and the room is gone from here. If move fails the
// room goes on here as if nothing happened. The room is frozen while move runs, on the
// caller's goroutine: it neither ticks nor reads nor runs commands, and the other rooms of
// its ticker go on.
func (m *Manager) Handover(roomID string, move func(checkpoint []byte) (url string, err error)) error {
	r := m.get(roomID)
	if r == nil {
		return ErrNoRoom
	}
	type frozen struct {
		data []byte
		err  error
	}
	reply := make(chan frozen, 1)
	queued := r.do(func() {
		c := r.core
		if c.lease == nil {
			reply <- frozen{err: errors.New("a room outside a fleet cannot be handed over")}
			return
		}
		data, err := c.checkpoint(time.Now(), true)
		r.frozen = err == nil
		reply <- frozen{data, err}
	})
	if !queued {
		return ErrNoRoom
	}
	f, ok := await(r, reply)
	if !ok {
		return ErrNoRoom
	}
	if f.err != nil {
		return f.err
	}
	url, err := move(f.data)
	r.thaw(func() {
		c := r.core
		if err == nil {
			c.moveOut(protocol.CodeMoved, url)
			m.log.Info("room handed over", "room", c.id, "to", url, "tick", c.world.Tick)
		}
	})
	return err
}

// IDs returns the ids of the rooms this node runs.
func (m *Manager) IDs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]string, 0, len(m.rooms))
	for id := range m.rooms {
		ids = append(ids, id)
	}
	return ids
}

// Load returns how many rooms this node runs and how busy their ticks keep it, in cores (the
// seconds of tick work per second), from each room's recent tick durations.
func (m *Manager) Load() (rooms int, busy float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.rooms {
		busy += r.busy()
	}
	return len(m.rooms), busy
}

// moveOut stops the core because the room now runs elsewhere (handed over, or its lease lost):
// its players are sent on with code and reason; nothing is saved, and neither the directory
// nor the spectators are told it closed, since it did not.
func (c *core) moveOut(code protocol.Code, reason string) {
	if c.closed {
		return
	}
	c.disconnect(code, reason)
	c.lease.Abandon()
	c.env.fleet.Left(c.id)
}

// evict stops the room at once when its lease is lost: another node may run it already.
// Players go to the owner the directory names, or reconnect here to be told later.
func (c *core) evict() {
	c.env.log.Warn("lease lost: the room stops here", "room", c.id, "tick", c.world.Tick)
	if url, pending, ok := c.env.fleet.Locate(c.id); ok && !pending {
		c.moveOut(protocol.CodeMoved, url)
		return
	}
	c.moveOut(protocol.CodeGoingAway, "this node lost the room; reconnect to find it")
}

// locate answers a hello for a room this node does not run: a room on its way here is
// awaited for up to HelloTimeout; otherwise the player is sent to the owner with 4310 (to
// this node again, later, while the room is still on its way) or told there is no such room.
func (m *Manager) locate(c *transport.Conn, roomID string) *Room {
	deadline := time.Now().Add(m.cfg.HelloTimeout)
	for {
		if r := m.get(roomID); r != nil {
			return r
		}
		url, pending, ok := m.env.fleet.Locate(roomID)
		switch {
		case !ok:
			m.refuse(c, protocol.CodeNoRoom, fmt.Sprintf("no room %q", roomID))
			return nil
		case !pending, time.Now().After(deadline):
			m.refuse(c, protocol.CodeMoved, url)
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
}
