package spectate_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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

// fleetStore is a fleet's store of one room's feed, shared by the relays of two hubs. While
// lagging, what is published waits for release before it reaches the followers.
type fleetStore struct {
	mu        sync.Mutex
	lagging   bool
	held      [][]byte
	followers map[int]func([]byte)
	next      int
}

// storeRelay is one hub's relay to a fleetStore; elsewhere says whether another node runs
// the room.
type storeRelay struct {
	store     *fleetStore
	elsewhere atomic.Bool
}

func (r *storeRelay) Publish(_ string, _ uint64, _ string, wire []byte) {
	s := r.store
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lagging {
		s.held = append(s.held, bytes.Clone(wire))
		return
	}
	for _, deliver := range s.followers {
		deliver(wire)
	}
}

func (r *storeRelay) Elsewhere(string) bool { return r.elsewhere.Load() }

func (r *storeRelay) Follow(_ string, deliver func([]byte)) (func(), <-chan struct{}, error) {
	s := r.store
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.next
	s.next++
	if s.followers == nil {
		s.followers = map[int]func([]byte){}
	}
	s.followers[id] = deliver
	caughtUp := make(chan struct{})
	close(caughtUp)
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.followers, id)
	}, caughtUp, nil
}

// release ends the lag: what was held reaches the followers.
func (s *fleetStore) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lagging = false
	for _, wire := range s.held {
		for _, deliver := range s.followers {
			deliver(wire)
		}
	}
	s.held = nil
}

// TestHandoverKeepsWhatTheRelayHadNotCarried: a room handed to the node that relayed it to its
// spectators: the events its old node published before the checkpoint, still on their way
// through the fleet, reach those spectators before the room goes on from its new node, with
// no id missing.
func TestHandoverKeepsWhatTheRelayHadNotCarried(t *testing.T) {
	store := &fleetStore{}
	oldRelay, newRelay := &storeRelay{store: store}, &storeRelay{store: store}
	newRelay.elsewhere.Store(true)
	oldOpts, newOpts := fastOpts, fastOpts
	oldOpts.Relay, newOpts.Relay = oldRelay, newRelay
	oldNode, newNode := newServer(t, oldOpts), newServer(t, newOpts)
	room := newRoom(t, oldNode.hub, "r", 4)
	room.step(1)
	es := ssetest.Open(t, newNode.URL+"/rooms/r/events", ssetest.Options{})
	room.step(1)
	es.Until("snapshot")

	// The fleet falls behind while the old node plays on to a frag, and hands the room over.
	store.mu.Lock()
	store.lagging = true
	store.mu.Unlock()
	room.stepUntil(t, game.EventFrag, 3000)
	saved := oldNode.hub.AppendFeed(nil, "r")
	time.AfterFunc(100*time.Millisecond, store.release)
	newRelay.elsewhere.Store(false)
	if err := newNode.hub.RestoreFeed("r", saved, true); err != nil {
		t.Fatal(err)
	}
	room.obs = newNode.hub
	room.step(1)

	var state struct{ Last int }
	if err := json.Unmarshal(saved, &state); err != nil {
		t.Fatal(err)
	}
	var evs []ssetest.Event
	for len(evs) == 0 || ssetest.ID(t, evs[len(evs)-1].ID) <= state.Last {
		evs = append(evs, es.Must())
	}
	if !slices.ContainsFunc(evs, func(ev ssetest.Event) bool { return ev.Type == "frag" }) {
		t.Fatalf("the spectator missed the frag before the handover: %v", evs)
	}
	for i := 1; i < len(evs); i++ {
		if prev, id := ssetest.ID(t, evs[i-1].ID), ssetest.ID(t, evs[i].ID); id != prev+1 {
			t.Fatalf("the spectator got id %d after %d", id, prev)
		}
	}
}
