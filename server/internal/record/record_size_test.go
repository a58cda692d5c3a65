package record

import (
	"bytes"
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
		views   bool // the players' inputs say what they saw, by a lag that drifts
		max     int  // bytes per minute
	}{
		{"bots only", 0, false, 2_500},
		{"one player and three bots", 1, false, 7_000},
		{"one player with views and three bots", 1, true, 7_000},
		{"four players", 4, false, 22_000},
		{"four players with views", 4, true, 22_000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			size, views := recordMinute(t, tt.players, tt.views)
			t.Logf("%s: %d bytes per minute, %d of them for the views", tt.name, size, views)
			if size > tt.max {
				t.Errorf("%s: %d bytes per minute, want at most %d", tt.name, size, tt.max)
			}
		})
	}
}

// recordMinute records a minute of a four-seat match whose first players seats are players,
// whose inputs carry views if views is set, and returns the record's size and how much
// smaller the same record is with every view left out.
func recordMinute(t *testing.T, players int, views bool) (size, viewBytes int) {
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
			if seat < players && views {
				inputs[seat].View = uint32(max(tick-lagOf(seat, tick), 0))
			}
		}
		world.Step(inputs)
		m.Step(world, inputs)
	}
	m.End(world)
	w.Close()
	data, err := os.ReadFile(Path(dir, "size-0"))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rec.Frames {
		for _, tick := range f.Inputs {
			for seat := range tick {
				tick[seat].View = 0
			}
		}
	}
	bare, err := rec.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return len(data), len(data) - len(bare)
}
