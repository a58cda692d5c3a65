package game

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// match runs the reference match: 8 seats on arena at 30 Hz, seats 0..3 steered by bots of
// every level and 4..7 by scripted inputs with their shots compensated for lag, one seat
// leaving and coming back. It returns the hash after every
// tick and the final World.
func match(t testing.TB, ticks int) ([]uint64, *World) {
	t.Helper()
	m, err := LoadMap("arena")
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig(8, 30)
	cfg.Seed = 42
	cfg.FragLimit = 1000
	cfg.TimeLimit = 0
	w := NewWorld(cfg, m)
	bots := make([]*Bot, 4)
	for seat := range 8 {
		w.SetActive(seat, true)
		if seat < 4 {
			bots[seat] = NewBot(seat, uint64(seat)*7919, levels[seat%len(levels)])
		}
	}
	inputs := make([]Input, 8)
	hashes := make([]uint64, 0, ticks)
	for tick := range ticks {
		for seat := range 8 {
			if seat < 4 {
				inputs[seat] = bots[seat].Think(w)
			} else {
				inputs[seat] = scripted(seat, tick)
			}
		}
		switch tick {
		case 700:
			w.SetActive(6, false)
		case 900:
			w.SetActive(6, true)
		}
		w.Step(inputs)
		hashes = append(hashes, w.Hash())
	}
	return hashes, w
}

// scripted is a fixed input pattern: wander in changing directions, sweep the aim, fire often,
// and see the others as late as a player on a good, a slow and a very slow link, or beyond
// the bound of the rewind.
func scripted(seat, tick int) Input {
	dirs := [...]Buttons{ButtonUp, ButtonUp | ButtonRight, ButtonRight, ButtonDown | ButtonRight, ButtonDown, ButtonDown | ButtonLeft, ButtonLeft, ButtonUp | ButtonLeft}
	in := Input{Seq: uint32(tick + 1), Buttons: dirs[(tick/(20+seat*3)+seat)%len(dirs)]}
	if (tick/7+seat)%3 != 0 {
		in.Buttons |= ButtonFire
	}
	in.AimX = int16((tick*13+seat*100)%400 - 200)
	in.AimY = int16((tick*7+seat*50)%300 - 150)
	lag := [...]int{0, 4, 9, 40}[seat%4]
	in.View = uint32(max(tick+1-lag, 0))
	return in
}

func TestDeterminism(t *testing.T) {
	const ticks = 2000
	first, w := match(t, ticks)
	second, _ := match(t, ticks)
	for i := range first {
		if first[i] != second[i] {
			t.Fatalf("tick %d: hash %016x on the first run, %016x on the second", i+1, first[i], second[i])
		}
	}
	frags := 0
	for _, s := range w.Ships {
		frags += int(s.Frags)
	}
	if frags < 10 {
		t.Errorf("only %d frags in %d ticks of 8 ships: the match is not being played", frags, ticks)
	}

	// The golden file pins the outcome across versions: a change to the rules must be
	// deliberate and come with `go test ./game -run Determinism -update`.
	var b strings.Builder
	for i := 99; i < ticks; i += 100 {
		fmt.Fprintf(&b, "tick %4d %016x\n", i+1, first[i])
	}
	for _, r := range w.Results() {
		fmt.Fprintf(&b, "seat %d frags %d deaths %d\n", r.Seat, r.Frags, r.Deaths)
	}
	golden(t, "determinism.golden", b.String())
}

func TestCloneThenStepEqualsStep(t *testing.T) {
	_, w := match(t, 300)
	c := w.Clone()
	bots := []*Bot{NewBot(0, 1, BotNormal), NewBot(1, 2, BotNormal)}
	botsC := []*Bot{NewBot(0, 1, BotNormal), NewBot(1, 2, BotNormal)}
	inputs := make([]Input, 8)
	inputsC := make([]Input, 8)
	for tick := range 200 {
		for seat := range 8 {
			inputs[seat], inputsC[seat] = scripted(seat, tick), scripted(seat, tick)
		}
		inputs[0], inputsC[0] = bots[0].Think(w), botsC[0].Think(c)
		inputs[1], inputsC[1] = bots[1].Think(w), botsC[1].Think(c)
		w.Step(inputs)
		c.Step(inputsC)
		if w.Hash() != c.Hash() {
			t.Fatalf("tick %d: clone diverged", w.Tick)
		}
		if fmt.Sprint(w.Events) != fmt.Sprint(c.Events) {
			t.Fatalf("tick %d: events %v, clone %v", w.Tick, w.Events, c.Events)
		}
	}
	// The clone owns its slices: changing it leaves the original alone.
	h := w.Hash()
	c.Ships[0].Pos.X++
	if len(c.Projectiles) > 0 {
		c.Projectiles[0].TTL++
	}
	if w.Hash() != h {
		t.Error("changing the clone changed the original")
	}
}

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./game -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file:\n got:\n%s\nwant:\n%s", name, got, want)
	}
}
