package game

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// levels lists every bot level, easiest first.
var levels = []BotLevel{BotEasy, BotNormal, BotHard}

func TestParseBotLevel(t *testing.T) {
	tests := []struct {
		name string
		want BotLevel
		ok   bool
	}{
		{"easy", BotEasy, true},
		{"normal", BotNormal, true},
		{"hard", BotHard, true},
		{"", 0, false},
		{"Hard", 0, false},
		{" easy", 0, false},
		{"expert", 0, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.name), func(t *testing.T) {
			got, err := ParseBotLevel(tt.name)
			switch {
			case tt.ok && err != nil:
				t.Fatalf("error %v", err)
			case tt.ok && (got != tt.want || got.String() != tt.name):
				t.Errorf("level %v (%d), want %v", got, got, tt.want)
			case !tt.ok && !errors.Is(err, ErrBotLevel):
				t.Errorf("error %v, want one wrapping ErrBotLevel", err)
			case !tt.ok && !strings.Contains(err.Error(), "want easy, normal or hard"):
				t.Errorf("error %q does not name the levels", err)
			}
		})
	}
	if BotLevel(0) != BotNormal {
		t.Error("the zero BotLevel is not normal, the default")
	}
}

// TestBotHunts puts a bot in one corner of each map and an idle ship in the opposite corner,
// out of sight: the bot does not know where it is, and must find and frag it within 30
// seconds by searching the places it cannot see.
func TestBotHunts(t *testing.T) {
	for _, name := range MapNames() {
		for _, level := range levels {
			t.Run(name+"/"+level.String(), func(t *testing.T) {
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
				bot := NewBot(0, 1, level)
				inputs := make([]Input, 2)
				for w.Ships[0].Frags == 0 && w.Tick < uint32(30*cfg.TickRate) {
					inputs[0] = bot.Think(w)
					w.Step(inputs)
				}
				if w.Ships[0].Frags != 1 {
					t.Errorf("no frag after %d ticks; bot at %v, target at %v", w.Tick, w.Ships[0].Pos, w.Ships[1].Pos)
				}
			})
		}
	}
}

// TestBotsPlay runs bot-only matches of every level on every map at several sizes and tick
// rates: the bots must fight (several frags a minute, though two bots that only know what
// they see take a while to find each other) and most of them must score.
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
					bots[seat] = NewBot(seat, uint64(seat), levels[seat%len(levels)])
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
				if minutes := float64(w.Tick) / float64(60*tc.rate); float64(frags) < 3*minutes {
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup()
			if in := NewBot(tt.seat, 1, BotNormal).Think(w); in != (Input{}) {
				t.Errorf("input %+v, want none", in)
			}
		})
	}
}

// TestBotIgnoresShipsOutOfSight plays the same bot in two arenas that differ only in where
// an idle enemy hides: until the bot sees the enemy, it must play exactly the same.
func TestBotIgnoresShipsOutOfSight(t *testing.T) {
	m, err := LoadMap("arena")
	if err != nil {
		t.Fatal(err)
	}
	hideouts := [2]Vec{TileCentre(38, 28), TileCentre(20, 14)}
	var worlds [2]*World
	var bots [2]*Bot
	for i, hideout := range hideouts {
		w := NewWorld(DefaultConfig(2, 30), m)
		w.SetActive(0, true)
		w.SetActive(1, true)
		w.Ships[0].Pos, w.Ships[1].Pos = TileCentre(1, 1), hideout
		if lineOfSight(m, w.Ships[0].Pos, hideout) {
			t.Fatalf("the bot sees the hideout %v at the start", hideout)
		}
		worlds[i], bots[i] = w, NewBot(0, 3, BotHard)
	}
	inputs := make([]Input, 2)
	for {
		in := [2]Input{bots[0].Think(worlds[0]), bots[1].Think(worlds[1])}
		if in[0] != in[1] {
			t.Fatalf("tick %d: input %+v with the enemy at %v, %+v with it at %v", worlds[0].Tick, in[0], hideouts[0], in[1], hideouts[1])
		}
		for i, w := range worlds {
			inputs[0] = in[i]
			w.Step(inputs)
		}
		w := worlds[0]
		if lineOfSight(m, w.Ships[0].Pos, hideouts[0]) || lineOfSight(m, w.Ships[0].Pos, hideouts[1]) {
			break
		}
	}
	if ticks := worlds[0].Tick; ticks < 30 {
		t.Errorf("the bot saw a hideout after %d ticks; the test needs it to search for longer", ticks)
	}
}

