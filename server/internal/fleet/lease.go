package fleet

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"skirmish/server/internal/lobby"
)

// A lease is this node's hold on one room: its directory entry, whose revision it knows.
// Every write of the entry is a compare-and-swap on that revision and carries the lease's
// TTL, so the entry disappears unless renewed, and a write based on an old revision (after
// the entry expired, or another node took it) is refused. One goroutine per lease (keep)
// does the writing: the room's summaries as they change, renewals in between, and the room's
// checkpoints, which are fenced the same way in the checkpoint bucket.
//
// The room checks Held before every tick. The lease holds until a fraction of the TTL after
// the last renewal was sent (not received: the entry's TTL starts later, when JetStream
// stores it), so the room has stopped ticking before the entry can expire and before any
// other node can create it anew: no room ever runs on two nodes at once, whatever the network
// does. A renewal that comes back late but good lets the room tick again; the room is given up
// (Lost) when a write is refused or no renewal comes back within a TTL more.
type lease struct {
	n  *Node
	id string

	until atomic.Int64 // the lease holds until epoch+until (monotonic)
	lostc chan struct{}
	lostO sync.Once
	wake  chan struct{}
	done  chan struct{}

	mu       sync.Mutex
	info     *lobby.Room // the newest summary not yet written
	cp       []byte      // the newest checkpoint not yet written
	pieces   []piece     // what the match record gained, not yet written (records.go)
	waiters  []chan error
	released bool
	dropped  bool
	handoff  *handoff

	// Owned by keep.
	rev, cpRev uint64
	last       lobby.Room // the summary last written, for renewals
}

// holdFraction is how much of the TTL after a renewal was sent the lease is taken to hold.
const holdFraction = 0.75

// renewEvery spaces the renewals, as a fraction of the TTL, from when the last one was sent
// (not from when it came back): however slow a write is to come back, the next one still has
// half the TTL to come back in before the lease stops holding.
const renewEvery = 4

var (
	// errTaken means the entry exists already: another node holds the room.
	errTaken = errors.New("fleet: the room has an owner")
	// errFenced means a compare-and-swap was refused: the lease is gone.
	errFenced = errors.New("fleet: lease lost")
	// errUnconfirmed means no renewal came back for a whole TTL after the lease stopped
	// holding: the entry may have expired, and the room may be another node's.
	errUnconfirmed = errors.New("fleet: lease not renewed in time")
)

// takeLease takes the lease of room r: by creating its entry (rev 0, only if absent), or
// from revision rev of an entry handed to this node. The entry is written before the lease
// is returned, so it holds from the start. cpRev is the revision of the room's checkpoint the
// node will go on from (0: none yet).
func (n *Node) takeLease(r lobby.Room, rev, cpRev uint64) (*lease, error) {
	l := &lease{
		n: n, id: r.ID, cpRev: cpRev,
		lostc: make(chan struct{}), wake: make(chan struct{}, 1), done: make(chan struct{}),
	}
	r.Node, r.URL = n.opts.NodeID, n.opts.PublicURL
	sent := time.Now()
	newRev, err := n.writeEntry(r.ID, entry{Room: r}, rev, rev == 0)
	if err != nil {
		return nil, err
	}
	l.rev, l.last = newRev, r
	l.renewed(sent)
	n.dir.hold(l, r)
	go l.keep(sent.Add(n.opts.LeaseTTL / renewEvery))
	return l, nil
}

// writeEntry writes a room's entry with the lease's TTL: created only if absent, or
// replacing revision rev only.
func (n *Node) writeEntry(id string, e entry, rev uint64, create bool) (uint64, error) {
	b, err := json.Marshal(&e)
	if err != nil {
		return 0, err
	}
	ctx, cancel := n.jsCtx()
	defer cancel()
	if create {
		newRev, err := n.rooms.Create(ctx, id, b, jetstream.KeyTTL(n.opts.LeaseTTL))
		if errors.Is(err, jetstream.ErrKeyExists) {
			return 0, errTaken
		}
		return newRev, err
	}
	ack, err := n.js.PublishMsg(ctx, &nats.Msg{Subject: "$KV." + n.opts.Prefix + "-rooms." + id, Data: b},
		jetstream.WithExpectLastSequencePerSubject(rev), jetstream.WithMsgTTL(n.opts.LeaseTTL))
	if err != nil {
		return 0, fenced(err)
	}
	return ack.Sequence, nil
}

// fenced turns a refused compare-and-swap into errFenced.
func fenced(err error) error {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant) {
		return fmt.Errorf("%w: %v", errFenced, err)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return fmt.Errorf("%w: %v", errFenced, err)
	}
	return err
}

