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

// TestPredictionMatchesTheServer plays a client against the real simulation over a link with
// fixed delays: each input reaches the server up ticks after it was made, each snapshot
// reaches the client down ticks after its tick. Whenever the server has applied input n, its
// ship must be exactly where the client predicted it right after making input n.
func TestPredictionMatchesTheServer(t *testing.T) {
	tests := []struct {
		name     string
		up, down int
	}{
		{"loopback", 0, 0},
		{"typical", 2, 3},
		{"slow uplink", 6, 1},
	}
	m, err := game.LoadMap("arena")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
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
