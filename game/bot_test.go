package game

import (
	"fmt"
	"testing"
)

// TestBotHunts puts a bot in one corner of each map and an idle ship in the opposite corner,
// out of sight, and expects the bot to find and frag it within 20 seconds.
func TestBotHunts(t *testing.T) {
	for _, name := range MapNames() {
		t.Run(name, func(t *testing.T) {
			m, err := LoadMap(name)
			if err != nil {
				t.Fatal(err)
			}
			cfg := DefaultConfig(2, 30)
			w := NewWorld(cfg, m)
			w.SetActive(0, true)
			w.SetActive(1, true)
			w.Ships[0].Pos, w.Ships[1].Pos = m.Spawns[0], m.Spawns[len(m.Spawns)-1]
			if lineOfSight(m, w.Ships[0].Pos, w.Ships[1].Pos) {
				t.Fatal("the corners see each other; the test needs a hidden target")
			}
			bot := NewBot(0, 1)
			inputs := make([]Input, 2)
			for w.Ships[0].Frags == 0 && w.Tick < uint32(20*cfg.TickRate) {
				inputs[0] = bot.Think(w)
				w.Step(inputs)
			}
			if w.Ships[0].Frags != 1 {
				t.Errorf("no frag after %d ticks; bot at %v, target at %v", w.Tick, w.Ships[0].Pos, w.Ships[1].Pos)
			}
		})
	}
}

// TestBotsPlay runs bot-only matches on every map at several sizes and tick rates: the bots
// must fight (several frags a minute) and most of them must score.
func TestBotsPlay(t *testing.T) {
	for _, name := range MapNames() {
		for _, tc := range []struct{ seats, rate int }{{2, 10}, {4, 30}, {8, 60}} {
			t.Run(fmt.Sprintf("%s/%dseats-%dHz", name, tc.seats, tc.rate), func(t *testing.T) {
				m, err := LoadMap(name)
				if err != nil {
					t.Fatal(err)
				}
				cfg := DefaultConfig(tc.seats, tc.rate)
				cfg.Seed = 5
				cfg.TimeLimit = 90 * tc.rate
				w := NewWorld(cfg, m)
				bots := make([]*Bot, tc.seats)
				for seat := range bots {
					w.SetActive(seat, true)
					bots[seat] = NewBot(seat, uint64(seat))
				}
				inputs := make([]Input, tc.seats)
				for !w.Over {
					for seat, b := range bots {
						inputs[seat] = b.Think(w)
					}
					w.Step(inputs)
				}
				res := w.Results()
				frags, scoring := 0, 0
				for _, r := range res {
					frags += int(r.Frags)
					if r.Frags > 0 {
						scoring++
					}
				}
				if minutes := float64(w.Tick) / float64(60*tc.rate); float64(frags) < 5*minutes {
					t.Errorf("%d frags in %.1f minutes: %+v", frags, minutes, res)
				}
				if scoring*2 < tc.seats {
					t.Errorf("only %d of %d bots scored: %+v", scoring, tc.seats, res)
				}
			})
		}
	}
}

func TestBotIdleWhenItCannotPlay(t *testing.T) {
	w := duel(t, DefaultConfig(3, 30), [2]int{2, 2}, [2]int{8, 2})
	tests := []struct {
		name  string
		seat  int
		setup func()
	}{
		{"free seat", 2, func() {}},
		{"dead ship", 0, func() { w.Ships[0].Alive = false }},
		{"no enemy alive", 0, func() { w.Ships[0].Alive, w.Ships[1].Alive = true, false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup()
			if in := NewBot(tt.seat, 1).Think(w); in != (Input{}) {
				t.Errorf("input %+v, want none", in)
			}
		})
	}
}