// reactAndAim shows a bot a ship that steps into its view vel-moving, at offset from it in
// the corridor long, and returns how many ticks the bot takes to fire and how many pixels its
// first shot's aim point misses the point a perfect shooter would aim at. The World does not
// step: only the bot's timing and aim count.
func reactAndAim(t *testing.T, level BotLevel, seed uint64, offset int, vel Vec) (ticks int, miss int64) {
	t.Helper()
	w := NewWorld(DefaultConfig(2, 30), mustMap(t, "long", long))
	w.SetActive(0, true)
	w.Ships[0].Pos = TileCentre(1, 1)
	bot := NewBot(0, seed, level)
	appear := 20 + int(seed%16) // the bot's looks fall at any time relative to this
	for tick := range 200 {
		w.Tick = uint32(tick)
		if tick == appear {
			w.SetActive(1, true)
			w.Ships[1].Pos, w.Ships[1].Vel = TileCentre(1+offset, 1), vel
		}
		in := bot.Think(w)
		if in.Buttons&ButtonFire == 0 {
			continue
		}
		if tick < appear {
			t.Fatalf("the bot fired at tick %d, before anything was in view", tick)
		}
		dx := int64(offset * TileSize * SubPixel)
		flight := int64(dx) / int64(w.Config.ProjectileSpeed())
		ix, iy := (dx+int64(vel.X)*flight)/SubPixel, int64(vel.Y)*flight/SubPixel
		ex, ey := int64(in.AimX)-ix, int64(in.AimY)-iy
		return tick - appear, isqrt(ex*ex + ey*ey)
	}
	t.Fatalf("level %v, seed %d: the bot never fired", level, seed)
	return 0, 0
}

// TestBotReactionTime checks that no level fires at a ship the instant it appears (faster
// than 100 ms no human can), and that easier levels take longer.
func TestBotReactionTime(t *testing.T) {
	const seeds = 48
	cfg := DefaultConfig(2, 30)
	var means []int
	for _, level := range levels {
		total, fastest := 0, 1<<30
		for seed := range uint64(seeds) {
			ticks, _ := reactAndAim(t, level, seed, 6, Vec{})
			ms := ticks * 1000 / cfg.TickRate
			total, fastest = total+ms, min(fastest, ms)
		}
		t.Logf("%-6s reacts in %d ms on average, %d ms at the fastest", level, total/seeds, fastest)
		if fastest < 100 {
			t.Errorf("%v fires %d ms after a ship appears, want at least 100 ms", level, fastest)
		}
		means = append(means, total/seeds)
	}
	for i := 1; i < len(means); i++ {
		if means[i] >= means[i-1] {
			t.Errorf("%v reacts in %d ms on average, not faster than %v's %d ms", levels[i], means[i], levels[i-1], means[i-1])
		}
	}
}

// TestBotAimError checks that a bot's first shot misses by more the farther and the faster
// its target is, and by more at easier levels.
func TestBotAimError(t *testing.T) {
	const seeds = 64
	fast := Vec{0, DefaultConfig(2, 30).ShipSpeed()}
	meanMiss := func(level BotLevel, tiles int, vel Vec) int64 {
		var total int64
		for seed := range uint64(seeds) {
			_, miss := reactAndAim(t, level, seed, tiles, vel)
			total += miss
		}
		return total / seeds
	}
	for _, level := range levels {
		near, far, moving := meanMiss(level, 4, Vec{}), meanMiss(level, 16, Vec{}), meanMiss(level, 16, fast)
		t.Logf("%-6s misses a still ship by %2d px at 128 px, %2d px at 512 px; a moving one by %2d px at 512 px", level, near, far, moving)
		if far <= near {
			t.Errorf("%v misses by %d px at 512 px, by %d px at 128 px: want more when far", level, far, near)
		}
		if moving <= far {
			t.Errorf("%v misses a moving ship by %d px, a still one by %d px: want more when moving", level, moving, far)
		}
	}
	for i := 1; i < len(levels); i++ {
		easier, harder := meanMiss(levels[i-1], 16, fast), meanMiss(levels[i], 16, fast)
		if harder >= easier {
			t.Errorf("%v misses by %d px, %v by %d px: want the harder level to aim better", levels[i], harder, levels[i-1], easier)
		}
	}
}

// TestBotRemembers lets a bot fight an idle ship in the corridor long until that ship
// vanishes out of sight: the bot must go and look where it last saw it, though the places it
// searches when it knows of nobody (the spawn points out of its sight) lie the other way.
func TestBotRemembers(t *testing.T) {
	cfg := DefaultConfig(2, 30)
	w := NewWorld(cfg, mustMap(t, "long", long))
	w.SetActive(0, true)
	w.SetActive(1, true)
	seen := TileCentre(30, 1)
	w.Ships[0].Pos, w.Ships[1].Pos = TileCentre(20, 1), seen
	bot := NewBot(0, 1, BotNormal)
	inputs := make([]Input, 2)
	for inputs[0].Buttons&ButtonFire == 0 {
		if w.Tick > uint32(cfg.TickRate) {
			t.Fatal("the bot did not fire at the ship in view within a second")
		}
		inputs[0] = bot.Think(w)
		w.Step(inputs)
	}
	// Out of sight in the bottom row, next to the spawn points the bot would search.
	w.Ships[1].Pos = TileCentre(7, 3)
	const tile = TileSize * SubPixel
	memory := uint32(cfg.Ticks(botSkills[BotNormal].memoryMS))
	for end := w.Tick + memory; ; {
		inputs[0] = bot.Think(w)
		w.Step(inputs)
		me := w.Ships[0].Pos
		if me.X/tile == seen.X/tile && me.Y/tile == seen.Y/tile {
			return
		}
		if w.Tick > end {
			t.Fatalf("the bot is at %v, %d ticks after losing sight of the ship at %v; want it there", me, memory, seen)
		}
	}
}
