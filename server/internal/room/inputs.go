package room

import (
	"skirmish/game"
	"skirmish/game/protocol"
)

// inputBuffer holds the inputs of one seat's connection until their tick: a jitter buffer.
// A client sends one input per tick, but the network delivers them unevenly; applied as they
// come, an input that is a little late leaves a tick with none and then two at once (one
// waits, or is dropped). A tick with none holds the ship still (game.ButtonHold), so that the
// late input moves it next as predicted, only a tick later; but others see it pause, and a
// dropped input moves it otherwise than the player's own prediction of it, a visible
// correction. So the buffer keeps the depth
// the line needs: a tick that finds it empty makes it one deeper (the late input waits behind
// the next), and it is made shallower only when it has held an input to spare for a whole
// window, by dropping one that changes nothing: no button held by a ship at rest. A line that
// is late less often than the window is long would make it give back and run dry in turn, so
// running dry soon after giving back doubles the window. That costs
// the seat's inputs a tick or two on the server, which the player's prediction hides and lag
// compensation (Input.View) makes up for its shots.
type inputBuffer struct {
	queue   []protocol.Input
	applied uint32 // the last seq applied on the current connection

	low    int // the fewest inputs found waiting at a tick during the current window
	ticks  int // ticks into the current window
	window int // ticks the window lasts; 0 for the policy's
	spare  int // inputs to drop, at the first that changes nothing
	waited int // ticks a spare input has waited for one that changes nothing
	gaveAt int // ticks since the buffer last gave an input back; 0 if it never did
}

// inputPolicy bounds a seat's buffer.
type inputPolicy struct {
	max int // inputs that may wait; older ones are trimmed
	// window is how long, in ticks, the buffer must first have held an input to spare before
	// it is made shallower (up to maxWindow after running dry soon after); patience how long
	// it then looks for an input that changes nothing before it drops one that does.
	window, maxWindow, patience int
}

// newInputPolicy returns the policy of a room: a backlog of max inputs, a window of two
// seconds growing up to sixteen, and a patience of one.
func newInputPolicy(max, tickRate int) inputPolicy {
	return inputPolicy{max: max, window: 2 * tickRate, maxWindow: 16 * tickRate, patience: tickRate}
}

// add queues an input in seq order, without duplicates or inputs at or below the last
// applied seq.
func (b *inputBuffer) add(in protocol.Input) {
	if in.Seq <= b.applied {
		return
	}
	i := len(b.queue)
	for i > 0 && b.queue[i-1].Seq >= in.Seq {
		if b.queue[i-1].Seq == in.Seq {
			return
		}
		i--
	}
	b.queue = append(b.queue, protocol.Input{})
	copy(b.queue[i+1:], b.queue[i:])
	b.queue[i] = in
}

// next returns the input for this tick of ship: the oldest waiting one, after trimming a
// backlog beyond the policy's max and a spare input the window found; with none waiting
// the ship holds still.
func (b *inputBuffer) next(p inputPolicy, ship *game.Ship) game.Input {
	if extra := len(b.queue) - p.max; extra > 0 {
		b.drop(extra)
	}
	b.measure(p)
	if b.gaveAt > 0 {
		b.gaveAt++
	}
	if b.spare > 0 && len(b.queue) > 1 {
		if harmless(b.queue[0], ship) || b.waited >= p.patience {
			b.drop(1)
			b.spare--
			b.waited, b.gaveAt = 0, 1
		} else {
			b.waited++
		}
	}
	if len(b.queue) == 0 {
		if b.gaveAt > 0 && b.gaveAt <= b.window {
			b.window = min(2*b.window, p.maxWindow)
			b.gaveAt = 0
		}
		return game.Input{Buttons: game.ButtonHold}
	}
	in := b.queue[0]
	b.drop(1)
	b.applied = in.Seq
	return game.Input{Seq: in.Seq, Buttons: game.Buttons(in.Buttons), AimX: in.AimX, AimY: in.AimY, View: in.View}
}

// measure keeps the fewest inputs found waiting at a tick over the window and, at its end,
// marks one to spare if none of its ticks found fewer than two.
func (b *inputBuffer) measure(p inputPolicy) {
	if b.window == 0 {
		b.window = p.window
	}
	if b.ticks == 0 || len(b.queue) < b.low {
		b.low = len(b.queue)
	}
	b.ticks++
	if b.ticks < b.window {
		return
	}
	if b.low > 1 && b.spare == 0 {
		b.spare = 1
	}
	b.ticks = 0
}

// drop forgets the n oldest waiting inputs.
func (b *inputBuffer) drop(n int) {
	b.queue = b.queue[:copy(b.queue, b.queue[n:])]
}

// harmless reports whether skipping in leaves ship where applying it would: it holds no
// button and the ship is at rest (or dead). Its aim is the next input's concern.
func harmless(in protocol.Input, ship *game.Ship) bool {
	return in.Buttons == 0 && (!ship.Alive || ship.Vel == game.Vec{})
}

// reset forgets the inputs of an earlier connection: a new connection starts a new input
// sequence.
func (b *inputBuffer) reset() {
	*b = inputBuffer{queue: b.queue[:0]}
}
