package replay

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/record"
)

// begin starts recording a match of cfg on the map mapName under dir, as room's first.
func begin(tb testing.TB, dir, room, mapName string, cfg game.Config) (*record.Writer, *game.World, *record.Match) {
	tb.Helper()
	w, err := record.NewWriter(dir, slog.New(slog.NewTextHandler(io.Discard, nil)), record.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	mp, err := game.LoadMap(mapName)
	if err != nil {
		tb.Fatal(err)
	}
	world := game.NewWorld(cfg, mp)
	return w, world, w.Begin(room, 0, world, time.Now())
}

// recorded plays a match of ticks ticks on the pillars map, with a player in seat 0 (whose
// inputs a brain chooses, its shots compensated for lag) and bots in the other three, records it under dir and returns the
// record read back and the world's hash after every tick.
func recorded(tb testing.TB, dir string, ticks int) (*record.Record, []uint64) {
	tb.Helper()
	cfg := game.DefaultConfig(4, 30)
	cfg.Seed, cfg.FragLimit, cfg.TimeLimit = 3, 1000, ticks
	w, world, m := begin(tb, dir, "tl", "pillars", cfg)
	brains := make([]*game.Bot, 4)
	for seat := range brains {
		world.SetActive(seat, true)
		m.SetActive(0, seat, true)
		brains[seat] = game.NewBot(seat, uint64(seat)*11, game.BotHard)
		if seat == 0 {
			m.Player(0, seat, "ada")
		} else {
			m.Bot(0, seat, uint64(seat)*11, game.BotHard, "bot")
		}
	}
	hashes := []uint64{world.Hash()}
	inputs := make([]game.Input, 4)
	for !world.Over {
		for seat, b := range brains {
			inputs[seat] = b.Think(world)
		}
		// The player sees the others five ticks late: its shots are rewound, from the
		// ships' past that a keyframe keeps.
		inputs[0].Seq, inputs[0].View = world.Tick+1, max(world.Tick, 5)-5
		world.Step(inputs)
		m.Step(world, inputs)
		hashes = append(hashes, world.Hash())
	}
	m.End(world)
	w.Close()
	rec, err := record.ReadFile(record.Path(dir, "tl-0"))
	if err != nil {
		tb.Fatal(err)
	}
	return rec, hashes
}

// TestSeekFindsTheMatch: from any tick, a timeline's world is the one the match had then.
func TestSeekFindsTheMatch(t *testing.T) {
	rec, hashes := recorded(t, t.TempDir(), 2*keyEvery+40)
	tl, err := NewTimeline(rec)
	if err != nil {
		t.Fatal(err)
	}
	if tl.Ticks != uint32(len(hashes)-1) || tl.ID != "tl-0" {
		t.Fatalf("timeline %s of %d ticks, the match had %d", tl.ID, tl.Ticks, len(hashes)-1)
	}
	for tick := range tl.Ticks + 1 {
		c := tl.seek(tick)
		if c.w.Tick != tick || c.w.Hash() != hashes[tick] {
			t.Fatalf("seek(%d) finds tick %d hash %x, the match had %x", tick, c.w.Tick, c.w.Hash(), hashes[tick])
		}
	}
	// Stepping on from a seek goes where the match went, to its end and results.
	c := tl.seek(keyEvery - 3)
	for !c.done() {
		c.step()
		if c.w.Hash() != hashes[c.w.Tick] {
			t.Fatalf("stepping from a seek, tick %d differs", c.w.Tick)
		}
	}
	var st protocol.Status
	c.status(&st)
	if st.State != protocol.StateEnded || len(st.Results) != 4 || st.Players[0].Name != "ada" || st.Players[0].Bot || !st.Players[1].Bot {
		t.Fatalf("the status at the end: %+v", st)
	}
}
