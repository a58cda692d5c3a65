// Package fx makes hits, deaths, respawns and shots felt in the desktop client: Detect finds
// them in two consecutive frames of the room (no message says "hit"), and Effects keeps them
// and says, for the window to draw, what shows at a render tick: a flash on the struck ship
// and a marker for its shooter, an explosion's particles, a respawn shimmer, a muzzle flash,
// and a shake when the player's own ship dies. The web client's effects.js does the same.
package fx

import (
	"math"

	"skirmish/client-desktop/internal/interp"
	"skirmish/game"
)

// Kind says what happened.
type Kind uint8

// The kinds of effect.
const (
	Hit     Kind = iota // a living ship lost health
	Death               // a ship died
	Respawn             // a ship came back
	Shot                // a ship fired
)

var kindNames = [...]string{Hit: "hit", Death: "death", Respawn: "respawn", Shot: "shot"}

// String returns the kind's name: hit, death, respawn or shot.
func (k Kind) String() string { return kindNames[k] }

// Lifetime is how long each kind of effect shows, in seconds.
var Lifetime = [...]float64{Hit: 0.16, Death: 0.85, Respawn: 0.6, Shot: 0.09}

// How long the shooter's hit marker and the shake of the own death last, in seconds.
const (
	MarkerLife = 0.3
	ShakeLife  = 0.35
)

// shooterRange is how far (pixels) from a struck ship a vanished shot may have been.
const shooterRange = 48

// The explosion's blast and shock ring radii, in pixels.
const (
	BlastRadius = 40
	RingRadius  = 60
)

// Event is one happening to show.
type Event struct {
	Kind  Kind
	Tick  float64 // when it shows, in render ticks
	Seat  int     // the ship it happened to (the shooter's, for a shot)
	By    int     // for a hit or a death: the seat whose shot vanished nearest, or -1
	X, Y  float64 // where, in pixels
	Angle float64 // for a shot: its heading in radians
}

// Detect compares two consecutive frames and returns what happened between them.
func Detect(prev, next *interp.Frame) []Event {
	var out []Event
	tick := float64(next.Tick)
	for i := range next.Ships {
		if i >= len(prev.Ships) {
			break
		}
		a, b := &prev.Ships[i], &next.Ships[i]
		if !a.Active || !b.Active {
			continue
		}
		switch {
		case a.Alive && b.Alive && b.Health < a.Health:
			x, y := pixels(b.Pos)
			out = append(out, Event{Kind: Hit, Tick: tick, Seat: i, By: shooter(prev, next, x, y), X: x, Y: y})
		case a.Alive && !b.Alive:
			x, y := pixels(a.Pos)
			out = append(out, Event{Kind: Death, Tick: tick, Seat: i, By: shooter(prev, next, x, y), X: x, Y: y})
		case !a.Alive && b.Alive:
			x, y := pixels(b.Pos)
			out = append(out, Event{Kind: Respawn, Tick: tick, Seat: i, By: -1, X: x, Y: y})
		}
	}
	for _, p := range next.Projectiles {
		if has(prev, p.ID) {
			continue
		}
		x, y := pixels(p.Pos)
		if int(p.Owner) < len(next.Ships) {
			x, y = pixels(next.Ships[p.Owner].Pos)
		}
		out = append(out, Event{Kind: Shot, Tick: tick, Seat: int(p.Owner), By: -1, X: x, Y: y,
			Angle: math.Atan2(float64(p.Vel.Y), float64(p.Vel.X))})
	}
	return out
}

func pixels(v game.Vec) (float64, float64) {
	return float64(v.X) / game.SubPixel, float64(v.Y) / game.SubPixel
}

func has(f *interp.Frame, id uint32) bool {
	for _, p := range f.Projectiles {
		if p.ID == id {
			return true
		}
	}
	return false
}

// shooter returns the owner of the shot of prev, gone from next, that ended nearest (x, y).
func shooter(prev, next *interp.Frame, x, y float64) int {
	best, bestD := -1, float64(shooterRange)
	for _, p := range prev.Projectiles {
		if has(next, p.ID) {
			continue
		}
		px, py := pixels(game.Vec{X: p.Pos.X + p.Vel.X, Y: p.Pos.Y + p.Vel.Y})
		if d := math.Hypot(px-x, py-y); d < bestD {
			best, bestD = int(p.Owner), d
		}
	}
	return best
}

