package predict

import (
	"math"
	"testing"

	"skirmish/game"
)

// steer is a fixed input pattern that runs the ship into walls and along them, turns, stops
// and aims around, so replays cross every branch of game.MoveShip.
func steer(seq uint32) game.Input {
	dirs := [...]game.Buttons{
		game.ButtonRight, game.ButtonRight | game.ButtonDown, 0, game.ButtonUp,
		game.ButtonLeft | game.ButtonUp, game.ButtonLeft, game.ButtonDown, game.ButtonUp | game.ButtonDown,
	}
	return game.Input{
		Seq:     seq,
		Buttons: dirs[(seq/17)%uint32(len(dirs))],
		AimX:    int16(seq%7) - 3,
		AimY:    int16(seq%5) - 2,
	}
}

type snapshot struct {
	arrives int
	ship    game.Ship
}

// links are the lines the prediction tests play over: each input reaches the server up ticks
// after it was made, each snapshot reaches the client down ticks after its tick.
var links = []struct {
	name     string
	up, down int
}{
	{"loopback", 0, 0},
	{"typical", 2, 3},
	{"slow uplink", 6, 1},
	{"slow", 5, 5},
}

// TestPredictionMatchesTheServer plays a client against the real simulation over links with
// fixed delays. Whenever the server has applied input n, its ship must be exactly where the
// client predicted it right after making input n.
func TestPredictionMatchesTheServer(t *testing.T) {
	m, err := game.LoadMap("arena")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range links {
		t.Run(tt.name, func(t *testing.T) {
			cfg := game.DefaultConfig(4, 30)
			w := game.NewWorld(cfg, m)
			w.SetActive(0, true)
			w.SetActive(1, true)
			p := New(m, cfg)

			const ticks = 600
			predicted := make([]game.Ship, ticks+1) // by seq, right after the client applied it
			knownAt := make([]bool, ticks+1)
			var inFlight []snapshot
			inputs := make([]game.Input, cfg.Seats)
			compared := 0
			for tick := 1; tick <= ticks; tick++ {
				// The client delivers arrived snapshots, then samples this tick's input.
				for len(inFlight) > 0 && inFlight[0].arrives <= tick {
					p.Reconcile(inFlight[0].ship)
					inFlight = inFlight[1:]
				}
				seq := uint32(tick)
				p.Input(steer(seq))
				predicted[seq], knownAt[seq] = p.Ship(), p.Known()

				// The server steps with the input that has arrived, if any.
				inputs[0] = game.Input{}
				if sent := tick - tt.up; sent >= 1 {
					inputs[0] = steer(uint32(sent))
				}
				w.Step(inputs)
				got := w.Ships[0]
				inFlight = append(inFlight, snapshot{arrives: tick + tt.down + 1, ship: got})

				if got.LastSeq == 0 || !knownAt[got.LastSeq] {
					continue
				}
				want := predicted[got.LastSeq]
				if got.Pos != want.Pos || got.Vel != want.Vel || got.AimX != want.AimX || got.AimY != want.AimY {
					t.Fatalf("tick %d, input %d: server ship pos %v vel %v aim (%d,%d); predicted pos %v vel %v aim (%d,%d)",
						tick, got.LastSeq, got.Pos, got.Vel, got.AimX, got.AimY, want.Pos, want.Vel, want.AimX, want.AimY)
				}
				compared++
			}
			if compared < ticks/2 {
				t.Errorf("only %d of %d ticks compared", compared, ticks)
			}
			if max := tt.up + tt.down + 2; p.Pending() > max {
				t.Errorf("%d inputs pending at the end, want at most %d (one round trip)", p.Pending(), max)
			}
		})
	}
}

// oneShip returns a fresh match on arena with seat 0 in play, and a Predictor for it.
func oneShip(t *testing.T) (*game.World, *Predictor) {
	t.Helper()
	m, err := game.LoadMap("arena")
	if err != nil {
		t.Fatal(err)
	}
	cfg := game.DefaultConfig(4, 30)
	w := game.NewWorld(cfg, m)
	w.SetActive(0, true)
	return w, New(m, cfg)
}

func TestMispredictionBlendsAway(t *testing.T) {
	w, p := oneShip(t)
	p.Reconcile(w.Ships[0])

	tests := []struct {
		name    string
		shift   int32 // pixels the server moved the ship without the client knowing
		blended bool
	}{
		{"small push blends", 10, true},
		{"respawn jumps", 400, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := p.Ship()
			server.Pos.X += tt.shift * game.SubPixel
			p.Reconcile(server)
			x, _ := p.DrawPos()
			target := float64(server.Pos.X) / game.SubPixel
			if tt.blended != (math.Abs(x-target) > 1) {
				t.Fatalf("drawn at x=%v right after the correction to %v; blended=%v expected", x, target, tt.blended)
			}
			for range 30 {
				p.Input(game.Input{})
			}
			x, _ = p.DrawPos()
			if math.Abs(x-float64(p.Ship().Pos.X)/game.SubPixel) > 0.5 {
				t.Errorf("after a second the ship is still drawn %v pixels off", x-target)
			}
		})
	}
}

