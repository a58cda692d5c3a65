package record

import (
	"testing"

	"skirmish/game"
)

// BenchmarkMatchStep is what recording costs a room's tick: the check byte and a player's
// input coded, with the view it carries, for four seats of which two are players.
func BenchmarkMatchStep(b *testing.B) {
	cfg := game.DefaultConfig(4, 30)
	cfg.Seed, cfg.FragLimit = 5, 1000
	w, world, m := begin(b, b.TempDir(), "bench", cfg)
	defer w.Close()
	brains := make([]*game.Bot, 4)
	for seat := range brains {
		brains[seat] = game.NewBot(seat, uint64(seat), game.BotNormal)
		world.SetActive(seat, true)
		m.SetActive(0, seat, true)
		if seat < 2 {
			m.Player(0, seat, "p")
		} else {
			m.Bot(0, seat, uint64(seat), game.BotNormal, "bot")
		}
	}
	// The inputs of a few hundred ticks, played again and again: a record's cost does not
	// depend on which world it checks.
	var worlds []*game.World
	var inputs [][]game.Input
	for tick := range 300 {
		in := make([]game.Input, 4)
		for seat, br := range brains {
			in[seat] = br.Think(world)
			in[seat].Seq, in[seat].View = uint32(tick+1), uint32(max(tick-lagOf(seat, tick), 0))
		}
		world.Step(in)
		worlds, inputs = append(worlds, world.Clone()), append(inputs, in)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Step(worlds[i%len(worlds)], inputs[i%len(inputs)])
		i++
	}
}
