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
// joins mid-match, and returns the record's path and the final world.
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

// TestRetention: once retaining, past MaxSize the oldest finished records go first, a record
// still being written is never cut, and records an earlier run left count too.
func TestRetention(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "matches", "old-0.jsonl")
	if err := os.MkdirAll(filepath.Dir(old), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(old, bytes.Repeat([]byte("x"), 3000), 0o644); err != nil {
		t.Fatal(err)
	}
	var kept int64
	w, err := NewWriter(dir, slog.New(slog.DiscardHandler), Options{MaxSize: 10_000, Kept: func(n int64) { kept = n }})
	if err != nil {
		t.Fatal(err)
	}
	w.Retain()
	world := idleWorld(t)
	inputs := make([]game.Input, 2)
	record := func(room string, ticks int, end bool) {
		m := w.Begin(room, 0, world)
		for range ticks {
			world.Step(inputs)
			m.Step(world.Tick, inputs)
		}
		if end {
			m.End(world)
		}
	}
	record("a", 64, true)  // about 2 KB: with the old record it fits
	record("b", 64, false) // still being written when the next one pushes past the bound
	record("c", 320, true) // about 7 KB: the old record and a go, b stays
	w.Close()
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(dir, "matches", name))
		return err == nil
	}
	for name, want := range map[string]bool{"old-0.jsonl": false, "a-0.jsonl": false, "b-0.jsonl": true, "c-0.jsonl": true} {
		if exists(name) != want {
			t.Errorf("%s kept %v, want %v", name, exists(name), want)
		}
	}
	if kept <= 0 || kept > 10_000 {
		t.Errorf("kept %d bytes, want the records' size within the bound", kept)
	}
}

// TestWriteFailuresCounted: every chunk that fails to reach the disk is reported, not just
// the first.
func TestWriteFailuresCounted(t *testing.T) {
	dir := t.TempDir()
	// A directory where the record's file should be makes every write of it fail.
	if err := os.MkdirAll(filepath.Join(dir, "matches", "r-0.jsonl"), 0o755); err != nil {
		t.Fatal(err)
	}
	failed := map[string]int{}
	w, err := NewWriter(dir, slog.New(slog.DiscardHandler), Options{OnError: func(what string, _ error) { failed[what]++ }})
	if err != nil {
		t.Fatal(err)
	}
	world := idleWorld(t)
	m := w.Begin("r", 0, world)
	inputs := make([]game.Input, 2)
	for range 3 * flushTicks {
		world.Step(inputs)
		m.Step(world.Tick, inputs)
	}
	m.End(world)
	w.Close()
	if failed["record"] != 4 {
		t.Fatalf("failures reported %v, want 4 record writes (three chunks of steps and the end)", failed)
	}
}

// idleWorld returns a world of two seats on the arena, for records whose content does not
// matter.
func idleWorld(t *testing.T) *game.World {
	t.Helper()
	mp, err := game.LoadMap("arena")
	if err != nil {
		t.Fatal(err)
	}
	return game.NewWorld(game.DefaultConfig(2, 30), mp)
}
