package room

import (
	"slices"
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

// Room is one room's driver: it owns the room's core and keeps its clock, on the goroutine of
// the ticker that runs it (ticker.go), and feeds the core what other goroutines queue: commands,
// and inputs on one bounded queue per seat.
type Room struct {
	id     string
	core   *core // owned by the ticker
	ticker *ticker
	// in holds, per seat, the inputs that a connection's goroutine read (nil until one does);
	// backlog is each queue's room.
	in      []chan inputMsg
	backlog int
	done    chan struct{} // closed when the room has ended
	onEnd   func()        // called once the room has ended

	// mu guards the commands other goroutines queue for the ticker to run between two ticks.
	// They are nil while none wait: a channel of them held 0.6 KiB a room.
	mu       sync.Mutex
	cmds     []func()
	hasCmds  bool // the ticker knows of cmds
	finished bool // the room has ended: it takes no more commands
	// thawed ends a freeze (see Handover): the ticker runs it before the commands that
	// waited meanwhile.
	thawed func()
	// frozen holds the room between two ticks while it is handed over: no tick, read or
	// command runs. Owned by the ticker.
	frozen bool

	// The schedule, owned by the ticker: tick n is due at start + n*period, so that waiting
	// never drifts.
	start, due     time.Time
	n              int64
	period         time.Duration
	nextCheckpoint time.Time
	lost           <-chan struct{} // the fleet lease was lost
	index          int             // in the ticker's heap

	// curTick mirrors the world's tick for answering pings without a round trip.
	curTick atomic.Uint32
	// cost is the recent duration of a tick in nanoseconds, for the node's load (busy).
	cost  atomic.Int64
	times tickTimes

	// The connections the room reads itself (reads.go), owned by the ticker.
	polls []polled
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
		id:     c.id,
		core:   c,
		in:     make([]chan inputMsg, len(c.seats)),
		done:   make(chan struct{}),
		period: time.Second / time.Duration(c.cfg.TickRate),
	}
	r.cost.Store(int64(priorTickCost))
	r.backlog = 4 * maxBacklog
	return r
}

// inputs returns the queue of a seat's inputs from connections read by goroutines, made on
// first use: a room whose players it polls needs none. It runs on the room's ticker.
func (r *Room) inputs(seat int) chan inputMsg {
	if r.in[seat] == nil {
		r.in[seat] = make(chan inputMsg, r.backlog)
	}
	return r.in[seat]
}

// maxCommands bounds the commands tryDo queues for a room: a cheer finds no room past it.
const maxCommands = 64

// do runs fn on the room's ticker between two ticks and reports whether it was queued: not if
// the room has ended. Its callers each wait for their own command, so the queue is bounded by
// them.
func (r *Room) do(fn func()) bool {
	return r.queue(fn, false)
}

// tryDo queues fn unless maxCommands wait already or the room has ended.
func (r *Room) tryDo(fn func()) bool {
	return r.queue(fn, true)
}

func (r *Room) queue(fn func(), bounded bool) bool {
	r.mu.Lock()
	if r.finished || r.ticker == nil || bounded && len(r.cmds) >= maxCommands {
		r.mu.Unlock()
		return false
	}
	r.cmds = append(r.cmds, fn)
	tell := !r.hasCmds
	r.hasCmds = true
	r.mu.Unlock()
	if tell {
		r.ticker.queued(r)
	}
	return true
}

// await returns what a command of r sends on reply, or false if r ended without running
// it. A command that ends its room replies before the room's done closes, so its reply wins
// over the end it caused.
func await[T any](r *Room, reply <-chan T) (T, bool) {
	select {
	case v := <-reply:
		return v, true
	case <-r.done:
		select {
		case v := <-reply:
			return v, true
		default:
			var zero T
			return zero, false
		}
	}
}

// thaw ends the room's freeze: fn runs on its ticker, then the commands that waited.
func (r *Room) thaw(fn func()) {
	r.mu.Lock()
	r.thawed = fn
	finished := r.finished
	r.mu.Unlock()
	if !finished {
		r.ticker.queued(r)
	}
}

