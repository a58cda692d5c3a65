// Package inputs turns what the player holds into one game.Input per simulation tick,
// whatever the frame rate of the window. Sequence numbers are the connection's business:
// the Go client numbers inputs as it sends them.
package inputs

import (
	"math"
	"time"

	"skirmish/game"
)

// maxCatchUp bounds the inputs one call to Due asks for. After a longer stall (a window being
// dragged, a suspended laptop) the missed ticks are skipped: the server would trim such a
// backlog anyway, and replaying it would only delay the player's next real move.
const maxCatchUp = 3

// Controls is the state of the keyboard and mouse at one moment.
type Controls struct {
	Up, Down, Left, Right, Fire bool
	// AimX and AimY point from the own ship to the mouse, in pixels.
	AimX, AimY float64
}

// Buttons returns the game buttons held.
func (c Controls) Buttons() game.Buttons {
	var b game.Buttons
	for _, k := range [...]struct {
		held bool
		b    game.Buttons
	}{{c.Up, game.ButtonUp}, {c.Down, game.ButtonDown}, {c.Left, game.ButtonLeft}, {c.Right, game.ButtonRight}, {c.Fire, game.ButtonFire}} {
		if k.held {
			b |= k.b
		}
	}
	return b
}

// Sampler paces inputs at the tick rate. It is used by the game loop alone.
type Sampler struct {
	tick    time.Duration
	next    time.Time // when the next input is due
	started bool
}

// NewSampler returns a Sampler for a room stepping tickRate times a second.
func NewSampler(tickRate int) *Sampler {
	return &Sampler{tick: time.Second / time.Duration(tickRate)}
}

// Due returns how many inputs should be sent at time now: one for each tick that began since
// the last call, the first at once.
func (s *Sampler) Due(now time.Time) int {
	if !s.started {
		s.started, s.next = true, now
	}
	n := 0
	for !now.Before(s.next) {
		n++
		s.next = s.next.Add(s.tick)
	}
	if n > maxCatchUp {
		n = maxCatchUp
		s.next = now.Add(s.tick)
	}
	return n
}

// Pull makes the next input due at once, for a press of the fire button: the shot leaves in
// this frame rather than at the next tick, up to a tick later. The input after it keeps its
// own time, so inputs never run more than one ahead of the tick rate and the server's queue
// does not grow: a second pull waits until that input is due. It reports whether an input
// is due now.
func (s *Sampler) Pull(now time.Time) bool {
	if !s.started || s.next.Sub(now) > s.tick {
		return false
	}
	s.next = s.next.Add(s.tick)
	return true
}

// Input returns c as an input without a seq, its aim scaled into the wire's int16 range.
func (c Controls) Input() game.Input {
	x, y := c.AimX, c.AimY
	// Scale a far-off target down keeping its direction.
	if m := math.Max(math.Abs(x), math.Abs(y)); m > math.MaxInt16 {
		x, y = x*math.MaxInt16/m, y*math.MaxInt16/m
	}
	return game.Input{Buttons: c.Buttons(), AimX: int16(x), AimY: int16(y)}
}
