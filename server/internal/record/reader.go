package record

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"skirmish/game"
)

// ErrRecord is wrapped by every error about a record that cannot be read or replayed.
var ErrRecord = errors.New("bad match record")

// Record is a match record read back: its header, what happened between the steps, and its
// end (nil for a record whose match was cut off before it ended, e.g. by a crash).
type Record struct {
	Header Header
	Steps  []Step
	End    *End
}

// Step is one line of a record between header and end: either the inputs of the steps from
// Tick on, or a SetActive call made after tick At.
type Step struct {
	Tick   uint32
	Inputs [][]game.Input // one list per tick, one input per seat
	At     uint32
	Active *[2]int // seat, on (1) or off (0)
}

// line is any line after the header.
type line struct {
	Tick   *uint32      `json:"tick"`
	Inputs [][][5]int64 `json:"inputs"` // an older record's inputs have no view: 0
	At     *uint32      `json:"at"`
	Active *[2]int      `json:"active"`
	End    *uint32      `json:"end"`
	Hash   string       `json:"hash"`
	Over   bool         `json:"over"`
}

// maxLine bounds one line of a record: 32 ticks of 8 seats of inputs fit many times over.
const maxLine = 1 << 20

// Read reads a record.
func Read(r io.Reader) (*Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, maxLine)
	rec := &Record{}
	if !sc.Scan() {
		return nil, fmt.Errorf("%w: empty (%v)", ErrRecord, sc.Err())
	}
	if err := json.Unmarshal(sc.Bytes(), &rec.Header); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrRecord, err)
	}
	for n := 2; sc.Scan(); n++ {
		if rec.End != nil {
			return nil, fmt.Errorf("%w: line %d follows the end", ErrRecord, n)
		}
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrRecord, n, err)
		}
		switch {
		case l.Tick != nil:
			st := Step{Tick: *l.Tick, Inputs: make([][]game.Input, len(l.Inputs))}
			for i, tick := range l.Inputs {
				st.Inputs[i] = make([]game.Input, len(tick))
				for seat, in := range tick {
					st.Inputs[i][seat] = game.Input{Seq: uint32(in[0]), Buttons: game.Buttons(in[1]), AimX: int16(in[2]), AimY: int16(in[3]), View: uint32(in[4])}
				}
			}
			rec.Steps = append(rec.Steps, st)
		case l.At != nil && l.Active != nil:
			rec.Steps = append(rec.Steps, Step{At: *l.At, Active: l.Active})
		case l.End != nil:
			rec.End = &End{End: *l.End, Hash: l.Hash, Over: l.Over}
		default:
			return nil, fmt.Errorf("%w: line %d is neither inputs, a seat change nor the end", ErrRecord, n)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRecord, err)
	}
	return rec, nil
}

// Replay re-simulates the record from its header and returns the final world; observe, when
// set, sees the world after every step (its Events say what the step did). With an end line
// it also checks that the replay ends at the recorded tick and hash.
func (rec *Record) Replay(observe func(*game.World)) (*game.World, error) {
	mp, err := game.LoadMap(rec.Header.Map)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRecord, err)
	}
	if err := rec.Header.Config.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRecord, err)
	}
	w := game.NewWorld(rec.Header.Config, mp)
	seats := len(w.Ships)
	activate := func(op [2]int) error {
		if op[0] < 0 || op[0] >= seats {
			return fmt.Errorf("%w: seat %d of %d", ErrRecord, op[0], seats)
		}
		w.SetActive(op[0], op[1] == 1)
		return nil
	}
	for _, op := range rec.Header.Setup {
		if err := activate(op); err != nil {
			return nil, err
		}
	}
	for _, st := range rec.Steps {
		if st.Active != nil {
			if st.At != w.Tick {
				return nil, fmt.Errorf("%w: a seat change after tick %d at world tick %d", ErrRecord, st.At, w.Tick)
			}
			if err := activate(*st.Active); err != nil {
				return nil, err
			}
			continue
		}
		for i, inputs := range st.Inputs {
			if w.Tick+1 != st.Tick+uint32(i) {
				return nil, fmt.Errorf("%w: inputs of tick %d at world tick %d", ErrRecord, st.Tick+uint32(i), w.Tick)
			}
			if len(inputs) != seats {
				return nil, fmt.Errorf("%w: %d inputs at tick %d for %d seats", ErrRecord, len(inputs), st.Tick+uint32(i), seats)
			}
			w.Step(inputs)
			if observe != nil {
				observe(w)
			}
		}
	}
	if end := rec.End; end != nil {
		if got := strconv.FormatUint(w.Hash(), 16); w.Tick != end.End || got != end.Hash {
			return w, fmt.Errorf("%w: the replay ends at tick %d with hash %s, the record at tick %d with hash %s",
				ErrRecord, w.Tick, got, end.End, end.Hash)
		}
	}
	return w, nil
}
