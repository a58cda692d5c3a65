package room

import (
	"context"
	"sync/atomic"
	"time"

	"skirmish/game/protocol"
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
	in   []chan inputMsg
	done chan struct{} // closed when the room's goroutine has finished

	// curTick mirrors the world's tick for answering pings without a round trip.
	curTick atomic.Uint32
}

func newRoom(c *core, maxBacklog int) *Room {
	r := &Room{
		id:   c.id,
		core: c,
		cmds: make(chan func(), 64),
		in:   make([]chan inputMsg, len(c.seats)),
		done: make(chan struct{}),
	}
	for i := range r.in {
		r.in[i] = make(chan inputMsg, 4*maxBacklog)
	}
	return r
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

// run is the room's goroutine: a fixed-step loop against absolute deadlines (tick n is due
// at start + n*period, so sleeping never drifts), with commands handled between ticks.
func (r *Room) run(ctx context.Context) {
	defer close(r.done)
	c := r.core
	period := time.Second / time.Duration(c.cfg.TickRate)
	start := time.Now()
	n := int64(1)
	timer := time.NewTimer(period)
	defer timer.Stop()
	c.maybeStart(start)
	nextCheckpoint := start.Add(c.cfg.CheckpointEvery)
	for {
		select {
		case <-ctx.Done():
			c.suspend(time.Now(), protocol.CodeGoingAway, "server shutting down")
			return
		case fn := <-r.cmds:
			fn()
		case <-timer.C:
			now := time.Now()
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
			r.drainInputs()
			idle := c.tick(now)
			if !now.Before(nextCheckpoint) {
				c.saveCheckpoint(now, false)
				nextCheckpoint = now.Add(c.cfg.CheckpointEvery)
			}
			r.curTick.Store(c.world.Tick)
			c.tickTime.Observe(time.Since(now).Seconds())
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
