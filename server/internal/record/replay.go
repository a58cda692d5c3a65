package record

import (
	"fmt"

	"skirmish/game"
)

// Divergence is the error of a replay that departs from its record: the state after Tick is
// not the one the match had (its check byte differs). Every tick before it matched.
type Divergence struct {
	Tick          uint32
	Recorded, Got uint8 // the check bytes
}

func (d *Divergence) Error() string {
	return fmt.Sprintf("the replay departs from the record at tick %d (check %#02x, the record has %#02x)", d.Tick, d.Got, d.Recorded)
}

// Unwrap makes a Divergence an ErrRecord.
func (d *Divergence) Unwrap() error { return ErrRecord }

// Start returns the world the record's match starts from, before any frame.
func (rec *Record) Start() (*game.World, error) {
	mp, err := game.LoadMap(rec.Header.Map)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRecord, err)
	}
	if err := rec.Header.Config.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRecord, err)
	}
	return game.NewWorld(rec.Header.Config, mp), nil
}

// Ticks is the last tick the record holds.
func (rec *Record) Ticks() uint32 {
	for i := len(rec.Frames) - 1; i >= 0; i-- {
		if f := &rec.Frames[i]; f.Kind == KindTicks {
			return f.Tick + uint32(len(f.Inputs)) - 1
		}
	}
	return 0
}

// Replay re-simulates the record from its header and returns the final world. Bots are run
// again from their seeds. observe, when set, sees the world after every step with the inputs
// it took (its Events say what the step did; neither may be kept). Replay checks every tick
// against the record and stops at the first that differs with a *Divergence; with an end it
// also checks that the replay ends at the recorded tick and hash.
func (rec *Record) Replay(observe func(w *game.World, inputs []game.Input)) (*game.World, error) {
	w, err := rec.Start()
	if err != nil {
		return nil, err
	}
	bots := make([]*game.Bot, len(w.Ships))
	inputs := make([]game.Input, len(w.Ships))
	for _, f := range rec.Frames {
		if f.Kind != KindTicks {
			if f.Tick != w.Tick {
				return nil, fmt.Errorf("%w: a seat change after tick %d at world tick %d", ErrRecord, f.Tick, w.Tick)
			}
			switch f.Kind {
			case KindActive:
				w.SetActive(f.Seat, f.On)
			case KindBot:
				bots[f.Seat] = game.NewBot(f.Seat, f.Seed, f.Level)
			default:
				bots[f.Seat] = nil
			}
			continue
		}
		for i, in := range f.Inputs {
			if w.Tick+1 != f.Tick+uint32(i) {
				return nil, fmt.Errorf("%w: inputs of tick %d at world tick %d", ErrRecord, f.Tick+uint32(i), w.Tick)
			}
			copy(inputs, in)
			for seat, b := range bots {
				if b != nil {
					inputs[seat] = b.Think(w)
				}
			}
			w.Step(inputs)
			if got := check(w); got != f.Checks[i] {
				return w, &Divergence{Tick: w.Tick, Recorded: f.Checks[i], Got: got}
			}
			if observe != nil {
				observe(w, inputs)
			}
		}
	}
	if end := rec.End; end != nil {
		if w.Tick != end.Tick || w.Hash() != end.Hash {
			return w, fmt.Errorf("%w: the replay ends at tick %d with hash %x, the record at tick %d with hash %x",
				ErrRecord, w.Tick, w.Hash(), end.Tick, end.Hash)
		}
	}
	return w, nil
}
