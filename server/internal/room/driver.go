package room

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"skirmish/game/protocol"
	"skirmish/server/internal/transport"
)

// inputMsg is an input on its way from a connection to its seat, tagged with the connection's
// generation so that inputs of a replaced connection are ignored.
type inputMsg struct {
	gen uint64
	in  protocol.Input
}

// Room is one room's driver: the goroutine (run) that owns the room's core, keeps its clock
// and feeds it what other goroutines queue: commands on a bounded queue, and inputs on one
// bounded queue per seat.
type Room struct {
	id   string
	core *core // owned by the room's goroutine
	cmds chan func()
	// in holds, per seat, the inputs that a connection's goroutine read (nil until one does);
	// backlog is each queue's room.
	in      []chan inputMsg
	backlog int
	done    chan struct{} // closed when the room's goroutine has finished

	// curTick mirrors the world's tick for answering pings without a round trip.
	curTick atomic.Uint32
	// cost is the recent duration of a tick in nanoseconds, for the node's load (busy).
	cost  atomic.Int64
	rate  int // ticks per second
	times tickTimes

	// The connections the room reads itself (reads.go), owned by the room's goroutine, and
	// what it decodes their messages with.
	polls []polled
	rd    protocol.Reader
	enc   protocol.Encoder
	// release takes a polled connection the room no longer reads and closes it.
	release func(*transport.Conn)
}

// tickTimes holds how long a room's recent ticks took, until the operators' monitor takes
// them (Manager.TakeTickTimes). It keeps at most maxTickTimes, and none before the monitor
// first takes them: a server without a monitor pays a lock a tick and nothing more (it held
// 2 KiB a room).
type tickTimes struct {
	mu sync.Mutex
	d  []time.Duration // nil until the first take
}

const maxTickTimes = 256

func (t *tickTimes) add(d time.Duration) {
	t.mu.Lock()
	if t.d != nil && len(t.d) < maxTickTimes {
		t.d = append(t.d, d)
	}
	t.mu.Unlock()
}

func (t *tickTimes) take() []time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	d := t.d
	t.d = make([]time.Duration, 0, len(d))
	return d
}

func newRoom(c *core, maxBacklog int) *Room {
	r := &Room{
		id:   c.id,
		core: c,
		cmds: make(chan func(), 64),
		in:   make([]chan inputMsg, len(c.seats)),
		done: make(chan struct{}),
		rate: c.cfg.TickRate,
	}
	r.cost.Store(int64(priorTickCost))
	r.backlog = 4 * maxBacklog
	return r
}

// inputs returns the queue of a seat's inputs from connections read by goroutines, made on
// first use: a room whose players it polls needs none. It runs on the room's goroutine.
func (r *Room) inputs(seat int) chan inputMsg {
	if r.in[seat] == nil {
		r.in[seat] = make(chan inputMsg, r.backlog)
	}
	return r.in[seat]
}

// do runs fn on the room's goroutine. It waits for room in the queue but gives up when ctx
// ends or the room closes, and reports whether fn was queued.
func (r *Room) do(ctx context.Context, fn func()) bool {
	select {
	case r.cmds <- fn:
		return true
	case <-r.done:
		return false
	case <-ctx.Done():
		return false
	}
}

// tryDo queues fn unless the queue is full or the room is closed.
func (r *Room) tryDo(fn func()) bool {
	select {
	case <-r.done:
		return false
	default:
	}
	select {
	case r.cmds <- fn:
		return true
	default:
		return false
	}
}

// priorTickCost is what a room's tick is taken to cost until it is measured: a room placed a
// moment ago loads its node before its first tick.
const priorTickCost = 50 * time.Microsecond

// measure folds a tick's duration into the room's cost: a moving average over some hundred
// ticks, each sample at most four times the average, so that a tick the scheduler preempted
// now and then does not count as load while a lasting change shows within seconds.
func (r *Room) measure(d time.Duration) {
	avg := time.Duration(r.cost.Load())
	d = min(d, 4*avg+time.Microsecond)
	r.cost.Store(int64(avg + (d-avg)/128))
}

// busy is the share of a core the room's ticks take.
func (r *Room) busy() float64 {
	return time.Duration(r.cost.Load()).Seconds() * float64(r.rate)
}

// run is the room's goroutine: a fixed-step loop against absolute deadlines (tick n is due
// at start + n*period, so sleeping never drifts), with commands handled between ticks.
func (r *Room) run(ctx context.Context) {
	defer close(r.done)
	defer r.releaseAll()
	c := r.core
	period := time.Second / time.Duration(c.cfg.TickRate)
	start := time.Now()
	n := int64(1)
	timer := time.NewTimer(period)
	defer timer.Stop()
	c.maybeStart(start)
	nextCheckpoint := start.Add(c.cfg.CheckpointEvery)
	var lost <-chan struct{}
	if c.lease != nil {
		lost = c.lease.Lost()
		// A room of the fleet is in the store from its start, so that another node can bring
		// it back if this one fails before the first periodic checkpoint.
		c.saveCheckpoint(start, false)
	}
	for {
		select {
		case <-ctx.Done():
			c.suspend(time.Now(), protocol.CodeGoingAway, "server shutting down")
			return
		case <-lost:
			c.evict()
			return
		case fn := <-r.cmds:
			fn()
		case <-timer.C:
			now := time.Now()
			if c.lease != nil && !c.lease.Held(now) {
				// Checked before every tick: a process that was stalled past its lease runs
				// this first when it wakes. The room waits without ticking until a renewal
				// confirms the lease again (one that was only slow to come back, on a loaded
				// machine) or the lease is lost, and then it stops here.
				timer.Reset(period)
				continue
			}
			due := start.Add(time.Duration(n) * period)
			if late := now.Sub(due); late > period {
				c.env.metrics.LateTicks.Inc()
				if late > time.Second {
					// After a stall this long (a suspended process), catching up tick by tick
					// would fast-forward the match; start the schedule afresh instead.
					skipped := int64(late / period)
					c.env.metrics.LateTicks.Add(float64(skipped))
					start, n = now, 0
				}
			}
			r.pollReads(now, false)
			r.drainInputs()
			idle := c.tick(now)
			if !now.Before(nextCheckpoint) {
				c.saveCheckpoint(now, false)
				nextCheckpoint = now.Add(c.cfg.CheckpointEvery)
			}
			r.curTick.Store(c.world.Tick)
			took := time.Since(now)
			c.tickTime.Observe(took.Seconds())
			r.measure(took)
			r.times.add(took)
			if idle {
				c.shutdown(protocol.CodeGoingAway, "room closed")
				return
			}
			n++
			timer.Reset(time.Until(start.Add(time.Duration(n) * period)))
		}
		if c.closed {
			return
		}
	}
}

// drainInputs hands the inputs that arrived since the last tick to the core.
func (r *Room) drainInputs() {
	for i, in := range r.in {
		for {
			select {
			case m := <-in:
				r.core.input(i, m.gen, m.in)
				continue
			default:
			}
			break
		}
	}
}
