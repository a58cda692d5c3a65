package game

import (
	"fmt"
	"slices"
	"testing"
)

// hold returns inputs for n seats where seat 0 holds in and the others do nothing.
func hold(n int, in Input) []Input {
	inputs := make([]Input, n)
	inputs[0] = in
	return inputs
}

func TestFiring(t *testing.T) {
	cfg := DefaultConfig(2, 30)
	fire := Input{Buttons: ButtonFire, AimY: 1}
	inBox := func(t *testing.T) *World { return duel(t, cfg, [2]int{2, 1}, [2]int{9, 7}) }
	tests := []struct {
		name  string
		world func(t *testing.T) *World
		ticks int
		in    Input
		check func(t *testing.T, w *World)
	}{
		{
			name:  "holding fire shoots once per cooldown",
			ticks: 25, in: fire,
			check: func(t *testing.T, w *World) {
				// Shots leave at ticks 1, 9, 17 and 25 with an 8-tick cooldown at 30 Hz.
				if got := w.NextProjectileID - 1; got != 4 {
					t.Errorf("%d shots in 25 ticks, want 4", got)
				}
			},
		},
		{
			name:  "a shot starts at the ship and flies along its aim",
			ticks: 1, in: fire,
			check: func(t *testing.T, w *World) {
				if len(w.Projectiles) != 1 {
					t.Fatalf("%d projectiles, want 1", len(w.Projectiles))
				}
				p, s := w.Projectiles[0], w.Ships[0]
				want := Vec{0, cfg.ProjectileSpeed()}
				if p.Vel != want || p.Pos != (Vec{s.Pos.X, s.Pos.Y + want.Y}) || p.Owner != 0 || p.ID != 1 {
					t.Errorf("projectile %+v from ship at %v, want velocity %v", p, s.Pos, want)
				}
				if s.Cooldown != uint16(cfg.Ticks(FireCooldownMS)) {
					t.Errorf("cooldown %d, want %d", s.Cooldown, cfg.Ticks(FireCooldownMS))
				}
			},
		},
		{
			name:  "a shot ends at a wall",
			ticks: 12, in: Input{Buttons: ButtonFire, AimY: 1},
			check: func(t *testing.T, w *World) {
				// From row 1 down to the wall at row 8 takes 11 ticks: the first shot is
				// gone, the second (tick 9) is still flying.
				if len(w.Projectiles) != 1 || w.Projectiles[0].ID != 2 {
					t.Errorf("projectiles %+v, want only the second shot", w.Projectiles)
				}
			},
		},
		{
			name: "a shot expires after its life time",
			world: func(t *testing.T) *World {
				w := NewWorld(cfg, mustMap(t, "long", long))
				w.SetActive(0, true)
				w.SetActive(1, true)
				w.Ships[0].Pos, w.Ships[1].Pos = TileCentre(1, 1), TileCentre(1, 3)
				return w
			},
			ticks: cfg.Ticks(ProjectileLifeMS), in: Input{Buttons: ButtonFire, AimX: 1},
			check: func(t *testing.T, w *World) {
				for _, p := range w.Projectiles {
					if p.ID == 1 {
						t.Errorf("first shot still alive after %d ticks: %+v", w.Tick, p)
					}
				}
			},
		},
		{
			name:  "no fire button, no shot",
			ticks: 10, in: Input{Buttons: ButtonRight, AimX: 1},
			check: func(t *testing.T, w *World) {
				if len(w.Projectiles) != 0 || w.NextProjectileID != 1 {
					t.Errorf("projectiles %+v without firing", w.Projectiles)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.world == nil {
				tt.world = inBox
			}
			w := tt.world(t)
			for range tt.ticks {
				w.Step(hold(2, tt.in))
			}
			tt.check(t, w)
		})
	}
}

// long is a 60-tile corridor, longer than a shot flies, with a side room for a second ship.
const long = "; a corridor\n" +
	"############################################################\n" +
	"#S.........................................................#\n" +
	"#.##########################################################\n" +
	"#SSSSSSS####################################################\n" +
	"############################################################\n"

func TestFragAndRespawn(t *testing.T) {
	cfg := DefaultConfig(2, 30)
	w := duel(t, cfg, [2]int{2, 2}, [2]int{8, 2})
	in := hold(2, Input{Buttons: ButtonFire, AimX: 1})
	shots := ShipHealth / ProjectileDamage
	var frag Event
	for range 200 {
		w.Step(in)
		if i := slices.IndexFunc(w.Events, func(e Event) bool { return e.Kind == EventFrag }); i >= 0 {
			frag = w.Events[i]
			break
		}
	}
	victim, killer := w.Ships[1], w.Ships[0]
	if frag != (Event{Kind: EventFrag, Tick: w.Tick, A: 0, B: 1}) {
		t.Fatalf("frag event %+v, want seat 0 fragging seat 1 at tick %d", frag, w.Tick)
	}
	if want := uint32(shots-1)*uint32(cfg.Ticks(FireCooldownMS)) + 1; w.Tick < want {
		t.Errorf("fragged at tick %d, but %d shots cannot land before tick %d", w.Tick, shots, want)
	}
	if victim.Alive || victim.Health != 0 || victim.Deaths != 1 || killer.Frags != 1 || killer.Deaths != 0 {
		t.Errorf("after the frag: victim %+v, killer %+v", victim, killer)
	}
	if victim.RespawnIn != uint16(cfg.Ticks(RespawnDelayMS)) {
		t.Errorf("respawn in %d ticks, want %d", victim.RespawnIn, cfg.Ticks(RespawnDelayMS))
	}

	// Dead ships ignore input, do not block shots and come back after the delay.
	fragTick := w.Tick
	for w.Ships[1].RespawnIn > 1 {
		w.Step(hold(2, Input{}))
		if w.Ships[1].Alive || len(w.Events) != 0 {
			t.Fatalf("tick %d: ship back early or unexpected events %+v", w.Tick, w.Events)
		}
	}
	w.Step(hold(2, Input{}))
	back := w.Ships[1]
	if w.Tick-fragTick != uint32(cfg.Ticks(RespawnDelayMS)) || !back.Alive || back.Health != ShipHealth {
		t.Errorf("tick %d (frag at %d): ship %+v, want alive with full health after %d ticks", w.Tick, fragTick, back, cfg.Ticks(RespawnDelayMS))
	}
	if !slices.Contains(w.Map.Spawns, back.Pos) {
		t.Errorf("respawned at %v, not a spawn point", back.Pos)
	}
	if !slices.Contains(w.Events, Event{Kind: EventRespawn, Tick: w.Tick, A: 1, B: 1}) {
		t.Errorf("events %+v, want a respawn of seat 1", w.Events)
	}
}

func TestOwnShotsDoNotHit(t *testing.T) {
	w := duel(t, DefaultConfig(2, 30), [2]int{2, 2}, [2]int{9, 7})
	for range 60 {
		w.Step(hold(2, Input{Buttons: ButtonFire | ButtonRight, AimX: 1}))
	}
	if w.Ships[0].Health != ShipHealth {
		t.Errorf("the ship lost health to its own shots: %d", w.Ships[0].Health)
	}
}

func TestRespawnFarFromEnemies(t *testing.T) {
	m := mustMap(t, "box", box)
	for seed := range uint64(20) {
		cfg := DefaultConfig(3, 30)
		cfg.Seed = seed
		w := NewWorld(cfg, m)
		w.SetActive(0, true)
		w.SetActive(1, true)
		w.Ships[0].Pos, w.Ships[1].Pos = TileCentre(1, 1), TileCentre(1, 6)
		w.SetActive(2, true)
		got := w.clearance(w.Ships[2].Pos, 2)
		best := int64(0)
		for _, sp := range m.Spawns {
			best = max(best, w.clearance(sp, 2))
		}
		if got*16 < best*9 {
			t.Errorf("seed %d: spawned at %v, %d units from the nearest enemy; the best spawn is %d away", seed, w.Ships[2].Pos, isqrt(got), isqrt(best))
		}
	}
}

func TestMatchEnd(t *testing.T) {
	tests := []struct {
		name       string
		fragLimit  int
		timeLimit  int
		ticks      int
		wantTick   uint32
		wantWinner int
	}{
		{name: "first to the frag limit", fragLimit: 1, timeLimit: 0, ticks: 300, wantWinner: 0},
		{name: "time limit, fewer deaths wins", fragLimit: 10, timeLimit: 50, ticks: 300, wantTick: 50, wantWinner: 0},
		{name: "time limit, tie goes to the lowest seat", fragLimit: 10, timeLimit: 5, ticks: 300, wantTick: 5, wantWinner: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig(3, 30)
			cfg.FragLimit, cfg.TimeLimit = tt.fragLimit, tt.timeLimit
			w := duel(t, cfg, [2]int{2, 2}, [2]int{8, 2})
			w.SetActive(2, true)
			w.Ships[2].Pos = TileCentre(2, 7)
			in := hold(3, Input{Buttons: ButtonFire, AimX: 1})
			for range tt.ticks {
				w.Step(in)
				if w.Over {
					break
				}
			}
			if !w.Over {
				t.Fatalf("match not over after %d ticks", w.Tick)
			}
			if tt.wantTick != 0 && w.Tick != tt.wantTick {
				t.Errorf("ended at tick %d, want %d", w.Tick, tt.wantTick)
			}
			if w.Winner != tt.wantWinner || w.Results()[0].Seat != tt.wantWinner {
				t.Errorf("winner %d, results %+v, want seat %d", w.Winner, w.Results(), tt.wantWinner)
			}
			if !slices.Contains(w.Events, Event{Kind: EventMatchOver, Tick: w.Tick, A: uint8(tt.wantWinner), B: uint8(tt.wantWinner)}) {
				t.Errorf("events %+v, want match over", w.Events)
			}
			h, tick := w.Hash(), w.Tick
			w.Step(in)
			if w.Hash() != h || w.Tick != tick {
				t.Error("Step changed a finished match")
			}
		})
	}
}

