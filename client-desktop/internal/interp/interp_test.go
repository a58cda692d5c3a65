package interp

import (
	"math"
	"testing"
	"time"

	"skirmish/game"
)

const rate = 30

var step = time.Second / rate

// frame returns the frame at tick with seat 0 moving right by 4 pixels a tick from x=100.
func frame(tick uint32) Frame {
	return Frame{
		Tick: tick,
		Ships: []game.Ship{
			{Active: true, Alive: true, Pos: game.Vec{X: int32(100+4*tick) * game.SubPixel, Y: 200 * game.SubPixel}, AimX: 127},
			{Active: false},
		},
	}
}

func TestOthersAreDrawnBehindTheNewestSnapshot(t *testing.T) {
	b := NewBuffer(rate)
	start := time.Unix(1000, 0)
	for tick := uint32(1); tick <= 20; tick++ {
		b.Push(frame(tick), start.Add(time.Duration(tick)*step))
	}
	now := start.Add(20 * step)
	var v View
	if !b.Sample(now, &v) {
		t.Fatal("Sample found no frame")
	}
	// Snapshots as regular as these need no more than the floor: 100 ms, three ticks.
	if want := 17.0; math.Abs(v.Tick-want) > 1e-6 {
		t.Errorf("render tick = %v, want %v", v.Tick, want)
	}
	if got, want := v.Ships[0].X, 100+4*v.Tick; math.Abs(got-want) > 1e-6 {
		t.Errorf("ship x = %v, want %v", got, want)
	}
	if v.Ships[1].Active {
		t.Error("an empty seat is drawn as active")
	}
}

func TestJitterNeverMovesAShipBackwards(t *testing.T) {
	b := NewBuffer(rate)
	start := time.Unix(1000, 0)
	// Arrival delays cycling through 0..45 ms: snapshots bunch up and spread out.
	jitter := []time.Duration{0, 30, 5, 45, 10, 0, 40, 20}
	var v View
	lastX := math.Inf(-1)
	next := uint32(1)
	for ms := 0; ms < 3000; ms += 4 { // a frame every 4 ms, like a fast monitor
		now := start.Add(time.Duration(ms) * time.Millisecond)
		for {
			arrives := start.Add(time.Duration(next)*step + jitter[next%uint32(len(jitter))]*time.Millisecond)
			if arrives.After(now) {
				break
			}
			b.Push(frame(next), arrives)
			next++
		}
		if !b.Sample(now, &v) {
			continue
		}
		x := v.Ships[0].X
		if x < lastX-1e-9 {
			t.Fatalf("at %d ms the ship moved back from x=%v to x=%v", ms, lastX, x)
		}
		lastX = x
	}
	if lastX < 100+4*60 {
		t.Errorf("after 3 s the ship is drawn at x=%v; it should have followed the snapshots", lastX)
	}
}

func TestRespawnDoesNotSlideAcrossTheMap(t *testing.T) {
	b := NewBuffer(rate)
	start := time.Unix(1000, 0)
	before := frame(1)
	after := frame(2)
	after.Ships[0].Pos = game.Vec{X: 900 * game.SubPixel, Y: 700 * game.SubPixel}
	b.Push(before, start.Add(step))
	b.Push(after, start.Add(2*step))
	var v View
	for ms := 0; ms < 150; ms += 5 {
		b.Sample(start.Add(2*step+time.Duration(ms)*time.Millisecond), &v)
		if x := v.Ships[0].X; x != 104 && x != 900 {
			t.Fatalf("at tick %.2f the ship is drawn at x=%v, between its old and new place", v.Tick, x)
		}
	}
}

func TestProjectilesFlyBetweenSnapshots(t *testing.T) {
	b := NewBuffer(rate)
	start := time.Unix(1000, 0)
	f := frame(10)
	f.Projectiles = []game.Projectile{{ID: 7, Owner: 1, Pos: game.Vec{X: 80, Y: 80}, Vel: game.Vec{X: 16, Y: -8}, TTL: 30}}
	b.Push(f, start.Add(10*step))
	b.Push(frame(11), start.Add(11*step)) // the shot hit something at tick 11
	var v View
	b.Sample(start.Add(13*step+step/2), &v) // three ticks behind: tick 10.5
	if len(v.Projectiles) != 1 {
		t.Fatalf("got %d projectiles at tick %v, want the one still flying before tick 11", len(v.Projectiles), v.Tick)
	}
	if p := v.Projectiles[0]; math.Abs(p.X-11) > 1e-6 || math.Abs(p.Y-9.5) > 1e-6 {
		t.Errorf("projectile at (%v, %v), want (11, 9.5)", p.X, p.Y)
	}
	b.Sample(start.Add(14*step+step/2), &v)
	if len(v.Projectiles) != 0 {
		t.Errorf("a removed projectile is still drawn at tick %v: %+v", v.Tick, v.Projectiles)
	}
}

func TestPauseAndDuplicateFrames(t *testing.T) {
	b := NewBuffer(rate)
	start := time.Unix(1000, 0)
	for tick := uint32(1); tick <= 10; tick++ {
		b.Push(frame(tick), start.Add(time.Duration(tick)*step))
	}
	b.Push(frame(10), start.Add(11*step)) // a duplicate
	if f, _ := b.Newest(); f.Tick != 10 || b.Len() != 10 {
		t.Fatalf("a duplicate frame was kept: newest %d, %d frames", f.Tick, b.Len())
	}
	var v View
	b.Sample(start.Add(11*step), &v)
	// The room pauses for a minute: the picture holds still at the newest frame, and that is
	// no stall.
	b.Playout().SetLive(false)
	paused := start.Add(time.Minute)
	for at := start.Add(12 * step); at.Before(paused); at = at.Add(time.Second / 60) {
		b.Sample(at, &v)
	}
	if v.Tick != 10 || b.Playout().Stats() != (PlayoutStats{}) {
		t.Errorf("render tick during a pause = %v with %+v, want 10 and no stall", v.Tick, b.Playout().Stats())
	}
	// Play resumes with tick 11: drawing goes on from where it held instead of jumping.
	b.Playout().SetLive(true)
	b.Push(frame(11), paused)
	b.Push(frame(12), paused.Add(step))
	b.Sample(paused.Add(step), &v)
	if v.Tick < 10 || v.Tick >= 12 {
		t.Errorf("render tick after resume = %v, want from the held 10 on, behind the newest (12)", v.Tick)
	}
}

func TestRematchStartsOver(t *testing.T) {
	b := NewBuffer(rate)
	start := time.Unix(1000, 0)
	for tick := uint32(1000); tick <= 1010; tick++ {
		b.Push(frame(tick), start.Add(time.Duration(tick-1000)*step))
	}
	// Results, then the rematch's new world counts from tick 1 again.
	restart := start.Add(10 * time.Second)
	for tick := uint32(1); tick <= 10; tick++ {
		b.Push(frame(tick), restart.Add(time.Duration(tick)*step))
	}
	var v View
	b.Sample(restart.Add(10*step), &v)
	if v.Tick < 1 || v.Tick > 10 {
		t.Fatalf("render tick %v after the rematch, want within the new match's 1..10", v.Tick)
	}
	if want := 100 + 4*v.Tick; math.Abs(v.Ships[0].X-want) > 1e-6 {
		t.Errorf("ship drawn at x=%v, want %v from the new match", v.Ships[0].X, want)
	}
}
