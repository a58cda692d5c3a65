package test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
)

// TestMatchRecordReplays: the record a room writes under -data replays the match exactly:
// the same inputs on the same initial state end in the recorded state hash.
func TestMatchRecordReplays(t *testing.T) {
	s := startServer(t, func(_ *config.Config, o *app.Options) { o.Room.TimeLimit = 90 })
	id := s.createRoom(3, 1)
	a, b := s.join(id, "ada"), s.join(id, "bob")
	running := a.waitState(protocol.StateRunning, 0)
	stop := make(chan struct{})
	defer close(stop)
	a.play(stop)
	b.play(stop)
	a.waitState(protocol.StateEnded, running)

	path := filepath.Join(s.data, "matches", id+"-0.jsonl")
	var lines [][]byte
	deadline := time.Now().Add(waitTimeout)
	for {
		lines = readLines(t, path)
		if len(lines) > 0 && json.Valid(lines[len(lines)-1]) && hasKey(lines[len(lines)-1], "end") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no finished record at %s (%d lines)", path, len(lines))
		}
		time.Sleep(10 * time.Millisecond)
	}

	var head struct {
		Map    string      `json:"map"`
		Config game.Config `json:"config"`
		Setup  [][2]int    `json:"setup"`
	}
	if err := json.Unmarshal(lines[0], &head); err != nil {
		t.Fatalf("header: %v", err)
	}
	mp, err := game.LoadMap(head.Map)
	if err != nil {
		t.Fatal(err)
	}
	w := game.NewWorld(head.Config, mp)
	for _, op := range head.Setup {
		w.SetActive(op[0], op[1] == 1)
	}
	for _, line := range lines[1 : len(lines)-1] {
		var chunk struct {
			Tick   uint32       `json:"tick"`
			Inputs [][][4]int64 `json:"inputs"`
		}
		if err := json.Unmarshal(line, &chunk); err != nil {
			t.Fatalf("inputs: %v", err)
		}
		for i, tick := range chunk.Inputs {
			if w.Tick+1 != chunk.Tick+uint32(i) {
				t.Fatalf("record jumps to tick %d at world tick %d", chunk.Tick+uint32(i), w.Tick)
			}
			inputs := make([]game.Input, len(tick))
			for seat, in := range tick {
				inputs[seat] = game.Input{Seq: uint32(in[0]), Buttons: game.Buttons(in[1]), AimX: int16(in[2]), AimY: int16(in[3])}
			}
			w.Step(inputs)
		}
	}
	var end struct {
		End  uint32 `json:"end"`
		Hash string `json:"hash"`
		Over bool   `json:"over"`
	}
	if err := json.Unmarshal(lines[len(lines)-1], &end); err != nil {
		t.Fatal(err)
	}
	if got := strconv.FormatUint(w.Hash(), 16); w.Tick != end.End || got != end.Hash || !end.Over {
		t.Fatalf("replay ends at tick %d hash %s, record says tick %d hash %s (over %v)", w.Tick, got, end.End, end.Hash, end.Over)
	}
}

func readLines(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	return lines
}

func hasKey(line []byte, key string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(line, &m) != nil {
		return false
	}
	_, ok := m[key]
	return ok
}