func TestResultsOrder(t *testing.T) {
	w := NewWorld(DefaultConfig(5, 30), mustMap(t, "box", box))
	for seat, score := range [][2]uint16{{3, 2}, {5, 4}, {3, 1}, {9, 9}, {5, 4}} {
		w.SetActive(seat, seat != 3)
		w.Ships[seat].Frags, w.Ships[seat].Deaths = score[0], score[1]
	}
	want := []Result{{1, 5, 4}, {4, 5, 4}, {2, 3, 1}, {0, 3, 2}}
	if got := w.Results(); !slices.Equal(got, want) {
		t.Errorf("results %+v, want %+v (free seat 3 left out)", got, want)
	}
}

func TestInputBookkeeping(t *testing.T) {
	w := duel(t, DefaultConfig(3, 30), [2]int{2, 2}, [2]int{8, 2})
	w.Step([]Input{{Seq: 7}, {Seq: 3}, {Seq: 9, Buttons: ButtonFire}})
	w.Step([]Input{{Seq: 0}, {Seq: 4}, {Seq: 10, Buttons: ButtonFire}})
	if w.Ships[0].LastSeq != 7 || w.Ships[1].LastSeq != 4 {
		t.Errorf("last seqs %d, %d, want 7 (a zero seq changes nothing) and 4", w.Ships[0].LastSeq, w.Ships[1].LastSeq)
	}
	if w.Ships[2] != (Ship{}) || len(w.Projectiles) != 0 {
		t.Errorf("the free seat 2 took part: %+v, projectiles %+v", w.Ships[2], w.Projectiles)
	}
	w.Ships[1].Frags = 4
	w.SetActive(1, false)
	w.SetActive(1, true)
	if s := w.Ships[1]; s.Frags != 0 || s.LastSeq != 0 || !s.Alive || s.Health != ShipHealth {
		t.Errorf("a seat taken again does not start afresh: %+v", s)
	}
}