// runCommands runs the commands queued for the room and reports whether one closed it. A
// frozen room keeps its commands until it thaws.
func (r *Room) runCommands() (closed bool) {
	r.mu.Lock()
	if r.frozen && r.thawed == nil {
		r.hasCmds = false // the next command or the thaw tells the ticker again
		r.mu.Unlock()
		return false
	}
	thawed := r.thawed
	r.thawed = nil
	cmds := r.cmds
	r.cmds = nil
	r.hasCmds = false
	finished := r.finished
	r.mu.Unlock()
	if finished {
		return false
	}
	if thawed != nil {
		r.frozen = false
		thawed()
	}
	for i, fn := range cmds {
		if r.frozen {
			// A command froze the room (Handover): the rest wait for the thaw, ahead of
			// those queued since. None may run between its checkpoint and its move.
			r.mu.Lock()
			r.cmds = append(slices.Clone(cmds[i:]), r.cmds...)
			r.mu.Unlock()
			clear(cmds)
			return false
		}
		cmds[i] = nil
		if !r.core.closed {
			fn()
		}
	}
	return r.core.closed
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
	return float64(r.cost.Load()) / float64(r.period)
}

// begin starts the room's clock; its first tick is due a period from now.
func (r *Room) begin(now time.Time) {
	c := r.core
	r.start, r.n = now, 1
	r.due = now.Add(r.period)
	c.maybeStart(now)
	r.nextCheckpoint = now.Add(c.cfg.CheckpointEvery)
	if c.lease != nil {
		r.lost = c.lease.Lost()
		// A room of the fleet is in the store from its start, so that another node can bring
		// it back if this one fails before the first periodic checkpoint.
		c.saveCheckpoint(now, false)
	}
}

// step runs the tick that is due, sets when the next one is, and reports whether the room
// has ended.
func (r *Room) step(now time.Time) (ended bool) {
	c := r.core
	if r.frozen {
		r.due = now.Add(r.period)
		return false
	}
	select {
	case <-r.lost:
		c.evict()
		return true
	default:
	}
	if c.lease != nil && !c.lease.Held(now) {
		// Checked before every tick: a process that was stalled past its lease runs this
		// first when it wakes. The room waits without ticking until a renewal confirms the
		// lease again (one that was only slow to come back, on a loaded machine) or the lease
		// is lost, and then it stops here.
		r.due = now.Add(r.period)
		return false
	}
	due := r.start.Add(time.Duration(r.n) * r.period)
	if late := now.Sub(due); late > r.period {
		c.env.metrics.LateTicks.Inc()
		if late > time.Second {
			// After a stall this long (a suspended process), catching up tick by tick would
			// fast-forward the match; start the schedule afresh instead.
			skipped := int64(late / r.period)
			c.env.metrics.LateTicks.Add(float64(skipped))
			r.start, r.n = now, 0
		}
	}
	r.pollReads(now, false)
	r.drainInputs()
	idle := c.tick(now)
	if !now.Before(r.nextCheckpoint) {
		c.saveCheckpoint(now, false)
		r.nextCheckpoint = now.Add(c.cfg.CheckpointEvery)
	}
	r.curTick.Store(c.world.Tick)
	took := time.Since(now)
	c.tickTime.Observe(took.Seconds())
	r.measure(took)
	r.times.add(took)
	if idle {
		c.shutdown(protocol.CodeGoingAway, "room closed")
		return true
	}
	r.n++
	r.due = r.start.Add(time.Duration(r.n) * r.period)
	return c.closed
}

// finish hands the room's connections over, refuses its commands from now on and tells the
// Manager that the room has ended.
func (r *Room) finish() {
	r.releaseAll()
	r.mu.Lock()
	r.finished = true
	r.cmds = nil
	r.mu.Unlock()
	if r.ticker != nil {
		r.ticker.set.removed(r.ticker)
	}
	close(r.done)
	r.onEnd()
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
