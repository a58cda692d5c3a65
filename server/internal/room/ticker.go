package room

import (
	"container/heap"
	"context"
	"slices"
	"sync"
	"time"

	"skirmish/game/protocol"
)

// A ticker runs the ticks and the commands of up to roomsPerTicker rooms of one tick rate, one
// room at a time, on one goroutine, and wakes once for the rooms due within tickSlack of each
// other. A goroutine a room cost each room its own stack (some 3 KiB, most of a player's
// memory at four players a room) and a wake-up of the scheduler for each of its ticks.
//
// The group is small so that the scheduler still interleaves rooms with the rest of the
// server. One ticker a core, for hundreds of rooms, ran for tens of milliseconds at a time
// once it fell behind: the runtime preempted it and made it wait behind every spectator writer
// its ticks had woken, and all its rooms were late at once (with 1,000 spectators, tick p99
// 450 µs instead of 245 and five times the late ticks). Rooms keep their own phase, as they
// did on their own goroutines: a ticker whose rooms all ticked at once sent its players their
// snapshots in bursts, which cost more CPU a snapshot and doubled the tick p99.
//
// Nothing a room does between two ticks blocks (its writes, checkpoints and feed are queued),
// so the rooms of a ticker only wait for each other's work.
type ticker struct {
	set    *tickers
	period time.Duration
	wake   chan struct{}

	// count is how many rooms the ticker has (guarded by set.mu); quit says it has none
	// left and is out of the set, so that it ends.
	count int
	quit  bool

	mu      sync.Mutex
	stopped bool    // the ticker has ended: a room added now is suspended at once
	added   []*Room // rooms to begin
	pending []*Room // rooms with queued commands

	// What the rooms decode their polled connections' messages with (reads.go): they read
	// one at a time, so one of each serves them all.
	rd  protocol.Reader
	enc protocol.Encoder

	rooms roomHeap // by next due tick; owned by the ticker's goroutine
}

// roomsPerTicker bounds the rooms of one ticker: at some 70 µs a tick for a room of four,
// they take about 2 ms of a 33 ms period, and the ticker's stack costs each a few hundred
// bytes.
const roomsPerTicker = 32

// tickSlack is how early a room may tick so that it shares a wake-up with rooms due just
// before it: a millisecond of jitter in a 33 ms period is invisible to players.
const tickSlack = time.Millisecond

// tickers starts tickers as rooms need them; a ticker ends with its last room, or with ctx,
// when it suspends its rooms.
type tickers struct {
	ctx context.Context
	wg  *sync.WaitGroup // counts the tickers' goroutines

	mu  sync.Mutex
	all []*ticker
}

func newTickers(ctx context.Context, wg *sync.WaitGroup) *tickers {
	return &tickers{ctx: ctx, wg: wg}
}

// add gives r to a ticker of its tick rate with room for it, or to a new one.
func (ts *tickers) add(r *Room) {
	ts.mu.Lock()
	var t *ticker
	for _, o := range ts.all {
		if o.period == r.period && o.count < roomsPerTicker {
			t = o
			break
		}
	}
	if t == nil && ts.ctx.Err() == nil {
		t = &ticker{set: ts, period: r.period, wake: make(chan struct{}, 1)}
		ts.all = append(ts.all, t)
		ts.wg.Add(1)
		go func() {
			defer ts.wg.Done()
			t.run(ts.ctx)
		}()
	}
	stopped := t == nil
	if t != nil {
		t.count++
		r.ticker = t
		t.mu.Lock()
		stopped = t.stopped
		if !stopped {
			t.added = append(t.added, r)
		}
		t.mu.Unlock()
	}
	ts.mu.Unlock()
	if stopped {
		// Placed while the server shuts down: the room is saved and closed like the others,
		// off the caller, which holds the Manager's lock that ending a room takes.
		go func() {
			r.begin(time.Now())
			r.suspend()
		}()
		return
	}
	t.signal()
}

// removed notes that one of t's rooms has ended; the ticker leaves the set with its last.
func (ts *tickers) removed(t *ticker) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if t.count--; t.count > 0 {
		return
	}
	t.quit = true
	ts.all = slices.DeleteFunc(ts.all, func(o *ticker) bool { return o == t })
}

// queued notes that r has commands waiting.
func (t *ticker) queued(r *Room) {
	t.mu.Lock()
	t.pending = append(t.pending, r)
	t.mu.Unlock()
	t.signal()
}

func (t *ticker) signal() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

func (t *ticker) run(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		t.takeQueued()
		for len(t.rooms) > 0 {
			now := time.Now()
			r := t.rooms[0]
			if r.due.After(now.Add(tickSlack)) {
				break
			}
			if r.step(now) {
				heap.Pop(&t.rooms)
				r.finish()
			} else {
				heap.Fix(&t.rooms, 0)
			}
		}
		if t.done() {
			return
		}
		wait := time.Hour
		if len(t.rooms) > 0 {
			wait = time.Until(t.rooms[0].due)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			t.stop()
			return
		case <-t.wake:
		case <-timer.C:
		}
	}
}

// done reports whether the ticker has ended: its last room has, and no room can join it.
func (t *ticker) done() bool {
	if len(t.rooms) > 0 {
		return false
	}
	t.set.mu.Lock()
	defer t.set.mu.Unlock()
	return t.quit
}

// takeQueued begins the rooms added and runs the commands queued since it last looked.
func (t *ticker) takeQueued() {
	t.mu.Lock()
	added, pending := t.added, t.pending
	t.added, t.pending = nil, nil
	t.mu.Unlock()
	for _, r := range added {
		r.begin(time.Now())
		heap.Push(&t.rooms, r)
	}
	for _, r := range pending {
		if r.runCommands() {
			heap.Remove(&t.rooms, r.index)
			r.finish()
		}
	}
}

// stop suspends every room of the ticker: the server is shutting down. The rooms are saved
// side by side: a fleet's final checkpoint waits for the store, up to seconds each when it is
// slow, and the server waits for every room.
func (t *ticker) stop() {
	t.mu.Lock()
	t.stopped = true
	added := t.added
	t.added, t.pending = nil, nil
	t.mu.Unlock()
	var wg sync.WaitGroup
	suspend := func(r *Room, begin bool) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if begin {
				r.begin(time.Now())
			}
			r.suspend()
		}()
	}
	for _, r := range added {
		suspend(r, true)
	}
	for _, r := range t.rooms {
		suspend(r, false)
	}
	wg.Wait()
	t.rooms = nil
}

// roomHeap orders rooms by their next due tick (container/heap).
type roomHeap []*Room

func (h roomHeap) Len() int           { return len(h) }
func (h roomHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h roomHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *roomHeap) Push(x any) {
	r := x.(*Room)
	r.index = len(*h)
	*h = append(*h, r)
}
func (h *roomHeap) Pop() any {
	old := *h
	r := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return r
}

// suspend saves and closes a room of a server that shuts down.
func (r *Room) suspend() {
	r.core.suspend(time.Now(), protocol.CodeGoingAway, "server shutting down")
	r.finish()
}
