package record

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"skirmish/game"
)

// play records a match of three bots on a fresh writer under dir, with a fourth seat that
// joins mid-match and every seat's shots compensated for a different lag, and returns the
// record's path and the final world.
func play(t *testing.T, dir string, ticks int) (string, *game.World) {
	t.Helper()
	w, err := NewWriter(dir, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	mp, err := game.LoadMap("arena")
	if err != nil {
		t.Fatal(err)
	}
	cfg := game.DefaultConfig(4, 30)
	cfg.Seed = 42
	world := game.NewWorld(cfg, mp)
	m := w.Begin("room1", 0, world)
	bots := make([]*game.Bot, 4)
	for seat := range 3 {
		world.SetActive(seat, true)
		m.SetActive(world.Tick, seat, true)
	}
	for seat := range bots {
		bots[seat] = game.NewBot(seat, uint64(seat)+7, game.BotNormal)
	}
	inputs := make([]game.Input, 4)
	for tick := range ticks {
		if tick == ticks/2 {
			world.SetActive(3, true)
			m.SetActive(world.Tick, 3, true)
		}
		for seat, b := range bots {
			inputs[seat] = b.Think(world)
			// Seats see the others late by 0, 3, 6 and 9 ticks: their shots are rewound.
			inputs[seat].View = max(world.Tick+1, uint32(3*seat)) - uint32(3*seat)
		}
		world.Step(inputs)
		m.Step(world.Tick, inputs)
	}
	m.End(world)
	w.Close()
	return filepath.Join(dir, "matches", "room1-0.jsonl"), world
}

func TestRecordReplaysWithASeatTakenMidMatch(t *testing.T) {
	path, want := play(t, t.TempDir(), 200)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rec, err := Read(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rec.Replay(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Tick != want.Tick || got.Hash() != want.Hash() || !got.Ships[3].Active {
		t.Fatalf("replay ends at tick %d hash %x, want %d %x with the late seat active", got.Tick, got.Hash(), want.Tick, want.Hash())
	}
}

func TestBadRecords(t *testing.T) {
	path, _ := play(t, t.TempDir(), 100)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(good), "\n")
	tests := []struct {
		name   string
		record string
		replay bool // the record reads but does not replay
	}{
		{"empty", "", false},
		{"header not JSON", "{\n" + strings.Join(lines[1:], ""), false},
		{"unknown line", lines[0] + `{"what":1}` + "\n", false},
		{"line after the end", string(good) + lines[1], false},
		{"a seat out of range", strings.Replace(string(good), `"setup":[[0,`, `"setup":[[9,`, 1), false},
		// The first input's seq, unlike its buttons, is the same whatever the bots choose.
		{"an input changed", lines[0] + strings.Replace(lines[1], `"inputs":[[[0,`, `"inputs":[[[1,`, 1) + strings.Join(lines[2:], ""), true},
		{"a tick missing", lines[0] + strings.Join(lines[2:], ""), true},
		{"wrong hash", strings.Replace(string(good), `"hash":"`, `"hash":"0`, 1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := Read(bytes.NewReader([]byte(tt.record)))
			if !tt.replay {
				if err == nil {
					_, err = rec.Replay(nil)
				}
				if !errors.Is(err, ErrRecord) {
					t.Fatalf("got %v, want a bad record", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if _, err := rec.Replay(nil); !errors.Is(err, ErrRecord) {
				t.Fatalf("replay: %v, want a bad record", err)
			}
		})
	}
}
