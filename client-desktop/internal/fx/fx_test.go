package fx

import (
	"math"
	"reflect"
	"testing"

	"skirmish/client-desktop/internal/interp"
	"skirmish/game"
)

func ship(x, y int32, alive bool, health int16) game.Ship {
	return game.Ship{Active: true, Alive: alive, Pos: game.Vec{X: x * game.SubPixel, Y: y * game.SubPixel}, Health: health}
}

func shot(id uint32, owner uint8, x, y, vx, vy int32) game.Projectile {
	return game.Projectile{ID: id, Owner: owner, Pos: game.Vec{X: x * game.SubPixel, Y: y * game.SubPixel},
		Vel: game.Vec{X: vx * game.SubPixel, Y: vy * game.SubPixel}}
}

func TestDetect(t *testing.T) {
	prev := interp.Frame{Tick: 10,
		Ships:       []game.Ship{ship(100, 100, true, 100), ship(200, 100, true, 50), ship(300, 300, false, 0), ship(500, 500, true, 100)},
		Projectiles: []game.Projectile{shot(7, 1, 80, 100, 20, 0), shot(8, 0, 185, 100, 20, 0), shot(9, 3, 900, 900, 20, 0)},
	}
	next := interp.Frame{Tick: 11,
		Ships:       []game.Ship{ship(100, 100, true, 75), ship(200, 100, false, 0), ship(310, 300, true, 100), ship(500, 500, true, 100)},
		Projectiles: []game.Projectile{shot(9, 3, 920, 900, 20, 0), shot(12, 3, 510, 500, 0, -20)},
	}
	got := Detect(&prev, &next)
	want := []Event{
		{Kind: Hit, Tick: 11, Seat: 0, By: 1, X: 100, Y: 100},
		{Kind: Death, Tick: 11, Seat: 1, By: 0, X: 200, Y: 100},
		{Kind: Respawn, Tick: 11, Seat: 2, By: -1, X: 310, Y: 300},
		{Kind: Shot, Tick: 11, Seat: 3, By: -1, X: 500, Y: 500, Angle: -math.Pi / 2},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Detect:\n got %+v\nwant %+v", got, want)
	}
}

func TestEffectsShowFromTheirTickForTheirLifetime(t *testing.T) {
	e := Effects{TickRate: 30, Own: 0}
	e.Add([]Event{{Kind: Hit, Tick: 100, Seat: 1, By: 0}}, 0)
	e.Add([]Event{{Kind: Death, Tick: 103, Seat: 0, By: 1}}, 3)
	if f := e.Flash(1, 99.5); f != 0 {
		t.Errorf("flash %v before the picture reaches the hit", f)
	}
	if f := e.Flash(1, 100); f != 1 {
		t.Errorf("flash %v at the hit, want 1", f)
	}
	if f := e.Flash(1, 100+Lifetime[Hit]*30+0.01); f != 0 {
		t.Errorf("flash %v after its lifetime", f)
	}
	if x, y := e.Shake(100.5); x == 0 && y == 0 {
		t.Errorf("the own death (shown 3 ticks early) does not shake the arena")
	}
	if x, y := e.Shake(100 + ShakeLife*30 + 1); x != 0 || y != 0 {
		t.Errorf("still shaking after the shake's time")
	}
	if e.Shown[Hit] != 1 || e.Shown[Death] != 1 || e.Markers != 1 {
		t.Errorf("shown %v, %d markers; want a hit, a death and the marker of the own hit", e.Shown, e.Markers)
	}
	// The hit's flash is over at 106, its marker not yet.
	live := e.Live(nil, 106)
	if len(live) != 2 {
		t.Errorf("live at 106: %+v, want the hit's marker and the death", live)
	}
	if live = e.Live(nil, 200); len(live) != 0 || len(e.list) != 0 {
		t.Errorf("effects long over are kept: live %v, held %v", live, e.list)
	}
	calm := Effects{TickRate: 30, Own: 0, ReducedMotion: true}
	calm.Add([]Event{{Kind: Death, Tick: 100, Seat: 0}}, 0)
	if x, y := calm.Shake(100.5); x != 0 || y != 0 {
		t.Errorf("reduced motion still shakes")
	}
}

func TestBurstSpreadsAndFades(t *testing.T) {
	ev := Event{Kind: Death, Tick: 42, Seat: 3, X: 100, Y: 100}
	early, late := Burst(nil, ev, 0.05), Burst(nil, ev, 0.7)
	if !reflect.DeepEqual(early, Burst(nil, ev, 0.05)) {
		t.Errorf("the same explosion at the same age differs between frames")
	}
	spread := func(ps []Particle) (d, a float64) {
		for _, p := range ps {
			d += math.Hypot(p.X-ev.X, p.Y-ev.Y)
			a += p.Alpha
		}
		return d / float64(len(ps)), a / float64(len(ps))
	}
	d0, a0 := spread(early)
	d1, a1 := spread(late)
	if d1 <= d0 || a1 >= a0 {
		t.Errorf("particles at 0.05 s: distance %.1f alpha %.2f; at 0.7 s: %.1f %.2f; want them further out and fainter", d0, a0, d1, a1)
	}
}
