package spectate_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"skirmish/game"
	"skirmish/server/internal/ssetest"
)

// TestFeedSurvivesARestart: a room's feed saved with its checkpoint and restored in another
// hub keeps its ids and history: a spectator resumes across the restart as if nothing
// happened, and after a crash one that resumes from an id the restored room never had is
// told which ids still hold.
func TestFeedSurvivesARestart(t *testing.T) {
	before := newServer(t, fastOpts)
	room := newRoom(t, before.hub, "r", 4)
	es := ssetest.Open(t, before.URL+"/rooms/r/events", ssetest.Options{})
	room.step(1)
	es.Until("snapshot")
	resumeAt := es.LastID
	es.Close()
	room.stepUntil(t, game.EventFrag, 3000)
	saved := before.hub.AppendFeed(nil, "r")
	var state struct{ Last int }
	if err := json.Unmarshal(saved, &state); err != nil || state.Last == 0 {
		t.Fatalf("saved feed %s: %v", saved, err)
	}
	last := state.Last

	t.Run("exact", func(t *testing.T) {
		after := newServer(t, fastOpts)
		if err := after.hub.RestoreFeed("r", saved, true); err != nil {
			t.Fatal(err)
		}
		back := ssetest.Open(t, after.URL+"/rooms/r/events", ssetest.Options{Header: http.Header{"Last-Event-ID": {resumeAt}}})
		room.obs = after.hub
		room.step(1)
		evs := back.Until("snapshot")
		frags := slices.IndexFunc(evs, func(ev ssetest.Event) bool { return ev.Type == "frag" })
		if frags < 0 || evs[0].Type == "reset" {
			t.Fatalf("resumed across the restart with %v, want the frag missed and no reset", evs)
		}
		if id := ssetest.ID(t, evs[len(evs)-1].ID); id <= last {
			t.Fatalf("the first event after the restart has id %d, not past %d", id, last)
		}
	})

	t.Run("after a crash", func(t *testing.T) {
		after := newServer(t, fastOpts)
		if err := after.hub.RestoreFeed("r", saved, false); err != nil {
			t.Fatal(err)
		}
		// This spectator saw an event issued after the checkpoint, before the crash.
		lost := strconv.Itoa(last + 3)
		back := ssetest.Open(t, after.URL+"/rooms/r/events", ssetest.Options{Header: http.Header{"Last-Event-ID": {lost}}})
		reset := back.Must()
		got := ssetest.Decode[struct{ ValidThrough int }](t, reset)
		if reset.Type != "reset" || got.ValidThrough != last {
			t.Fatalf("resumed from a lost id with %v, want a reset valid through %d", reset, last)
		}
		room.obs = after.hub
		room.step(1)
		if ev := back.Until("snapshot"); ssetest.ID(t, ev[len(ev)-1].ID) <= last+3 {
			t.Fatalf("an id after the crash, %s, is not past the ones issued before it", ev[len(ev)-1].ID)
		}
	})
}

// TestUnwatchedFeedKeepsNoHistory: a room nobody has watched keeps no events to resume from,
// and its checkpoint carries none; from its first spectator on it keeps them.
func TestUnwatchedFeedKeepsNoHistory(t *testing.T) {
	srv := newServer(t, fastOpts)
	room := newRoom(t, srv.hub, "r", 4)
	room.stepUntil(t, game.EventFrag, 3000)
	var state struct {
		Last   int
		Events []json.RawMessage
	}
	saved := srv.hub.AppendFeed(nil, "r")
	if err := json.Unmarshal(saved, &state); err != nil || state.Last == 0 || len(state.Events) != 0 {
		t.Fatalf("saved feed of a room nobody watched %.200s: %v, want ids and no events", saved, err)
	}

	es := ssetest.Open(t, srv.URL+"/rooms/r/events", ssetest.Options{})
	room.step(1)
	es.Until("snapshot")
	es.Close()
	room.stepUntil(t, game.EventFrag, 3000)
	saved = srv.hub.AppendFeed(nil, "r")
	if err := json.Unmarshal(saved, &state); err != nil || len(state.Events) == 0 {
		t.Fatalf("saved feed of a room watched once %.200s: %v, want its events since", saved, err)
	}
}

// quietRelay is a fleet's relay that nobody follows.
type quietRelay struct{}

func (quietRelay) Publish(string, uint64, string, []byte) {}
func (quietRelay) Elsewhere(string) bool                  { return false }
func (quietRelay) Follow(string, func([]byte)) (func(), <-chan struct{}, error) {
	return nil, nil, errors.New("not relayed")
}

// TestFleetFeedKeepsHistory: in a fleet a spectator on another node may hold any id of a
// room's feed and resume on the node that runs it, so the feed keeps its history unwatched.
func TestFleetFeedKeepsHistory(t *testing.T) {
	opts := fastOpts
	opts.Relay = quietRelay{}
	srv := newServer(t, opts)
	room := newRoom(t, srv.hub, "r", 4)
	room.stepUntil(t, game.EventFrag, 3000)
	var state struct{ Events []json.RawMessage }
	saved := srv.hub.AppendFeed(nil, "r")
	if err := json.Unmarshal(saved, &state); err != nil || len(state.Events) == 0 {
		t.Fatalf("saved feed of a fleet's room nobody watched here %.200s: %v, want its events", saved, err)
	}
}
