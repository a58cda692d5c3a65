package test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"testing"
	"time"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
	"skirmish/server/internal/record"
	"skirmish/server/internal/replay"
	"skirmish/server/internal/ssetest"
)

// replayFrag is a frag as a replay's stream tells it.
type replayFrag struct {
	Tick           uint32
	Killer, Victim int
}

// replaySnapshot is what the tests read of a replay's snapshot.
type replaySnapshot struct {
	Tick  uint32
	Rate  int
	Ships []struct{ Seat, X, Y int }
}

// TestReplays: a finished match appears in GET /api/matches; its replay streams the match
// over the spectator contract with the frags its player saw, at the speed asked; a replay
// from a tick starts at the state the match had then; bad requests are refused with a JSON
// error; and a spectator that leaves ends its replay.
func TestReplays(t *testing.T) {
	s := startServer(t, func(_ *config.Config, o *app.Options) { o.Room.TimeLimit = 360 })
	id := s.createRoom(3, 2)
	a := s.join(id, "ada")
	running := a.waitState(protocol.StateRunning, 0)
	stop := make(chan struct{})
	defer close(stop)
	a.play(stop)
	a.waitState(protocol.StateEnded, running)
	var live []replayFrag
	a.mu.Lock()
	for _, e := range a.events {
		if e.Kind == protocol.EventFrag {
			live = append(live, replayFrag{e.Tick, e.A, e.B})
		}
	}
	a.mu.Unlock()

	match := record.MatchID(id, 0)
	var list []replay.Summary
	a.waitFor("the match in the list", func() bool {
		list = getMatches(t, s, "?room="+id)
		return len(list) == 1
	})
	if m := list[0]; m.ID != match || m.Room != id || m.Map != "arena" || m.Ticks != 360 || m.TickRate != 60 ||
		!slices.Contains(m.Players, "ada") || len(m.Players) != 3 || time.Since(m.Started) > time.Minute {
		t.Fatalf("listed %+v", m)
	}
	if all := getMatches(t, s, ""); !slices.ContainsFunc(all, func(m replay.Summary) bool { return m.ID == match }) {
		t.Fatalf("the match is missing from the whole list %+v", all)
	}
	if other := getMatches(t, s, "?room=nosuchroom"); len(other) != 0 {
		t.Fatalf("another room's list holds %+v", other)
	}

	t.Run("whole match at x4", func(t *testing.T) {
		st := ssetest.Open(t, fmt.Sprintf("http://%s/replays/%s/events?speed=4", s.addr, match), ssetest.Options{})
		defer st.Close()
		if ct := st.Resp.Header.Get("Content-Type"); ct != "text/event-stream" {
			t.Fatalf("Content-Type %q", ct)
		}
		intro := ssetest.Decode[struct {
			Match       string
			Ticks       uint32
			Rate, Speed int
			From        uint32
		}](t, st.Must())
		if intro.Match != match || intro.Ticks != 360 || intro.Rate != 60 || intro.Speed != 4 || intro.From != 0 {
			t.Fatalf("replay event %+v", intro)
		}
		var frags []replayFrag
		var last uint32
		var names []string
		for _, ev := range st.Until("closed") {
			switch ev.Type {
			case "snapshot":
				snap := ssetest.Decode[replaySnapshot](t, ev)
				if snap.Rate != 240 || snap.Tick < last || ssetest.ID(t, ev.ID) != int(snap.Tick)+1 {
					t.Fatalf("snapshot at tick %d (id %s) with rate %d after tick %d", snap.Tick, ev.ID, snap.Rate, last)
				}
				last = snap.Tick
			case "frag":
				f := ssetest.Decode[struct{ Tick, Killer, Victim int }](t, ev)
				frags = append(frags, replayFrag{uint32(f.Tick), f.Killer, f.Victim})
			case "status":
				status := ssetest.Decode[struct {
					State   string
					Players []struct{ Name string }
					Results []struct{ Seat int }
				}](t, ev)
				names = names[:0]
				for _, p := range status.Players {
					names = append(names, p.Name)
				}
				if status.State == "ended" && len(status.Results) != 3 {
					t.Fatalf("the replay ends with results %+v", status.Results)
				}
			}
		}
		if last != 360 || !slices.Contains(names, "ada") {
			t.Fatalf("the replay's last snapshot is at tick %d with %v, want 360 with ada", last, names)
		}
		if !slices.Equal(frags, live) {
			t.Fatalf("the replay's frags %v, the player saw %v", frags, live)
		}
	})

	t.Run("from a tick", func(t *testing.T) {
		want := shipsAt(t, s, match, 200)
		for _, tt := range []struct {
			name   string
			query  string
			header http.Header
		}{
			{"from", "?from=200", nil},
			{"Last-Event-ID", "?from=5", http.Header{"Last-Event-Id": {"201"}}},
		} {
			st := ssetest.Open(t, fmt.Sprintf("http://%s/replays/%s/events%s", s.addr, match, tt.query), ssetest.Options{Header: tt.header})
			evs := st.Until("snapshot")
			st.Close()
			snap := ssetest.Decode[replaySnapshot](t, evs[len(evs)-1])
			got := map[int][2]int{}
			for _, sh := range snap.Ships {
				got[sh.Seat] = [2]int{sh.X, sh.Y}
			}
			if snap.Tick != 200 || fmt.Sprint(got) != fmt.Sprint(want) || evs[0].Type != "replay" {
				t.Fatalf("%s: opens with %s, a snapshot at tick %d with ships %v; the match had %v at tick 200", tt.name, evs[0].Type, snap.Tick, got, want)
			}
		}
	})

	t.Run("refusals", func(t *testing.T) {
		for _, tt := range []struct {
			path   string
			status int
			code   string
		}{
			{"/replays/" + match + "/events?speed=3", http.StatusBadRequest, "bad_speed"},
			{"/replays/" + match + "/events?from=soon", http.StatusBadRequest, "bad_from"},
			{"/replays/" + match + "/events?from=361", http.StatusBadRequest, "bad_from"},
			{"/replays/" + id + "-9/events", http.StatusNotFound, "match_not_found"},
			{"/replays/..%2fcheckpoints%2f" + id + "/events", http.StatusNotFound, "match_not_found"},
		} {
			resp, err := http.Get("http://" + s.addr + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			var body struct{ Error, Code string }
			err = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || err != nil || body.Code != tt.code || body.Error == "" {
				t.Errorf("GET %s: %d %+v (%v), want %d %s", tt.path, resp.StatusCode, body, err, tt.status, tt.code)
			}
		}
	})

	t.Run("a spectator that leaves ends its replay", func(t *testing.T) {
		st := ssetest.Open(t, fmt.Sprintf("http://%s/replays/%s/events", s.addr, match), ssetest.Options{})
		st.Until("snapshot")
		// The replays of the subtests before close as their writes fail.
		a.waitFor("this one replay's stream", func() bool {
			return scrapeValue(t, s, `skirmish_sse_streams{feed="session"}`) == 1
		})
		st.Close()
		a.waitFor("the replay's stream to close", func() bool {
			return scrapeValue(t, s, `skirmish_sse_streams{feed="session"}`) == 0
		})
	})
}

// getMatches returns GET /api/matches with query.
func getMatches(t *testing.T, s *server, query string) []replay.Summary {
	t.Helper()
	resp, err := http.Get("http://" + s.addr + "/api/matches" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []replay.Summary
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&list) != nil {
		t.Fatalf("GET /api/matches%s: %s", query, resp.Status)
	}
	return list
}

// shipsAt replays a match's record here and returns where each ship in play was at tick, in
// whole pixels as a snapshot says.
func shipsAt(t *testing.T, s *server, match string, tick uint32) map[int][2]int {
	t.Helper()
	rec, err := record.ReadFile(record.Path(s.data, match))
	if err != nil {
		t.Fatal(err)
	}
	ships := map[int][2]int{}
	_, err = rec.Replay(func(w *game.World, _ []game.Input) {
		if w.Tick != tick {
			return
		}
		for i, sh := range w.Ships {
			if sh.Active {
				ships[i] = [2]int{int(math.Round(float64(sh.Pos.X) / game.SubPixel)), int(math.Round(float64(sh.Pos.Y) / game.SubPixel))}
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return ships
}