// TestFlightMatchesStep: Map.Flight tells how many Steps a shot survives, counting the one
// that fires it, as Step flies it with no ship in the way.
func TestFlightMatchesStep(t *testing.T) {
	cfg := DefaultConfig(2, 30)
	m := mustMap(t, "long", long)
	for _, aim := range [][2]int16{{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {5, 1}, {1, 5}, {-3, -2}, {100, -7}} {
		for _, tile := range [][2]int{{1, 1}, {30, 1}, {57, 1}, {1, 3}} {
			t.Run(fmt.Sprintf("aim %v from %v", aim, tile), func(t *testing.T) {
				w := NewWorld(cfg, m)
				w.SetActive(0, true)
				w.Ships[0].Pos = TileCentre(tile[0], tile[1])
				in := Input{Buttons: ButtonFire, AimX: aim[0], AimY: aim[1]}
				s := w.Ships[0]
				MoveShip(m, cfg, &s, in)
				want := m.Flight(NewShot(cfg, &s))
				w.Step(hold(2, in))
				survived := 0
				for len(w.Projectiles) > 0 && w.Projectiles[0].ID == 1 {
					survived++
					w.Step(hold(2, Input{}))
				}
				if survived != want {
					t.Errorf("the shot survived %d steps, Flight says %d", survived, want)
				}
			})
		}
	}
}

// TestHoldDelaysTheShip: a held tick leaves a live ship exactly as it was (no move, no shot,
// the cooldown waiting), so that the inputs after it take the ship where they would have
// without it, a tick later; a dead ship's respawn runs on regardless.
func TestHoldDelaysTheShip(t *testing.T) {
	cfg := DefaultConfig(2, 30)
	inputs := []Input{
		{Seq: 1, Buttons: ButtonRight | ButtonFire, AimX: 1},
		{Seq: 2, Buttons: ButtonRight | ButtonDown},
		{Seq: 3, Buttons: ButtonDown | ButtonFire, AimY: 1},
	}
	straight := duel(t, cfg, [2]int{2, 2}, [2]int{12, 8})
	for _, in := range inputs {
		straight.Step(hold(2, in))
	}
	held := duel(t, cfg, [2]int{2, 2}, [2]int{12, 8})
	held.Step(hold(2, inputs[0]))
	before := held.Ships[0]
	held.Step(hold(2, Input{Buttons: ButtonHold}))
	if held.Ships[0] != before {
		t.Fatalf("a held tick changed the ship: %+v, was %+v", held.Ships[0], before)
	}
	for _, in := range inputs[1:] {
		held.Step(hold(2, in))
	}
	if got, want := held.Ships[0], straight.Ships[0]; got != want {
		t.Fatalf("after a held tick the inputs leave the ship at %+v, without it %+v", got, want)
	}
	if held.NextProjectileID != straight.NextProjectileID {
		t.Fatalf("%d shots after a held tick, %d without", held.NextProjectileID-1, straight.NextProjectileID-1)
	}

	dead := duel(t, cfg, [2]int{2, 2}, [2]int{12, 8})
	dead.Ships[0].Alive, dead.Ships[0].RespawnIn = false, 1
	dead.Step(hold(2, Input{Buttons: ButtonHold}))
	if !dead.Ships[0].Alive {
		t.Fatal("a dead ship did not respawn through a held tick")
	}
}
