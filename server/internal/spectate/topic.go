package spectate

import (
	"errors"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// errClosed is returned when subscribing to a feed that has just closed.
var errClosed = errors.New("spectate: feed closed")

// topic is one feed (a room's, or the lobby's): the numbered events, the history and keyframe
// that open a stream, and the spectators. Publishers number and queue events under mu; the
// topic's own writer goroutine owns the spectator list and does every write. The writer
// starts with the first spectator: most rooms are never watched, and a goroutine and a
// heartbeat timer each would cost a server of a thousand rooms a thousand of both.
type topic struct {
	hub *Hub
	// room is the room whose events the hub's Relay passes to the fleet; empty for the lobby
	// and outside a fleet.
	room string
	// streams counts the open streams of this kind of feed.
	streams prometheus.Gauge
	wake    chan struct{}
	done    chan struct{}
	// history is the ring size for resumption; 0 means resuming always starts afresh.
	history int
	// keepKeyframe keeps the keyframe while nobody watches (the lobby's list); a room's
	// keyframe is dropped then, so that no stale state opens a later stream.
	keepKeyframe bool
	// opener, when set, makes the keyframe of a channel when a stream opens (see Channel).
	opener func() (kind string, data []byte)

	mu      sync.Mutex
	out     []*event // published and not yet written
	joining []*subscriber
	ring    []*event // discrete events, oldest first once full at ring[head]
	// watched says the feed has had a spectator, or is a fleet's (whose spectators may be on
	// any node): it keeps its history from then on. Before, nobody holds an id to resume
	// from, and a room nobody watches would keep up to history events (some 40 KiB) for no
	// one.
	watched bool
	head    int
	evicted uint64 // the highest id dropped from the ring
	last    uint64 // the highest id published
	// lostAfter and lostThrough bound the ids a feed restored after a crash skipped: issued
	// before the crash for events the restored room never had (see persist.go).
	lostAfter, lostThrough uint64
	keyframe               *event
	status                 *event
	intro                  *event
	closed                 bool
	writing                bool // the writer goroutine runs: events are queued for it

	watchers atomic.Int32
	// wantKey asks the room for a keyframe at once: a spectator joined and there was none.
	wantKey atomic.Bool

	// Owned by the writer goroutine.
	subs      []*subscriber
	spare     []*event
	lastWrite time.Time // when the writer last wrote to anyone
	checked   time.Time // when the spectators' sockets were last checked for a stall
}

func newTopic(h *Hub, feed string, history int, keepKeyframe bool) *topic {
	t := &topic{
		hub:          h,
		streams:      h.metrics.streams.WithLabelValues(feed),
		wake:         make(chan struct{}, 1),
		done:         make(chan struct{}),
		history:      history,
		keepKeyframe: keepKeyframe,
	}
	return t
}

// queue hands ev to the writer, if there is one: without, nobody watches, and a stream that
// opens later starts from the history and keyframe. Called with mu held.
func (t *topic) queue(ev *event) {
	if t.writing {
		t.out = append(t.out, ev)
	}
}

// numberFrom makes the topic's ids follow id, as if the events up to id had been published
// and were no longer kept. Called before anything is published.
func (t *topic) numberFrom(id uint64) {
	t.mu.Lock()
	t.last, t.evicted = id, id
	t.mu.Unlock()
}

// publish numbers an event, encodes it and queues it as flags say. It never blocks on a
// spectator.
func (t *topic) publish(kind string, data []byte, flags int) {
	t.publishAs(0, kind, data, flags)
}

// publishAs is publish with the event's id given (0: the next one): a session numbers its
// events by their ticks, several sharing one.
func (t *topic) publishAs(id uint64, kind string, data []byte, flags int) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	if id == 0 || id < t.last {
		id = t.last + 1
	}
	t.last = id
	ev := &event{ID: t.last, Wire: encodeEvent(t.last, kind, data)}
	if flags&discrete != 0 && t.history > 0 {
		t.remember(ev)
	}
	if flags&keyframe != 0 {
		t.keyframe = ev
	}
	if kind == kindStatus {
		t.status = ev
	}
	if flags&intro != 0 {
		t.intro = ev
	}
	if flags&broadcast != 0 {
		t.queue(ev)
	}
	t.mu.Unlock()
	t.signal()
	if t.room != "" {
		// Only the room's ticker publishes, so the fleet gets the events in id order.
		t.hub.opts.Relay.Publish(t.room, ev.ID, kind, ev.Wire)
	}
}

// publishChange broadcasts a change of a feed whose keyframe is its whole state (the lobby's
// room list), keeps it for resumption, and drops that keyframe, now stale. Rebuilding the
// keyframe on every change would cost the whole state each time; refreshKeyframe rebuilds it
// when a stream opens.
func (t *topic) publishChange(kind string, data []byte) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.last++
	ev := &event{ID: t.last, Wire: encodeEvent(t.last, kind, data)}
	t.queue(ev)
	if t.history > 0 {
		t.remember(ev)
	}
	t.keyframe = nil
	t.mu.Unlock()
	t.signal()
}

