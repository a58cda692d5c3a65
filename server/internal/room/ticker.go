package room

import (
	"container/heap"
	"context"
	"sync"
	"sync/atomic"
	"time"

	"skirmish/game/protocol"
)

// A ticker runs the ticks and the commands of a share of the rooms, one room at a time, on
// one goroutine; a server has one ticker a core. A goroutine a room cost each room its own
// stack (some 3 KiB, most of a player's memory at four players a room) and a wake-up of the
// scheduler for every tick of every room. A ticker wakes once for all the rooms due within
// tickSlack of each other and keeps no stack a room.
//
// Nothing a room does between two ticks blocks (its writes, checkpoints and feed are queued),
// so the rooms of a ticker only wait for each other's work, as they waited for the core
// they shared before.
type ticker struct {
	wake chan struct{} // a room was added or given a command

	mu      sync.Mutex
	stopped bool    // the ticker has ended: a room added now is suspended at once
	added   []*Room // rooms to begin
	pending []*Room // rooms with queued commands

	// What the rooms decode their polled connections' messages with (reads.go): they read
	// one at a time, so one of each serves them all.
	rd  protocol.Reader
	enc protocol.Encoder

	rooms  roomHeap     // by next due tick; owned by the ticker's goroutine
	count  atomic.Int32 // rooms of this ticker, for placing new ones
	spare  []*Room      // the lists taken last time, reused
	spareP []*Room
}

// tickSlack is how early a room may tick so that it shares a wake-up with the rooms due just
// before it. A millisecond of jitter in a 33 ms period is invisible to players; at 250 rooms
// of 30 Hz on a ticker it takes the wake-ups from 7,500 a second to about 1,000.
const tickSlack = time.Millisecond

// tickers places rooms on the ticker with the fewest.
type tickers []*ticker

// startTickers starts n tickers that run until ctx ends, then suspend their rooms. wg
// counts their goroutines.
func startTickers(ctx context.Context, n int, wg *sync.WaitGroup) tickers {
	ts := make(tickers, n)
	for i := range ts {
		ts[i] = &ticker{wake: make(chan struct{}, 1)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ts[i].run(ctx)
		}()
	}
	return ts
}

// add gives r to the ticker with the fewest rooms, which begins its clock.
func (ts tickers) add(r *Room) {
	t := ts[0]
	for _, o := range ts[1:] {
		if o.count.Load() < t.count.Load() {
			t = o
		}
	}
	t.count.Add(1)
	r.ticker = t
	t.mu.Lock()
	stopped := t.stopped
	if !stopped {
		t.added = append(t.added, r)
	}
	t.mu.Unlock()
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

// takeQueued begins the rooms added and runs the commands queued since it last looked.
func (t *ticker) takeQueued() {
	t.mu.Lock()
	added, pending := t.added, t.pending
	t.added, t.pending = t.spare[:0], t.spareP[:0]
	t.mu.Unlock()
	for i, r := range added {
		r.begin(time.Now())
		heap.Push(&t.rooms, r)
		added[i] = nil
	}
	for i, r := range pending {
		if r.runCommands() {
			heap.Remove(&t.rooms, r.index)
			r.finish()
		}
		pending[i] = nil
	}
	t.spare, t.spareP = added[:0], pending[:0]
}

// stop suspends every room of the ticker: the server is shutting down.
func (t *ticker) stop() {
	t.mu.Lock()
	t.stopped = true
	added := t.added
	t.added, t.pending = nil, nil
	t.mu.Unlock()
	for _, r := range added {
		r.begin(time.Now())
		r.suspend()
	}
	for _, r := range t.rooms {
		r.suspend()
	}
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