func (l *lease) renewed(sent time.Time) {
	hold := time.Duration(float64(l.n.opts.LeaseTTL) * holdFraction)
	l.until.Store(int64(sent.Add(hold).Sub(l.n.epoch)))
}

// Held implements room.Lease.
func (l *lease) Held(now time.Time) bool {
	return now.Sub(l.n.epoch) < time.Duration(l.until.Load())
}

// Lost implements room.Lease.
func (l *lease) Lost() <-chan struct{} { return l.lostc }

func (l *lease) lose(why error) {
	l.lostO.Do(func() {
		l.until.Store(0)
		close(l.lostc)
		l.n.metrics.leasesLost.Inc()
		l.n.log.Warn("room lease lost", "room", l.id, "err", why)
	})
}

// Checkpoint implements room.Lease. A newer checkpoint replaces one not yet written.
func (l *lease) Checkpoint(data []byte, final bool) bool {
	var done chan error
	l.mu.Lock()
	if l.dropped || l.released {
		l.mu.Unlock()
		return false
	}
	l.cp = data
	if final {
		done = make(chan error, 1)
		l.waiters = append(l.waiters, done)
	}
	l.mu.Unlock()
	l.poke()
	if done == nil {
		return true
	}
	select {
	case err := <-done:
		return err == nil
	case <-time.After(2 * opTimeout):
		return false
	}
}

// Abandon implements room.Lease.
func (l *lease) Abandon() {
	l.mu.Lock()
	l.dropped = true
	l.mu.Unlock()
	l.poke()
}

// publish queues a summary of the room to write.
func (l *lease) publish(r lobby.Room) {
	l.mu.Lock()
	l.info = &r
	l.mu.Unlock()
	l.poke()
}

// release gives the room up for good: its checkpoint goes, and its entry becomes a
// tombstone that expires.
func (l *lease) release() {
	l.mu.Lock()
	l.released = true
	l.mu.Unlock()
	l.poke()
}

func (l *lease) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// handoff asks keep to write a room's final checkpoint and hand its entry to another node.
type handoff struct {
	cp    []byte
	to    nodeInfo
	reply chan handoffResult
}

type handoffResult struct {
	rev, cpRev uint64
	err        error
}

// handOff stores the room's final checkpoint and writes its entry naming node to, from
// which to takes the lease over. It returns the entry's revision for to to go on from. After
// it succeeds, this node no longer holds the room; after it fails, it still does.
func (l *lease) handOff(cp []byte, to nodeInfo) (rev, cpRev uint64, err error) {
	h := &handoff{cp: cp, to: to, reply: make(chan handoffResult, 1)}
	l.mu.Lock()
	l.handoff = h
	l.mu.Unlock()
	l.poke()
	select {
	case res := <-h.reply:
		return res.rev, res.cpRev, res.err
	case <-l.done:
		// keep answers before it ends: a handover it made must not be taken for a failure,
		// after which the room would go on here.
		select {
		case res := <-h.reply:
			return res.rev, res.cpRev, res.err
		default:
			return 0, 0, errors.New("fleet: the lease ended before the handover")
		}
	}
}