// refreshKeyframe makes a keyframe of the state after the last change unless there is one.
// It shares the change's id: a stream opened with it must not get the change again, and one
// that got the change resumes after it. The caller keeps the state from changing meanwhile.
func (t *topic) refreshKeyframe(state func() (kind string, data []byte)) {
	t.mu.Lock()
	if t.keyframe == nil {
		kind, data := state()
		t.keyframe = &event{ID: t.last, Wire: encodeEvent(t.last, kind, data)}
	}
	t.mu.Unlock()
}

// everWatched reports whether the feed has had a spectator, or is a fleet's (see watched).
func (t *topic) everWatched() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.watched
}

// remember adds a discrete event to the ring, or drops it if the feed was never watched.
// Called with mu held.
func (t *topic) remember(ev *event) {
	if !t.watched {
		t.evicted = ev.ID
		return
	}
	if len(t.ring) < t.history {
		t.ring = append(t.ring, ev)
		return
	}
	t.evicted = t.ring[t.head].ID
	t.ring[t.head] = ev
	t.head = (t.head + 1) % len(t.ring)
}

// opening returns the events that start a stream: for a resume after lastID, the missed
// discrete events and the keyframe in id order; for a fresh stream, or a resume point the
// history no longer covers, the latest status and keyframe, and then reset is the event that
// tells a resuming spectator so (nil otherwise). A feed whose keyframe is its whole state (the
// lobby) resumes with the missed changes alone, and one it cannot resume starts afresh with no
// reset: the keyframe replaces everything.
// Called with mu held.
func (t *topic) opening(lastID uint64, resume bool) (evs []*event, reset []byte) {
	lost := lastID > t.lostAfter && lastID <= t.lostThrough
	covered := resume && t.history > 0 && !lost && lastID >= t.evicted && lastID <= t.last
	if covered && t.keepKeyframe {
		return t.missed(lastID), nil
	}
	if covered {
		evs = t.missed(lastID)
	} else {
		switch {
		case t.keepKeyframe:
		case resume && lost:
			reset = restartReset(t.lostAfter)
		case resume && t.history > 0:
			reset = resetWire
		}
		if t.intro != nil {
			evs = append(evs, t.intro)
		}
		if t.status != nil {
			evs = append(evs, t.status)
		}
	}
	if t.keyframe != nil {
		evs = append(evs, t.keyframe)
	}
	slices.SortStableFunc(evs, func(a, b *event) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return evs, reset
}

// missed returns the events of the history after lastID, in order. Called with mu held.
func (t *topic) missed(lastID uint64) []*event {
	// The ring is in id order from head: find the first missed event by bisection, as a crowd
	// reconnecting at once would otherwise scan it once each under the lock.
	n := len(t.ring)
	first := sort.Search(n, func(i int) bool { return t.ring[(t.head+i)%n].ID > lastID })
	evs := make([]*event, 0, n-first)
	for i := first; i < n; i++ {
		evs = append(evs, t.ring[(t.head+i)%n])
	}
	return evs
}

// subscribe adds a spectator whose stream starts with head (the response head and retry
// hint) and the opening for lastID. The writer sends it all.
func (t *topic) subscribe(s *subscriber, head []byte, lastID uint64, resume bool) error {
	now := time.Now()
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return errClosed
	}
	evs, reset := t.opening(lastID, resume)
	t.watched = true
	s.queue(head, now)
	if reset != nil {
		s.queue(reset, now)
	}
	for _, ev := range evs {
		s.queue(ev.Wire, now)
	}
	s.from = t.last
	t.joining = append(t.joining, s)
	if !t.writing {
		t.writing = true
		go t.run()
	}
	if t.watchers.Add(1) == 1 && t.keyframe == nil {
		t.wantKey.Store(true)
	}
	t.mu.Unlock()
	t.streams.Inc()
	t.signal()
	return nil
}

// close ends the feed: the writer sends what is queued and then closes every stream.
func (t *topic) close() {
	t.mu.Lock()
	if !t.closed {
		t.closed = true
		close(t.done)
	}
	t.mu.Unlock()
}

// closeMoved ends the feed as close does, after a last event, wire, that only the current
// streams get: it is neither numbered nor kept, and the fleet is not told of it.
func (t *topic) closeMoved(wire []byte) {
	t.mu.Lock()
	if !t.closed {
		// The id is for the writer alone, which gives a joining stream the queued events
		// newer than its opening; t.last stays, so that no event is numbered after it.
		t.queue(&event{ID: t.last + 1, Wire: wire})
		t.closed = true
		close(t.done)
	}
	t.mu.Unlock()
}

