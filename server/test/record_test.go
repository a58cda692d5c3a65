package test

import (
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

	path := record.Path(s.data, record.MatchID(id, 0))
	deadline := time.Now().Add(waitTimeout)
	for !record.Finished(path) {
		if time.Now().After(deadline) {
			t.Fatalf("no finished record at %s", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
	rec, err := record.ReadFile(path)
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
