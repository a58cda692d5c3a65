// Package predict moves the player's own ship and fires its gun at once on every input, with
// the same game.MoveShip and game.Trigger the server runs, and reconciles with each snapshot:
// the server's ship at the last input it applied, plus the inputs it has not applied yet,
// replayed (Gambetta's client-side prediction and server reconciliation). The shots of those
// inputs are the predicted shots; the server's own record of each replaces it in the snapshot
// that acknowledges its input.
package predict

import (
	"math"

	"skirmish/game"
)

// maxPending bounds the inputs awaiting acknowledgement: about four seconds at 30 Hz. A
// server that far behind has trimmed them anyway, and replaying more would cost a frame.
const maxPending = 128

// smoothing is the share of a visible correction kept after each tick, so a misprediction
// blends away over a few ticks instead of making the ship jump.
const smoothing = 0.8

// snap is the correction, in pixels, beyond which the ship jumps: a respawn or a long stall.
const snap = 2 * game.TileSize

// Predictor holds the player's predicted ship. It is used by one goroutine; it does no
// locking and allocates nothing once its pending list has grown.
type Predictor struct {
	m       *game.Map
	cfg     game.Config
	ship    game.Ship
	known   bool         // a snapshot has given the ship's state
	pending []game.Input // applied locally, not yet acknowledged, seq rising
	shots   []Shot       // fired by pending inputs, seq rising
	errX    float64      // the part of the last corrections still to blend away, pixels
	errY    float64
	stats   Stats
}

// Stats counts how often a snapshot moved the predicted ship: a correction is a reconcile
// after which the ship is elsewhere than predicted, by less than a respawn's jump.
type Stats struct {
	Reconciles  int
	Corrections int
	Largest     float64 // the largest correction, pixels
}

// Shot is an own shot fired by an input the server has not acknowledged yet.
type Shot struct {
	Seq uint32 // the input that fired it
	// P is the shot as game.NewShot made it, at the ship's centre before it flew, and
	// Flight its game.Map.Flight: it flies Flight ticks after the one that fires it.
	P      game.Projectile
	Flight int
}

// New returns a Predictor for a match of cfg on m.
func New(m *game.Map, cfg game.Config) *Predictor {
	return &Predictor{m: m, cfg: cfg, pending: make([]game.Input, 0, maxPending), shots: make([]Shot, 0, 8)}
}

// Known reports whether a snapshot has given the ship's state yet; until then there is
// nothing to predict from.
func (p *Predictor) Known() bool { return p.known }

// Ship returns the predicted ship.
func (p *Predictor) Ship() game.Ship { return p.ship }

// Pending returns the number of inputs the server has not acknowledged.
func (p *Predictor) Pending() int { return len(p.pending) }

// Newest returns the seq of the newest input the server has not acknowledged, 0 if none.
func (p *Predictor) Newest() uint32 {
	if len(p.pending) == 0 {
		return 0
	}
	return p.pending[len(p.pending)-1].Seq
}

// Shots returns the shots of the inputs the server has not acknowledged, oldest first. The
// slice is valid until the next Input, Reconcile or Reset.
func (p *Predictor) Shots() []Shot { return p.shots }

// Input applies in to the predicted ship at once and keeps it until the server acknowledges
// it. Seqs must rise.
func (p *Predictor) Input(in game.Input) {
	if len(p.pending) == maxPending {
		p.pending = append(p.pending[:0], p.pending[1:]...)
		if len(p.shots) > 0 && p.shots[0].Seq < p.pending[0].Seq {
			p.shots = append(p.shots[:0], p.shots[1:]...)
		}
	}
	p.pending = append(p.pending, in)
	p.errX *= smoothing
	p.errY *= smoothing
	if p.known {
		p.apply(in)
	}
}

// apply runs one input on the predicted ship as Step does: move, then the gun.
func (p *Predictor) apply(in game.Input) {
	game.MoveShip(p.m, p.cfg, &p.ship, in)
	if game.Trigger(p.cfg, &p.ship, in) {
		shot := game.NewShot(p.cfg, &p.ship)
		p.shots = append(p.shots, Shot{Seq: in.Seq, P: shot, Flight: p.m.Flight(shot)})
	}
}

// Reconcile takes the server's state of the ship from a snapshot: acknowledged inputs are
// dropped, the rest are replayed on top of it.
//
// The server numbers inputs per connection, so right after a restarted client resumes its
// seat the echoed seq can still be the previous process's, above anything sent since. Such
// an echo acknowledges none of the pending inputs.
func (p *Predictor) Reconcile(server game.Ship) {
	if n := len(p.pending); n > 0 && server.LastSeq <= p.pending[n-1].Seq {
		i := 0
		for i < n && p.pending[i].Seq <= server.LastSeq {
			i++
		}
		p.pending = append(p.pending[:0], p.pending[i:]...)
	}

	before, wasKnown := p.ship.Pos, p.known
	p.ship, p.known = server, true
	p.shots = p.shots[:0]
	for _, in := range p.pending {
		p.apply(in)
	}
	if !wasKnown {
		return
	}
	dx := float64(before.X-p.ship.Pos.X) / game.SubPixel
	dy := float64(before.Y-p.ship.Pos.Y) / game.SubPixel
	p.stats.Reconciles++
	if d := math.Hypot(dx, dy); d > 0 && d <= snap {
		p.stats.Corrections++
		p.stats.Largest = max(p.stats.Largest, d)
	}
	p.errX += dx
	p.errY += dy
	if math.Hypot(p.errX, p.errY) > snap {
		p.errX, p.errY = 0, 0
	}
}

// Stats returns the counts of reconciles and corrections so far.
func (p *Predictor) Stats() Stats { return p.stats }

// Reset forgets the ship and every pending input, for a new seat or a resync.
func (p *Predictor) Reset() {
	p.ship, p.known = game.Ship{}, false
	p.pending = p.pending[:0]
	p.shots = p.shots[:0]
	p.errX, p.errY = 0, 0
}

// DrawPos returns where to draw the ship, in pixels: the predicted position plus what is
// left of recent corrections.
func (p *Predictor) DrawPos() (x, y float64) {
	return float64(p.ship.Pos.X)/game.SubPixel + p.errX, float64(p.ship.Pos.Y)/game.SubPixel + p.errY
}
