package game_test

import (
	"fmt"

	"skirmish/game"
)

// A match between a bot and a ship that only turns on the spot, stepped to its end.
func Example() {
	m, err := game.LoadMap("arena")
	if err != nil {
		panic(err)
	}
	cfg := game.DefaultConfig(2, 30)
	cfg.FragLimit = 3
	w := game.NewWorld(cfg, m)
	w.SetActive(0, true)
	w.SetActive(1, true)
	bot := game.NewBot(0, 1, game.BotNormal)
	inputs := make([]game.Input, cfg.Seats)
	for !w.Over {
		inputs[0] = bot.Think(w)
		inputs[1] = game.Input{Seq: w.Tick + 1, AimX: 1}
		w.Step(inputs)
		for _, e := range w.Events {
			if e.Kind == game.EventFrag {
				fmt.Printf("seat %d fragged seat %d\n", e.A, e.B)
			}
		}
	}
	fmt.Println("winner:", w.Winner, w.Results())
	// Output:
	// seat 0 fragged seat 1
	// seat 0 fragged seat 1
	// seat 0 fragged seat 1
	// winner: 0 [{0 3 0} {1 0 3}]
}