func TestPendingIsBounded(t *testing.T) {
	m, err := game.LoadMap("arena")
	if err != nil {
		t.Fatal(err)
	}
	p := New(m, game.DefaultConfig(4, 30))
	for seq := uint32(1); seq <= 1000; seq++ {
		p.Input(game.Input{Seq: seq})
	}
	if p.Pending() != maxPending {
		t.Errorf("%d inputs pending without any acknowledgement, want the bound %d", p.Pending(), maxPending)
	}
	p.Reconcile(game.Ship{Active: true, Alive: true, LastSeq: 990})
	if p.Pending() != 10 {
		t.Errorf("%d inputs pending after seq 990 was acknowledged, want 10", p.Pending())
	}
}

func TestStaleEchoAfterARestartAcknowledgesNothing(t *testing.T) {
	w, p := oneShip(t)
	w.Ships[0].LastSeq = 5000 // what the previous process of this player got to
	p.Reconcile(w.Ships[0])
	for seq := uint32(1); seq <= 5; seq++ {
		p.Input(game.Input{Seq: seq, Buttons: game.ButtonDown})
	}
	p.Reconcile(w.Ships[0]) // a snapshot from before the new inputs arrived
	if p.Pending() != 5 {
		t.Fatalf("%d inputs pending after a stale echo, want all 5", p.Pending())
	}
	if p.Ship().Pos.Y <= w.Ships[0].Pos.Y {
		t.Errorf("the stale echo undid the predicted move: y %d, server %d", p.Ship().Pos.Y, w.Ships[0].Pos.Y)
	}
}

// TestPredictedShotsMatchTheServer plays a client that fires in bursts, alone in the arena,
// against the real simulation over links with fixed delays. Every shot the server fires for
// an input is the one the client predicted for it, at the same spot; no predicted shot is
// refused; and a predicted shot is given up in the snapshot that brings the server's record.
func TestPredictedShotsMatchTheServer(t *testing.T) {
	for _, tt := range links {
		t.Run(tt.name, func(t *testing.T) {
			w, p := oneShip(t)
			p.Reconcile(w.Ships[0]) // the keyframe that follows a welcome
			cfg := w.Config
			const ticks = 600
			predicted := map[uint32]game.Projectile{} // by seq, after its first tick of flight
			var inFlight []snapshot
			inputs := make([]game.Input, cfg.Seats)
			confirmed := 0
			for tick := 1; tick <= ticks; tick++ {
				for len(inFlight) > 0 && inFlight[0].arrives <= tick {
					p.Reconcile(inFlight[0].ship)
					for _, s := range p.Shots() {
						if s.Seq <= inFlight[0].ship.LastSeq {
							t.Fatalf("tick %d: the shot of input %d is still predicted after the server applied it", tick, s.Seq)
						}
					}
					inFlight = inFlight[1:]
				}
				seq := uint32(tick)
				in := steer(seq)
				if seq%40 < 25 {
					in.Buttons |= game.ButtonFire
				}
				p.Input(in)
				// A shot that meets a wall in the tick that fires it is never seen.
				if shots := p.Shots(); len(shots) > 0 && shots[len(shots)-1].Seq == seq && shots[len(shots)-1].Flight > 0 {
					s := shots[len(shots)-1]
					s.P.Pos.X += s.P.Vel.X
					s.P.Pos.Y += s.P.Vel.Y
					s.P.TTL--
					predicted[seq] = s.P
				}

				inputs[0] = game.Input{}
				if sent := tick - tt.up; sent >= 1 {
					inputs[0] = steer(uint32(sent))
					if uint32(sent)%40 < 25 {
						inputs[0].Buttons |= game.ButtonFire
					}
					inputs[0].Seq = uint32(sent)
				}
				w.Step(inputs)
				for _, got := range w.Projectiles {
					if got.Seq == 0 || got.Seq != w.Ships[0].LastSeq || inputs[0].Seq != got.Seq {
						continue // not fired in this tick
					}
					want, ok := predicted[got.Seq]
					if !ok {
						t.Fatalf("tick %d: the server fired for input %d, which the client did not predict", tick, got.Seq)
					}
					if got.Pos != want.Pos || got.Vel != want.Vel || got.TTL != want.TTL {
						t.Fatalf("tick %d: server shot %+v, predicted %+v", tick, got, want)
					}
					delete(predicted, got.Seq)
					confirmed++
				}
				inFlight = append(inFlight, snapshot{arrives: tick + tt.down + 1, ship: w.Ships[0]})
			}
			for seq := range predicted {
				if seq+uint32(tt.up) < ticks {
					t.Errorf("the server never fired the shot predicted for input %d", seq)
				}
			}
			if confirmed < ticks/(40*2) {
				t.Errorf("only %d shots confirmed in %d ticks", confirmed, ticks)
			}
		})
	}
}

// TestARefusedShotDisappears: a shot the server does not fire (its ship was fragged before
// the input arrived) is dropped with the input that predicted it, and nothing replaces it.
func TestARefusedShotDisappears(t *testing.T) {
	w, p := oneShip(t)
	p.Reconcile(w.Ships[0])
	p.Input(game.Input{Seq: 1, Buttons: game.ButtonFire, AimX: 1})
	if len(p.Shots()) != 1 {
		t.Fatalf("%d shots predicted for a press of fire with the gun ready, want 1", len(p.Shots()))
	}
	dead := w.Ships[0]
	dead.Alive, dead.LastSeq = false, 1
	p.Reconcile(dead)
	p.Input(game.Input{Seq: 2, Buttons: game.ButtonFire, AimX: 1})
	if len(p.Shots()) != 0 {
		t.Errorf("shots %+v predicted after the server refused one and the ship is dead", p.Shots())
	}
}
