package test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"skirmish/game/protocol"
	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
	"skirmish/server/internal/ssetest"
)

// TestTwoPlayersAndTwoBotsPlay: snapshots arrive tick after tick and inputs are acknowledged.
func TestTwoPlayersAndTwoBotsPlay(t *testing.T) {
	s := startServer(t)
	id := s.createRoom(4, 2)
	a, b := s.join(id, "ada"), s.join(id, "bob")
	if a.seat() == b.seat() {
		t.Fatalf("both players got seat %d", a.seat())
	}
	a.waitState(protocol.StateRunning, 0)
	stop := make(chan struct{})
	defer close(stop)
	a.play(stop)
	b.play(stop)
	for _, p := range []*player{a, b} {
		p.waitFor("60 snapshots and an acknowledged input", func() bool { return len(p.ticks) >= 60 && p.lastSeq > 0 })
		p.mu.Lock()
		for i := 1; i < len(p.ticks); i++ {
			if p.ticks[i] <= p.ticks[i-1] {
				t.Errorf("tick %d after %d", p.ticks[i], p.ticks[i-1])
			}
		}
		p.mu.Unlock()
	}
}

// TestCheerReachesPlayersAndSpectators: a spectator's reaction posted over HTTP arrives as an
// event for the players and on the spectator feed.
func TestCheerReachesPlayersAndSpectators(t *testing.T) {
	s := startServer(t)
	id := s.createRoom(2, 1)
	a := s.join(id, "ada")
	a.waitState(protocol.StateRunning, 0)
	es := ssetest.Open(t, "http://"+s.addr+"/rooms/"+id+"/events", ssetest.Options{})
	es.UntilState("running")
	resp, err := http.Post("http://"+s.addr+"/api/rooms/"+id+"/cheers", "application/json", strings.NewReader(`{"text":"🎯"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("cheer: status %d", resp.StatusCode)
	}
	a.waitFor("the cheer", func() bool {
		return slices.ContainsFunc(a.events, func(e protocol.Event) bool { return e.Kind == protocol.EventCheer && e.Text == "🎯" })
	})
	evs := es.Until("cheer")
	if got := ssetest.Decode[struct{ Text string }](t, evs[len(evs)-1]).Text; got != "🎯" {
		t.Fatalf("spectator saw cheer %q", got)
	}
}

// TestRematch: a match that ends shows the results, then the same room counts down and plays
// a fresh match with the same seats.
func TestRematch(t *testing.T) {
	s := startServer(t, func(_ *config.Config, o *app.Options) { o.Room.TimeLimit = 30 })
	id := s.createRoom(2, 1)
	a := s.join(id, "ada")
	seat := a.seat()
	running := a.waitState(protocol.StateRunning, 0)
	ended := a.waitState(protocol.StateEnded, running)
	a.mu.Lock()
	results := a.statuses[ended].Results
	a.mu.Unlock()
	if len(results) != 2 || !slices.ContainsFunc(results, func(r protocol.Result) bool { return r.Seat == seat }) {
		t.Fatalf("results %+v, want both seats", results)
	}
	a.waitFor("the match-over event", func() bool {
		return slices.ContainsFunc(a.events, func(e protocol.Event) bool { return e.Kind == protocol.EventMatchOver })
	})
	again := a.waitState(protocol.StateCountdown, ended)
	a.waitState(protocol.StateRunning, again)
	a.waitFor("the new match's first ticks", func() bool {
		n := len(a.ticks)
		return n > 2 && a.ticks[n-1] < 30 && a.ticks[n-1] > a.ticks[n-2]
	})
}