func (t *topic) signal() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// run is the writer goroutine. It wakes for published events and joining spectators, for a
// heartbeat when the feed has been quiet, and to retry spectators that owe bytes.
func (t *topic) run() {
	opts := &t.hub.opts
	beat := time.NewTicker(opts.Heartbeat / 2)
	defer beat.Stop()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	t.lastWrite = time.Now()
	for {
		heartbeat := false
		select {
		case <-t.wake:
		case <-retry.C:
		case now := <-beat.C:
			heartbeat = now.Sub(t.lastWrite) >= opts.Heartbeat/2
		case <-t.done:
			t.pass(false)
			for _, s := range t.subs {
				t.drop(s, false)
			}
			t.subs = nil
			return
		}
		if t.pass(heartbeat) {
			retry.Reset(retryDelay)
		}
	}
}

// yieldEvery is how many spectators a pass writes to before it lets other goroutines run: a
// pass to thousands takes tens of milliseconds, and on a server with one core a room whose
// tick falls due meanwhile must not wait for the end of it (nor for the scheduler to preempt
// it, every 10 ms), so that spectator fan-out never lengthens a room's tick.
const yieldEvery = 64

// retryDelay is how soon the writer tries again to give spectators that owe bytes.
const retryDelay = 50 * time.Millisecond

// drainCheck is how often, at most, the writer asks the kernel whether its spectators take
// what their sockets were given.
const drainCheck = time.Second

// pass writes what was published since the last pass (plus a heartbeat if asked) to every
// spectator, takes in the joining ones, and reports whether any spectator still owes bytes.
func (t *topic) pass(heartbeat bool) (owing bool) {
	t.mu.Lock()
	out := t.out
	t.out = t.spare[:0]
	joining := t.joining
	t.joining = nil
	t.mu.Unlock()

	opts := &t.hub.opts
	now := time.Now()
	batch := t.batch(out, heartbeat)
	if len(batch) > 0 || len(joining) > 0 {
		t.lastWrite = now
	}
	delivered := 0
	check := now.Sub(t.checked) >= drainCheck
	if check {
		t.checked = now
	}
	for i := 0; i < len(t.subs); {
		s := t.subs[i]
		var ok bool
		if len(batch) > 0 {
			ok = s.send(batch, now, opts.MaxPending, opts.StuckTimeout)
		} else {
			ok = s.owed == 0 || s.flush(now, opts.MaxPending, opts.StuckTimeout)
		}
		// The kernel buffers a spectator that stopped reading for minutes before a write
		// fails to go through: what the socket took must also be acknowledged in time.
		ok = ok && !(check && s.raw != nil && s.drain.Stalled(s.raw, now, opts.StuckTimeout))
		if !ok {
			t.drop(s, !s.broken)
			t.subs[i] = t.subs[len(t.subs)-1]
			t.subs[len(t.subs)-1] = nil
			t.subs = t.subs[:len(t.subs)-1]
			continue
		}
		delivered += len(out)
		owing = owing || s.owed > 0
		i++
		if i%yieldEvery == 0 {
			runtime.Gosched()
		}
	}
	for _, s := range joining {
		for _, ev := range out {
			if ev.ID > s.from {
				s.queue(ev.Wire, now)
			}
		}
		if !s.flush(now, opts.MaxPending, opts.StuckTimeout) {
			t.drop(s, !s.broken)
			continue
		}
		t.subs = append(t.subs, s)
		owing = owing || s.owed > 0
	}
	clear(out)
	t.spare = out[:0]
	t.hub.metrics.delivered.Add(float64(delivered))
	return owing
}

// batch returns the bytes of one pass: a single event's own slice, or a fresh buffer (which
// lagging spectators may keep referring to) when there are several.
func (t *topic) batch(out []*event, heartbeat bool) []byte {
	if len(out) == 1 && !heartbeat {
		return out[0].Wire
	}
	n := 0
	if heartbeat {
		n = len(ping)
	}
	for _, ev := range out {
		n += len(ev.Wire)
	}
	if n == 0 {
		return nil
	}
	b := make([]byte, 0, n)
	for _, ev := range out {
		b = append(b, ev.Wire...)
	}
	if heartbeat {
		b = append(b, ping...)
	}
	return b
}

// drop closes a spectator's stream; slow tells a disconnection for not keeping up from the
// end of the feed or of the connection.
func (t *topic) drop(s *subscriber, slow bool) {
	s.close()
	s.release()
	s.pending = nil
	if slow {
		t.hub.metrics.dropped.Inc()
	}
	t.streams.Dec()
	t.mu.Lock()
	if t.watchers.Add(-1) == 0 && !t.keepKeyframe {
		t.keyframe = nil
	}
	t.mu.Unlock()
}
