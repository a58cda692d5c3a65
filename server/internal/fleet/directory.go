package fleet

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"skirmish/server/internal/lobby"
	"skirmish/server/internal/room"
)

// entry is a room's value in the directory bucket: its summary, which names the node that
// holds its lease, or a tombstone once it closed.
type entry struct {
	lobby.Room
	Closed bool `json:"closed,omitempty"`
}

// directory is the fleet's room directory as this node sees it: a copy of the bucket kept
// by a watcher, in which the rooms this node runs are its own latest summaries (it is their
// only writer, and its watcher hears its writes only later). It implements lobby.Directory;
// Put and Remove are called by this node's rooms, which hold leases.
type directory struct {
	n      *Node
	notify func(lobby.Change)
	w      jetstream.KeyWatcher
	// expired is signalled when a room's lease expired: recovery looks at once, at the rooms
	// in lapsed.
	expired chan struct{}

	mu     sync.Mutex
	rooms  map[string]lobby.Room
	leases map[string]*lease
	lapsed []string
}

func (d *directory) init(n *Node) {
	d.n = n
	d.rooms = make(map[string]lobby.Room)
	d.leases = make(map[string]*lease)
	d.expired = make(chan struct{}, 1)
	d.notify = func(lobby.Change) {}
}

// takeLapsed returns the rooms whose leases expired since the last call.
func (d *directory) takeLapsed() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	ids := d.lapsed
	d.lapsed = nil
	return ids
}

// Directory returns the fleet's room directory, for the node's rooms.
func (n *Node) Directory() lobby.Directory { return &n.dir }

// start loads the bucket and follows its changes, telling notify.
func (d *directory) start(notify func(lobby.Change)) error {
	if notify != nil {
		d.notify = notify
	}
	// The watcher lives as long as the node: its context is the node's.
	w, err := d.n.rooms.WatchAll(d.n.ctx)
	if err != nil {
		return err
	}
	d.w = w
	loaded := make(chan struct{})
	d.n.wg.Add(1)
	go d.watch(loaded)
	select {
	case <-loaded:
	case <-time.After(opTimeout):
		return errors.New("fleet: the room directory did not load in time")
	}
	return nil
}

func (d *directory) stop() {
	if d.w != nil {
		_ = d.w.Stop()
	}
}

// watch applies the bucket's changes to the copy; loaded is closed once the entries that
// existed at the start are in.
func (d *directory) watch(loaded chan struct{}) {
	defer d.n.wg.Done()
	for {
		select {
		case <-d.n.ctx.Done():
			return
		case e, ok := <-d.w.Updates():
			if !ok {
				return
			}
			if e == nil {
				close(loaded)
				continue
			}
			d.apply(e)
		}
	}
}

func (d *directory) apply(e jetstream.KeyValueEntry) {
	id := e.Key()
	var v entry
	gone := e.Operation() != jetstream.KeyValuePut
	if !gone {
		if err := json.Unmarshal(e.Value(), &v); err != nil {
			d.n.log.Warn("unreadable directory entry", "room", id, "err", err)
			return
		}
		gone = v.Closed
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.leases[id] != nil {
		return // this node runs the room: its own summary is newer
	}
	if gone {
		if e.Operation() != jetstream.KeyValuePurge {
			d.forget(id, lobby.Closed)
		} else {
			// The lease expired: its node died or stalled, and the room awaits recovery.
			d.forget(id, lobby.Lost)
			d.lapsed = append(d.lapsed, id)
			select {
			case d.expired <- struct{}{}:
			default:
			}
		}
		return
	}
	d.keep(v.Room)
}

// keep stores a room's summary and tells notify. Called with mu held.
func (d *directory) keep(r lobby.Room) {
	kind := lobby.Changed
	if _, ok := d.rooms[r.ID]; !ok {
		kind = lobby.Created
	}
	d.rooms[r.ID] = r
	d.notify(lobby.Change{Kind: kind, Room: r})
}

// forget drops a room and tells notify why (lobby.Closed or lobby.Lost). Called with mu held.
func (d *directory) forget(id string, why lobby.ChangeKind) {
	if _, ok := d.rooms[id]; ok {
		delete(d.rooms, id)
		d.notify(lobby.Change{Kind: why, Room: lobby.Room{ID: id}})
	}
}

// Put implements lobby.Directory for a room this node runs: the summary is this node's at
// once, and its lease writes it to the bucket.
func (d *directory) Put(r lobby.Room) {
	r.Node, r.URL = d.n.opts.NodeID, d.n.opts.PublicURL
	d.mu.Lock()
	defer d.mu.Unlock()
	l := d.leases[r.ID]
	if l == nil {
		return // the room moved on; its last words change nothing
	}
	d.keep(r)
	l.publish(r)
}

// Remove implements lobby.Directory: a room of this node closed, and its lease, entry and
// checkpoint go.
func (d *directory) Remove(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	l := d.leases[id]
	if l == nil {
		return
	}
	delete(d.leases, id)
	d.n.metrics.leases.Dec()
	d.forget(id, lobby.Closed)
	l.release()
}

// Get implements lobby.Directory.
func (d *directory) Get(id string) (lobby.Room, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, ok := d.rooms[id]
	return r, ok
}

// List implements lobby.Directory.
func (d *directory) List() []lobby.Room {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]lobby.Room, 0, len(d.rooms))
	for _, r := range d.rooms {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b lobby.Room) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// hold registers the lease of a room this node now runs, with its first summary.
func (d *directory) hold(l *lease, r lobby.Room) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.leases[l.id] = l
	d.n.metrics.leases.Inc()
	d.keep(r)
}

// letGo forgets the lease of a room that runs elsewhere now (handed over, or lost); r, when
// set, is where it went.
func (d *directory) letGo(l *lease, r *lobby.Room) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.leases[l.id] != l {
		return
	}
	delete(d.leases, l.id)
	d.n.metrics.leases.Dec()
	if r != nil {
		d.keep(*r)
	}
}

func (d *directory) leaseOf(id string) *lease {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.leases[id]
}

// Acquire implements room.Fleet: the entry is created only if absent.
func (n *Node) Acquire(id string) (room.Lease, error) {
	r := lobby.Room{ID: id, State: "waiting", Players: []lobby.Player{}, Node: n.opts.NodeID, URL: n.opts.PublicURL}
	l, err := n.takeLease(r, 0, 0)
	if errors.Is(err, errTaken) {
		return nil, room.ErrTaken
	}
	return l, err
}

// Locate implements room.Fleet.
func (n *Node) Locate(id string) (url string, pending, ok bool) {
	if r, found := n.dir.Get(id); found {
		if r.Node != n.opts.NodeID {
			return r.URL, false, true
		}
		return n.opts.PublicURL, true, true
	}
	// A room without an entry but with a checkpoint is between a dead node and the next.
	ctx, cancel := n.jsCtx()
	defer cancel()
	if _, err := n.cps.Get(ctx, id); err == nil {
		return n.opts.PublicURL, true, true
	}
	return "", false, false
}

// Left implements room.Fleet: the spectators here follow the room where it runs now.
func (n *Node) Left(id string) {
	if l := n.dir.leaseOf(id); l != nil {
		n.dir.letGo(l, nil)
	}
	n.hub.Left(id)
}
