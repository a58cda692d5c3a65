package record

import (
	"os"
	"testing"

	"skirmish/game"
)

// TestRecordSize pins how small records are: a minute of a four-seat match at 30 Hz, with
// players whose inputs a brain chooses (every tick a new input, an aim that follows a moving
// target) in the first seats and bots in the others.
func TestRecordSize(t *testing.T) {
	for _, tt := range []struct {
		name    string
		players int
		max     int // bytes per minute
	}{
		{"bots only", 0, 2_500},
		{"one player and three bots", 1, 7_000},
		{"four players", 4, 22_000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			size := recordMinute(t, tt.players)
			t.Logf("%s: %d bytes per minute", tt.name, size)
			if size > tt.max {
				t.Errorf("%s: %d bytes per minute, want at most %d", tt.name, size, tt.max)
			}
		})
	}
}

// recordMinute records a minute of a four-seat match whose first players seats are players
// and returns the record's size.
func recordMinute(t *testing.T, players int) int {
	dir := t.TempDir()
	cfg := game.DefaultConfig(4, 30)
	cfg.Seed, cfg.FragLimit = 7, 1000
	w, world, m := begin(t, dir, "size", cfg)
	brains := make([]*game.Bot, 4)
	for seat := range brains {
		brains[seat] = game.NewBot(seat, uint64(seat)+1, game.BotNormal)
		world.SetActive(seat, true)
		m.SetActive(0, seat, true)
		if seat < players {
			m.Player(0, seat, "player")
		} else {
			m.Bot(0, seat, uint64(seat)+1, game.BotNormal, "bot")
		}
	}
	inputs := make([]game.Input, 4)
	for tick := range 60 * cfg.TickRate {
		for seat, b := range brains {
			inputs[seat] = b.Think(world)
			if seat < players {
				inputs[seat].Seq = uint32(tick + 1)
			}
		}
		world.Step(inputs)
		m.Step(world, inputs)
	}
	m.End(world)
	w.Close()
	st, err := os.Stat(Path(dir, "size-0"))
	if err != nil {
		t.Fatal(err)
	}
	return int(st.Size())
}