// Effects holds the effects of one room. Own is the viewer's seat.
type Effects struct {
	TickRate      int
	Own           int
	ReducedMotion bool
	list          []Event
	// Shown counts the effects added by kind, and the hit markers of the viewer's own hits.
	Shown   [4]int
	Markers int
}

// Add takes events from Detect; lead (ticks) shows them that much earlier.
func (e *Effects) Add(evs []Event, lead float64) {
	for _, ev := range evs {
		ev.Tick -= lead
		e.list = append(e.list, ev)
		e.Shown[ev.Kind]++
		if e.marker(ev) {
			e.Markers++
		}
	}
}

// Clear forgets every effect, for a new match or a resync.
func (e *Effects) Clear() { e.list = e.list[:0] }

// Age returns how long ev has shown at render tick t, in seconds (negative before it shows).
func (e *Effects) Age(ev Event, t float64) float64 {
	return (t - ev.Tick) / float64(max(1, e.TickRate))
}

func (e *Effects) marker(ev Event) bool {
	return ev.Kind == Hit && ev.By == e.Own && ev.Seat != e.Own
}

// Live appends to dst the effects showing at t and forgets those that are over.
func (e *Effects) Live(dst []Event, t float64) []Event {
	keep := e.list[:0]
	for _, ev := range e.list {
		age := e.Age(ev, t)
		if age < Lifetime[ev.Kind]+MarkerLife {
			keep = append(keep, ev)
		}
		if age >= 0 && (age < Lifetime[ev.Kind] || e.marker(ev) && age < MarkerLife) {
			dst = append(dst, ev)
		}
	}
	e.list = keep
	return dst
}

// Flash returns how white seat's ship is drawn at t: 1 at a hit, fading to 0.
func (e *Effects) Flash(seat int, t float64) float64 {
	f := 0.0
	for _, ev := range e.list {
		if age := e.Age(ev, t); ev.Kind == Hit && ev.Seat == seat && age >= 0 && age < Lifetime[Hit] {
			f = max(f, flashAt(age))
		}
	}
	return f
}

// flashHold is how long (seconds) a struck ship stays fully white before it fades back.
const flashHold = 0.06

// flashAt returns the whiteness of a ship struck age seconds ago.
func flashAt(age float64) float64 {
	if age < flashHold {
		return 1
	}
	return 1 - (age-flashHold)/(Lifetime[Hit]-flashHold)
}

// Shake returns the arena's offset in pixels at t: a jolt when the own ship dies.
func (e *Effects) Shake(t float64) (x, y float64) {
	if e.ReducedMotion {
		return 0, 0
	}
	for _, ev := range e.list {
		if age := e.Age(ev, t); ev.Kind == Death && ev.Seat == e.Own && age >= 0 && age < ShakeLife {
			k := 9 * (1 - age/ShakeLife)
			return math.Sin(age*95) * k, math.Cos(age*70) * k
		}
	}
	return 0, 0
}

// Particle is one spark of an explosion, in pixels.
type Particle struct {
	X, Y, Size, Alpha float64
	Hot               bool // drawn in the blast's colour rather than the ship's
}

// Burst appends to dst the particles of a death effect at age seconds.
func Burst(dst []Particle, ev Event, age float64) []Particle {
	const n, speed = 30, 230.0
	k := age / Lifetime[Death]
	travel := speed * age * (1 - k/2)
	x := uint32(ev.Seat*7919+int(ev.Tick)) * 2654435761
	if x == 0 {
		x = 1
	}
	next := func() float64 {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		return float64(x) / (1 << 32)
	}
	for i := range n {
		a, r := next()*2*math.Pi, next()
		d := travel * (0.35 + 0.65*r)
		dst = append(dst, Particle{
			X: ev.X + math.Cos(a)*d, Y: ev.Y + math.Sin(a)*d,
			Size: 2.5 + 3.5*r*(1-k), Alpha: max(0, 1-k*(0.8+0.4*r)), Hot: i%3 == 0,
		})
	}
	return dst
}
