package spectate_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/room"
	"skirmish/server/internal/spectate"
	"skirmish/server/internal/ssetest"
)

// testServer is a real HTTP server on loopback with the hub's handlers mounted as the server
// mounts them.
type testServer struct {
	*httptest.Server
	hub *spectate.Hub
	reg *prometheus.Registry
}

func newServer(t *testing.T, opts spectate.Options) *testServer {
	t.Helper()
	reg := prometheus.NewRegistry()
	opts.Registerer = reg
	hub, err := spectate.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /rooms/{room}/events", hub.ServeRoom)
	mux.HandleFunc("GET /events", hub.ServeLobby)
	mux.HandleFunc("/api/rooms/{room}/cheers", hub.ServeCheer)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		hub.Close()
		srv.Close()
	})
	return &testServer{Server: srv, hub: hub, reg: reg}
}

// metric returns the value of a counter or gauge the hub registered.
func (s *testServer) metric(t *testing.T, name string) float64 {
	t.Helper()
	mfs, err := s.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		var sum float64
		for _, m := range mf.GetMetric() {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
		return sum
	}
	return 0
}

// testRoom plays a real match with bots in every seat and reports it to an Observer exactly
// as a room's ticker does; the test's goroutine is that ticker.
type testRoom struct {
	name   string
	obs    room.Observer
	world  *game.World
	bots   []*game.Bot
	inputs []game.Input
	state  protocol.State
}

func newRoom(t *testing.T, obs room.Observer, name string, seats int) *testRoom {
	t.Helper()
	m, err := game.LoadMap("arena")
	if err != nil {
		t.Fatal(err)
	}
	cfg := game.DefaultConfig(seats, 30)
	cfg.Seed = 7
	r := &testRoom{name: name, obs: obs, world: game.NewWorld(cfg, m), inputs: make([]game.Input, seats), state: protocol.StateRunning}
	for seat := range seats {
		r.world.SetActive(seat, true)
		r.bots = append(r.bots, game.NewBot(seat, uint64(seat)+1, game.BotNormal))
	}
	r.status(protocol.StateRunning, nil)
	return r
}

// step plays n ticks (none while paused, as a room does) and reports each.
func (r *testRoom) step(n int) {
	for range n {
		if r.state == protocol.StateRunning {
			for seat, b := range r.bots {
				r.inputs[seat] = b.Think(r.world)
			}
			r.world.Step(r.inputs)
			if len(r.world.Events) > 0 {
				list := make([]protocol.Event, len(r.world.Events))
				for i, e := range r.world.Events {
					list[i] = protocol.Event{Kind: protocol.EventKind(e.Kind), Tick: e.Tick, A: int(e.A), B: int(e.B)}
				}
				r.obs.Events(r.name, list)
			}
		}
		r.obs.Snapshot(r.name, r.world, r.state)
	}
}

// stepUntil plays until the world reports an event of kind, at most limit ticks.
func (r *testRoom) stepUntil(t *testing.T, kind game.EventKind, limit int) {
	t.Helper()
	for range limit {
		r.step(1)
		for _, e := range r.world.Events {
			if e.Kind == kind {
				return
			}
		}
	}
	t.Fatalf("no event of kind %d within %d ticks", kind, limit)
}

// status sets the room state and reports it; missing lists dropped seats.
func (r *testRoom) status(state protocol.State, missing []int) {
	r.state = state
	s := &protocol.Status{State: state, Missing: missing}
	if state == protocol.StatePaused {
		s.StateEnds = 60000
	}
	for seat := range r.bots {
		sh := &r.world.Ships[seat]
		s.Players = append(s.Players, protocol.Player{Seat: seat, Name: fmt.Sprintf("bot%d", seat), Bot: true,
			Connected: !contains(missing, seat), Frags: int(sh.Frags), Deaths: int(sh.Deaths)})
	}
	r.obs.Status(r.name, s)
}

func contains(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// post sends a JSON body and returns the status and the decoded error code, if any.
func post(t *testing.T, url, body string, header http.Header) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var e struct{ Code string }
	if resp.StatusCode >= 400 {
		if err := json.Unmarshal(raw, &e); err != nil || e.Code == "" {
			t.Fatalf("error answer %d is not a JSON error: %q", resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, e.Code, resp.Header
}

// TestStreamsOverHTTP2: over HTTP/2, where a connection cannot be taken over, the streams go
// through their handlers: a room's and the lobby's at once on one connection, the room's
// ending when the room closes, and the open streams counted until then.
func TestStreamsOverHTTP2(t *testing.T) {
	hub, err := spectate.New(fastOpts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /rooms/{room}/events", hub.ServeRoom)
	mux.HandleFunc("GET /events", hub.ServeLobby)
	srv := httptest.NewUnstartedServer(mux)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(func() {
		hub.Close()
		srv.Close()
	})
	room := newRoom(t, hub, "r", 2)
	open := func(path string) (*ssetest.Stream, io.Closer) {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || resp.ProtoMajor != 2 {
			t.Fatalf("%s: %d over %s, want 200 over HTTP/2", path, resp.StatusCode, resp.Proto)
		}
		return ssetest.Read(t, resp.Body), resp.Body
	}
	es, body := open("/rooms/r/events")
	defer body.Close()
	lobby, lobbyBody := open("/events")
	defer lobbyBody.Close()
	lobby.Until("rooms")
	room.step(1)
	es.Until("snapshot")
	if n := hub.Spectators("r"); n != 1 {
		t.Fatalf("%d spectators counted, want 1", n)
	}
	hub.Closed("r")
	es.Until("closed")
	if _, err := es.Next(false); err != io.EOF {
		t.Fatalf("after closed: %v, want the end of the stream", err)
	}
}
