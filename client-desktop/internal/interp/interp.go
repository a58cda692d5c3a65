// Package interp draws other players' ships a little in the past, between two snapshots the
// client already holds, so that they move smoothly although snapshots arrive at the tick rate
// and with jitter (Gambetta's entity interpolation). How far in the past follows the jitter
// measured (Playout).
package interp

import (
	"math"
	"time"

	"skirmish/game"
)

// Frame is the room's state at one tick, as the client received it.
type Frame struct {
	Tick        uint32
	Ships       []game.Ship // one per seat, in seat order
	Projectiles []game.Projectile
}

// Ship is a seat's ship as it should be drawn, in pixels.
type Ship struct {
	Seat       int
	Active     bool
	Alive      bool
	X, Y       float64
	VX, VY     float64 // velocity, pixels per tick
	AimX, AimY float64 // a direction, not normalised
	Health     int16
}

// Projectile is a shot as it should be drawn, in pixels.
type Projectile struct {
	ID    uint32 // 0 for an own shot the server has not confirmed yet
	Owner uint8
	Seq   uint32 // the input that fired it, for the player's own shots
	X, Y  float64
}

// View is what Sample fills: the interpolated room at the render tick.
type View struct {
	Tick        float64 // the render tick, fractional
	Ships       []Ship
	Projectiles []Projectile
}

// bufferSize bounds the frames kept: about a second at 30 Hz, far more than the delay needs.
const bufferSize = 32

// teleport is the distance, in pixels, beyond which a ship is not slid from one spot to the
// other: it respawned or was pushed by a wall correction.
const teleport = 3 * game.TileSize

// Buffer holds the latest frames and, through its Playout, which tick to draw them at. It is
// used by one goroutine (the game loop); it does no locking.
type Buffer struct {
	frames  []Frame // oldest first, ticks strictly rising
	playout *Playout
}

// NewBuffer returns an empty Buffer for a room stepping tickRate times a second.
func NewBuffer(tickRate int) *Buffer {
	return &Buffer{frames: make([]Frame, 0, bufferSize), playout: NewPlayout(tickRate)}
}

// Reset forgets every frame and the playout's clock, for a resync after a reconnect.
func (b *Buffer) Reset() {
	clear(b.frames)
	b.frames = b.frames[:0]
	b.playout.Reset()
}

// Playout returns the buffer's playout clock, for its statistics and the room's state.
func (b *Buffer) Playout() *Playout { return b.playout }

// Len returns the number of frames held.
func (b *Buffer) Len() int { return len(b.frames) }

// Newest returns the newest frame and whether there is one.
func (b *Buffer) Newest() (Frame, bool) {
	if len(b.frames) == 0 {
		return Frame{}, false
	}
	return b.frames[len(b.frames)-1], true
}

// Push adds the frame received at time at. The Buffer keeps f's slices. Frames arrive in
// order over one stream, so a repeated tick is a duplicate and is ignored, while an earlier
// tick means a new match (a rematch starts again from tick 0): the Buffer starts over.
func (b *Buffer) Push(f Frame, at time.Time) {
	if n := len(b.frames); n > 0 {
		switch newest := b.frames[n-1].Tick; {
		case f.Tick == newest:
			return
		case f.Tick < newest:
			b.Reset()
		}
	}
	if len(b.frames) == bufferSize {
		copy(b.frames, b.frames[1:])
		b.frames = b.frames[:bufferSize-1]
	}
	b.frames = append(b.frames, f)
	b.playout.Arrive(f.Tick, at)
}

// Sample fills v with the room at the render tick for time now, reusing v's slices. It
// returns false while no frame has arrived.
func (b *Buffer) Sample(now time.Time, v *View) bool {
	v.Ships, v.Projectiles = v.Ships[:0], v.Projectiles[:0]
	if len(b.frames) == 0 {
		return false
	}
	rt := b.playout.Draw(now, b.frames[0].Tick, b.frames[len(b.frames)-1].Tick)
	v.Tick = rt
	i := len(b.frames) - 1
	for i > 0 && float64(b.frames[i].Tick) > rt {
		i--
	}
	from := &b.frames[i]
	to := from
	if i+1 < len(b.frames) {
		to = &b.frames[i+1]
	}
	alpha := 0.0
	if to.Tick > from.Tick {
		alpha = (rt - float64(from.Tick)) / float64(to.Tick-from.Tick)
	}
	for seat := range to.Ships {
		v.Ships = append(v.Ships, blend(seat, from.Ships, to.Ships[seat], alpha))
	}
	// Past the newest frame (a late snapshot) ships carry on along their velocity.
	if ahead := rt - float64(to.Tick); ahead > 0 {
		for i := range v.Ships {
			s := &to.Ships[i]
			v.Ships[i].X += float64(s.Vel.X) * ahead / game.SubPixel
			v.Ships[i].Y += float64(s.Vel.Y) * ahead / game.SubPixel
		}
	}
	// Shots fly straight at constant speed, so the older frame extrapolated to the render
	// tick places them exactly; they appear at most one tick late and vanish on time.
	dt := rt - float64(from.Tick)
	for _, p := range from.Projectiles {
		v.Projectiles = append(v.Projectiles, Projectile{
			ID:    p.ID,
			Owner: p.Owner,
			X:     (float64(p.Pos.X) + float64(p.Vel.X)*dt) / game.SubPixel,
			Y:     (float64(p.Pos.Y) + float64(p.Vel.Y)*dt) / game.SubPixel,
		})
	}
	return true
}

// blend interpolates seat's ship between its state in from (if it is there) and to.
func blend(seat int, from []game.Ship, to game.Ship, alpha float64) Ship {
	out := pixels(seat, to)
	if seat >= len(from) {
		return out
	}
	a := pixels(seat, from[seat])
	if a.Active != out.Active || a.Alive != out.Alive || math.Hypot(out.X-a.X, out.Y-a.Y) > teleport {
		if alpha < 0.5 {
			return a
		}
		return out
	}
	out.X = a.X + (out.X-a.X)*alpha
	out.Y = a.Y + (out.Y-a.Y)*alpha
	out.VX = a.VX + (out.VX-a.VX)*alpha
	out.VY = a.VY + (out.VY-a.VY)*alpha
	out.AimX = a.AimX + (out.AimX-a.AimX)*alpha
	out.AimY = a.AimY + (out.AimY-a.AimY)*alpha
	if alpha < 0.5 {
		out.Health = a.Health
	}
	return out
}

// pixels converts a simulation ship into a drawable one.
func pixels(seat int, s game.Ship) Ship {
	return Ship{
		Seat:   seat,
		Active: s.Active,
		Alive:  s.Alive,
		X:      float64(s.Pos.X) / game.SubPixel,
		Y:      float64(s.Pos.Y) / game.SubPixel,
		VX:     float64(s.Vel.X) / game.SubPixel,
		VY:     float64(s.Vel.Y) / game.SubPixel,
		AimX:   float64(s.AimX),
		AimY:   float64(s.AimY),
		Health: s.Health,
	}
}
