package test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"skirmish/game/protocol"
	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
	"skirmish/server/internal/record"
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

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rec, err := record.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if rec.End == nil || !rec.End.Over {
		t.Fatalf("record end %+v, want a match that ended", rec.End)
	}
	if _, err := rec.Replay(nil); err != nil {
		t.Fatal(err)
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