// keep is the lease's goroutine: it writes what the room queued and renews the entry every
// quarter of the TTL, from first, until the room is released, dropped or handed over, or the
// lease is lost.
func (l *lease) keep(first time.Time) {
	defer close(l.done)
	ttl := l.n.opts.LeaseTTL
	next := first // when the entry is due to be renewed
	renew := time.NewTimer(time.Until(next))
	defer renew.Stop()
	// storing delivers the outcome of the store under way (record pieces and a checkpoint, on
	// a goroutine of its own), nil while there is none. Stores go one at a time, in order,
	// and the renewals go on meanwhile: a store slow to take a checkpoint must not hold up
	// the renewal that keeps the room here.
	var storing chan stored
	// settle tells a finished store's waiters its outcome, and returns its error if it found
	// the lease fenced.
	settle := func(st stored) error {
		storing = nil
		for _, w := range st.waiters {
			w <- st.err
		}
		if errors.Is(st.err, errFenced) {
			return st.err
		}
		return nil
	}
	for {
		var err error
		select {
		case <-l.wake:
		case <-renew.C:
		case st := <-storing:
			err = settle(st)
		case <-l.n.ctx.Done():
			return
		}
		// A room whose lease does not hold waits for a renewal to come back rather than stop
		// at once: on a loaded machine one is often late but good. Only a lease that stayed
		// unconfirmed for a TTL more is given up.
		if now := time.Now(); err == nil && !l.Held(now.Add(-ttl)) {
			err = errUnconfirmed
		}
		if err != nil {
			l.lose(err)
			return
		}
		l.mu.Lock()
		info, released, dropped, h := l.info, l.released, l.dropped, l.handoff
		l.info, l.handoff = nil, nil
		var cp []byte
		var pieces []piece
		var waiters []chan error
		if storing == nil {
			cp, pieces, waiters = l.cp, l.pieces, l.waiters
			l.cp, l.pieces, l.waiters = nil, nil, nil
		}
		l.mu.Unlock()

		if cp != nil || pieces != nil {
			st := make(chan stored, 1)
			storing = st
			go func() { st <- stored{err: l.store(pieces, cp), waiters: waiters} }()
		}
		if info != nil {
			l.last = *info
		}
		if h == nil && !released && !dropped && (info != nil || !time.Now().Before(next)) {
			sent := time.Now()
			if err = l.renew(sent); err == nil {
				next = sent.Add(ttl / renewEvery)
			} else if !errors.Is(err, errFenced) {
				// NATS is unreachable for now: try again soon; if the lease runs out meanwhile,
				// the room stops by itself.
				l.n.log.Warn("lease renewal failed", "room", l.id, "err", err)
				next = time.Now().Add(min(ttl/10, 250*time.Millisecond))
			}
		}
		if (h != nil || released || dropped) && storing != nil {
			// What the room asked to store before goes first, and its waiters hear of it.
			if fenced := settle(<-storing); err == nil {
				err = fenced
			}
		}
		switch {
		case errors.Is(err, errFenced):
			l.lose(err)
			return
		case h != nil:
			res := l.giveTo(h)
			h.reply <- res
			if res.err == nil {
				return
			}
			next = time.Now() // the handover failed: the room stays, and its entry is renewed
		case released:
			l.closeRoom()
			return
		case dropped:
			return
		}
		renew.Reset(time.Until(next))
	}
}

// stored is the outcome of a store, for those waiting for it.
type stored struct {
	err     error
	waiters []chan error
}

// renew writes the entry with the room's last summary, which renews the lease from sent.
func (l *lease) renew(sent time.Time) error {
	rev, err := l.n.writeEntry(l.id, entry{Room: l.last}, l.rev, false)
	if err != nil {
		return err
	}
	l.rev = rev
	l.renewed(sent)
	return nil
}

// saveCheckpoint writes a checkpoint over the one this lease last wrote (or read).
func (l *lease) saveCheckpoint(cp []byte) error {
	ctx, cancel := l.n.jsCtx()
	defer cancel()
	var rev uint64
	var err error
	if l.cpRev == 0 {
		rev, err = l.n.cps.Create(ctx, l.id, cp)
	} else {
		rev, err = l.n.cps.Update(ctx, l.id, cp, l.cpRev)
	}
	if err != nil {
		return fenced(err)
	}
	l.cpRev = rev
	return nil
}

// giveTo stores the final checkpoint and names h.to in the entry.
func (l *lease) giveTo(h *handoff) handoffResult {
	if err := l.store(l.takePieces(), h.cp); err != nil {
		return handoffResult{err: err}
	}
	r := l.last
	r.Node, r.URL = h.to.ID, h.to.URL
	rev, err := l.n.writeEntry(l.id, entry{Room: r}, l.rev, false)
	if err != nil {
		return handoffResult{err: err}
	}
	l.rev = rev
	// The entry names the other node now: whatever the room's ticker does next, it no
	// longer runs a tick here.
	l.until.Store(0)
	l.n.dir.letGo(l, &r)
	return handoffResult{rev: rev, cpRev: l.cpRev}
}

// closeRoom removes a closed room's checkpoint, then leaves a tombstone in its entry: the
// checkpoint goes first, so that no node takes the room for one to recover.
func (l *lease) closeRoom() {
	ctx, cancel := l.n.jsCtx()
	defer cancel()
	if l.cpRev != 0 {
		if err := l.n.cps.Purge(ctx, l.id, jetstream.LastRevision(l.cpRev)); err != nil {
			l.n.log.Warn("closed room's checkpoint not removed", "room", l.id, "err", err)
		}
	}
	tomb := entry{Room: lobby.Room{ID: l.id, Node: l.n.opts.NodeID}, Closed: true}
	if _, err := l.n.writeEntry(l.id, tomb, l.rev, false); err != nil {
		l.n.log.Warn("closed room's entry not removed", "room", l.id, "err", err)
	}
}
