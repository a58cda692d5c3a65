package test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"skirmish/game/protocol"
)

// quickPlay asks the server for a room to play in at once.
func (s *server) quickPlay() (room, url string) {
	s.t.Helper()
	resp, err := http.Post("http://"+s.addr+"/api/play", "application/json", bytes.NewBufferString(`{}`))
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Room, URL string }
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil {
		s.t.Fatalf("quick play: status %d", resp.StatusCode)
	}
	return out.Room, out.URL
}

// TestQuickPlayAndJoinInProgress: a newcomer alone gets a match with bots that starts at once;
// the next newcomer is sent into the same match while it runs and takes a bot's seat, and the
// first player's match never stops for it.
func TestQuickPlayAndJoinInProgress(t *testing.T) {
	s := startServer(t)
	id, url := s.quickPlay()
	if url != s.url() {
		t.Fatalf("quick play sends players to %s, want %s", url, s.url())
	}
	a := s.join(id, "ada")
	running := a.waitState(protocol.StateRunning, 0)

	again, _ := s.quickPlay()
	if again != id {
		t.Fatalf("the second newcomer was sent to room %s, want the match in play %s", again, id)
	}
	b := s.join(id, "ada") // the same name: the server tells them apart
	seat := b.seat()
	a.waitFor("a joined event", func() bool {
		return slices.ContainsFunc(a.events, func(e protocol.Event) bool { return e.Kind == protocol.EventJoined && e.A == seat && e.Text == "ada 2" })
	})
	start := a.tickCount()
	a.waitFor("ticks after the join", func() bool { return len(a.ticks) > start+30 })
	assertRunningSince(t, a, running)
	b.waitFor("the newcomer playing", func() bool {
		return len(b.statuses) > 0 && b.statuses[len(b.statuses)-1].State == protocol.StateRunning
	})
}
