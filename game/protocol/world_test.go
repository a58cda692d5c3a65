package protocol

import (
	"testing"

	"skirmish/game"
)

// playWorld runs a match of seats bot-driven ships for ticks steps on the arena map and calls
// each after every step. The bots' inputs carry rising sequence numbers, as a human's would,
// so that LastSeq changes every tick like in a match between people.
func playWorld(tb testing.TB, seats, ticks int, each func(w *game.World)) {
	tb.Helper()
	m, err := game.LoadMap("arena")
	if err != nil {
		tb.Fatal(err)
	}
	cfg := game.DefaultConfig(seats, 30)
	cfg.Seed = 42
	w := game.NewWorld(cfg, m)
	bots := make([]*game.Bot, seats)
	for i := range bots {
		w.SetActive(i, true)
		bots[i] = game.NewBot(i, uint64(i)+1, game.BotNormal)
	}
	inputs := make([]game.Input, seats)
	for range ticks {
		for i, b := range bots {
			inputs[i] = b.Think(w)
			inputs[i].Seq = w.Tick + 1
		}
		w.Step(inputs)
		each(w)
	}
}
