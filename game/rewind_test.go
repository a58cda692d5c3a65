package game

import "testing"

// TestRewindRule is the lag compensation rule as a table: what counts as a hit at each view
// tick. The target stands right in front of the shooter's gun up to tick 10 and then far to
// the side; the shooter fires at tick 14 with the view the case gives, so a shot hits exactly
// when it is rewound to tick 10 or before: by 4 ticks or more, and no further than the bound.
func TestRewindRule(t *testing.T) {
	const (
		left = 10 // the last tick the target is in front of the gun
		fire = 14 // the tick the shot is fired in
	)
	tests := []struct {
		name     string
		rewind   int    // Config.Rewind
		view     uint32 // Input.View of the shot
		deadThen bool   // the target was waiting to respawn while in front of the gun
		deadNow  bool   // the target was fragged after it left
		hit      bool
	}{
		{name: "unknown view: the present, where the target has gone", rewind: 6, view: 0},
		{name: "view of the present", rewind: 6, view: fire},
		{name: "a view from the future counts as the present", rewind: 6, view: fire + 3},
		{name: "view after the target left", rewind: 6, view: left + 1},
		{name: "view of the last tick the target was there", rewind: 6, view: left, hit: true},
		{name: "view while the target was there", rewind: 6, view: left - 2, hit: true},
		{name: "view beyond the bound is rewound as far as the bound", rewind: 6, view: 2, hit: true},
		{name: "a bound shorter than the lag leaves the rest uncompensated", rewind: 3, view: left - 2},
		{name: "no rewind at all", rewind: 0, view: left},
		{name: "a target dead in the view cannot be hit there", rewind: 6, view: left, deadThen: true},
		{name: "a target dead now takes no more hits", rewind: 6, view: left, deadNow: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig(2, 30)
			cfg.Rewind = tt.rewind
			w := duel(t, cfg, [2]int{2, 2}, [2]int{8, 6})
			gun := w.Ships[0].Pos
			target := &w.Ships[1]
			target.Pos = Vec{gun.X + 10*SubPixel, gun.Y}
			if tt.deadThen {
				target.Alive, target.RespawnIn = false, 1000
			}
			for w.Tick < fire-1 {
				w.Step(hold(2, Input{}))
				switch w.Tick {
				case left:
					target.Pos, target.Alive, target.RespawnIn = TileCentre(8, 6), true, 0
				case left + 2:
					if tt.deadNow {
						target.Alive, target.RespawnIn = false, 1000
					}
				}
			}
			w.Step(hold(2, Input{Buttons: ButtonFire, AimX: 1, View: tt.view}))
			if w.Tick != fire || w.NextProjectileID != 2 {
				t.Fatalf("tick %d, %d shots fired: the scene is not as planned", w.Tick, w.NextProjectileID-1)
			}
			hit := len(w.Projectiles) == 0
			if hit != tt.hit {
				t.Errorf("hit = %v, want %v (shots in flight %+v)", hit, tt.hit, w.Projectiles)
			}
			if hit && target.Health != ShipHealth-ProjectileDamage {
				t.Errorf("the target has %d health after a hit", target.Health)
			}
		})
	}
}

// TestRewoundShotsFollowTheShootersView: a shot keeps its lag for its whole flight, meeting
// the other ships where the shooter saw them at every tick, not only in the tick it was fired.
func TestRewoundShotsFollowTheShootersView(t *testing.T) {
	cfg := DefaultConfig(2, 30)
	w := duel(t, cfg, [2]int{1, 2}, [2]int{8, 6})
	target := &w.Ships[1]
	// The target stands in the line of fire eight tiles away until tick 22, then leaves. A
	// shot needs 13 ticks to get there: fired at tick 15 it arrives at tick 27, after the
	// target left, unless it sees the ships as of 6 ticks before, all the way.
	target.Pos = TileCentre(9, 2)
	for w.Tick < 14 {
		w.Step(hold(2, Input{}))
	}
	for _, view := range []uint32{0, 9} {
		c := w.Clone()
		c.Step(hold(2, Input{Buttons: ButtonFire, AimX: 1, View: view}))
		for c.Tick < 40 && len(c.Projectiles) > 0 {
			if c.Tick == 22 {
				c.Ships[1].Pos = TileCentre(9, 6)
			}
			c.Step(hold(2, Input{}))
		}
		hit := c.Ships[1].Health < ShipHealth
		if want := view != 0; hit != want {
			t.Errorf("view %d: hit = %v, want %v", view, hit, want)
		}
	}
}

func TestConfigRewindBound(t *testing.T) {
	cfg := DefaultConfig(2, 30)
	if cfg.Rewind != 15 {
		t.Errorf("default rewind %d ticks at 30 Hz, want 15 (500 ms)", cfg.Rewind)
	}
	for _, r := range []int{-1, RewindTicks(MaxRewindMS, 30) + 1} {
		cfg.Rewind = r
		if cfg.Validate() == nil {
			t.Errorf("rewind %d ticks at 30 Hz accepted", r)
		}
	}
}
