package game

import (
	"fmt"
	"testing"
)

func TestMoveShip(t *testing.T) {
	cfg := DefaultConfig(2, 30)
	m := mustMap(t, "box", box)
	const h = ShipHalf * SubPixel
	speed := cfg.ShipSpeed()
	tests := []struct {
		name  string
		start Ship
		in    Input
		ticks int
		check func(t *testing.T, s Ship)
	}{
		{
			name:  "reaches top speed from rest",
			start: Ship{Alive: true, Pos: TileCentre(2, 2)},
			in:    Input{Buttons: ButtonRight},
			ticks: 15,
			check: func(t *testing.T, s Ship) {
				if s.Vel != (Vec{speed, 0}) {
					t.Errorf("velocity %v, want {%d 0}", s.Vel, speed)
				}
			},
		},
		{
			name:  "diagonal is no faster than straight",
			start: Ship{Alive: true, Pos: TileCentre(2, 2)},
			in:    Input{Buttons: ButtonDown | ButtonRight},
			ticks: 15,
			check: func(t *testing.T, s Ship) {
				want := speed * diagonal / 256
				if s.Vel != (Vec{want, want}) {
					t.Errorf("velocity %v, want {%d %d}", s.Vel, want, want)
				}
			},
		},
		{
			name:  "opposite buttons cancel and the ship comes to a full stop",
			start: Ship{Alive: true, Pos: TileCentre(2, 2), Vel: Vec{speed, -speed}},
			in:    Input{Buttons: ButtonLeft | ButtonRight | ButtonUp | ButtonDown},
			ticks: 30,
			check: func(t *testing.T, s Ship) {
				if s.Vel != (Vec{}) {
					t.Errorf("velocity %v, want zero", s.Vel)
				}
			},
		},
		{
			name:  "stops flush against the right border",
			start: Ship{Alive: true, Pos: TileCentre(9, 2)},
			in:    Input{Buttons: ButtonRight},
			ticks: 30,
			check: func(t *testing.T, s Ship) {
				if want := int32(11*TileSize*SubPixel) - h; s.Pos.X != want || s.Vel.X != 0 {
					t.Errorf("x %d vx %d, want x %d vx 0", s.Pos.X, s.Vel.X, want)
				}
			},
		},
		{
			name:  "stops flush against the top border",
			start: Ship{Alive: true, Pos: TileCentre(3, 2)},
			in:    Input{Buttons: ButtonUp},
			ticks: 30,
			check: func(t *testing.T, s Ship) {
				if want := int32(TileSize*SubPixel) + h; s.Pos.Y != want || s.Vel.Y != 0 {
					t.Errorf("y %d vy %d, want y %d vy 0", s.Pos.Y, s.Vel.Y, want)
				}
			},
		},
		{
			name:  "slides along a wall it meets at an angle",
			start: Ship{Alive: true, Pos: TileCentre(3, 4)},
			in:    Input{Buttons: ButtonRight | ButtonUp},
			ticks: 30,
			check: func(t *testing.T, s Ship) {
				if s.Pos.Y != int32(TileSize*SubPixel)+h {
					t.Errorf("y %d, want on the top border", s.Pos.Y)
				}
				if s.Vel.X <= 0 || s.Pos.X <= TileCentre(3, 4).X {
					t.Errorf("ship stuck at x %d vx %d, want it sliding right", s.Pos.X, s.Vel.X)
				}
			},
		},
		{
			name:  "blocked by the middle block from the left",
			start: Ship{Alive: true, Pos: TileCentre(3, 5)},
			in:    Input{Buttons: ButtonRight},
			ticks: 30,
			check: func(t *testing.T, s Ship) {
				if want := int32(5*TileSize*SubPixel) - h; s.Pos.X != want {
					t.Errorf("x %d, want %d (left face of the block)", s.Pos.X, want)
				}
			},
		},
		{
			name:  "aim is normalised to length 127",
			start: Ship{Alive: true, Pos: TileCentre(3, 3)},
			in:    Input{AimX: -300, AimY: 400},
			ticks: 1,
			check: func(t *testing.T, s Ship) {
				if s.AimX != -76 || s.AimY != 101 {
					t.Errorf("aim (%d, %d), want (-76, 101)", s.AimX, s.AimY)
				}
			},
		},
		{
			name:  "extreme aim does not overflow",
			start: Ship{Alive: true, Pos: TileCentre(3, 3)},
			in:    Input{AimX: -32768, AimY: -32768},
			ticks: 1,
			check: func(t *testing.T, s Ship) {
				if s.AimX != -89 || s.AimY != -89 {
					t.Errorf("aim (%d, %d), want (-89, -89)", s.AimX, s.AimY)
				}
			},
		},
		{
			name:  "zero aim keeps the previous aim",
			start: Ship{Alive: true, Pos: TileCentre(3, 3), AimX: 0, AimY: -127},
			in:    Input{Buttons: ButtonLeft},
			ticks: 3,
			check: func(t *testing.T, s Ship) {
				if s.AimX != 0 || s.AimY != -127 {
					t.Errorf("aim (%d, %d), want (0, -127)", s.AimX, s.AimY)
				}
			},
		},
		{
			name:  "a dead ship does not move",
			start: Ship{Pos: TileCentre(3, 3), Vel: Vec{10, 10}},
			in:    Input{Buttons: ButtonRight, AimX: 5},
			ticks: 5,
			check: func(t *testing.T, s Ship) {
				if s.Pos != TileCentre(3, 3) || s.AimX != 0 {
					t.Errorf("dead ship moved to %v aiming %d", s.Pos, s.AimX)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.start
			for range tt.ticks {
				MoveShip(m, cfg, &s, tt.in)
			}
			tt.check(t, s)
		})
	}
}

// TestSpeedIndependentOfTickRate checks that a second of holding a direction covers about
// the same distance at every tick rate a room may run at.
func TestSpeedIndependentOfTickRate(t *testing.T) {
	m := mustMap(t, "long", "; a long corridor\n"+
		"########################################\n"+
		"#SSSSSSSS..............................#\n"+
		"########################################\n")
	for _, rate := range []int{MinTickRate, 20, 30, 60, MaxTickRate} {
		t.Run(fmt.Sprintf("%dHz", rate), func(t *testing.T) {
			cfg := DefaultConfig(2, rate)
			s := Ship{Alive: true, Pos: TileCentre(1, 1)}
			for range rate {
				MoveShip(m, cfg, &s, Input{Buttons: ButtonRight})
			}
			moved := (s.Pos.X - TileCentre(1, 1).X) / SubPixel
			// Full speed for a second minus the time spent accelerating, within a tenth.
			if moved < 180 || moved > 215 {
				t.Errorf("moved %d px in one second at %d Hz, want about 200", moved, rate)
			}
		})
	}
}
