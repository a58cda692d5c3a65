package spectate_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/room"
	"skirmish/server/internal/spectate"
)

// sseEvent is one dispatched event as a browser's EventSource sees it.
type sseEvent struct {
	ID, Type, Data string
}

// eventSource reads a stream as the WHATWG EventSource parser does: lines end in CRLF, LF or
// CR; a blank line dispatches; comments start with a colon; one leading space of a value is
// dropped; id persists across events; retry takes digits only.
type eventSource struct {
	t        *testing.T
	conn     net.Conn
	resp     *http.Response
	r        *bufio.Reader
	lastID   string
	retry    int
	comments int

	evType  string
	data    []byte
	hasData bool
}

// readLine returns one line without its terminator.
func (es *eventSource) readLine() (string, error) {
	var line []byte
	for {
		c, err := es.r.ReadByte()
		if err != nil {
			return "", err
		}
		switch c {
		case '\n':
			return string(line), nil
		case '\r':
			if next, err := es.r.Peek(1); err == nil && next[0] == '\n' {
				es.r.ReadByte()
			}
			return string(line), nil
		}
		line = append(line, c)
	}
}

// next returns the next dispatched event, or a comment as an event of type ":" when comments
// is set.
func (es *eventSource) next(comments bool) (sseEvent, error) {
	for {
		line, err := es.readLine()
		if err != nil {
			return sseEvent{}, err
		}
		if line == "" {
			if !es.hasData {
				es.evType = ""
				continue
			}
			ev := sseEvent{ID: es.lastID, Type: es.evType, Data: strings.TrimSuffix(string(es.data), "\n")}
			if ev.Type == "" {
				ev.Type = "message"
			}
			es.evType, es.data, es.hasData = "", es.data[:0], false
			return ev, nil
		}
		if line[0] == ':' {
			es.comments++
			if comments {
				return sseEvent{Type: ":", Data: strings.TrimSpace(line[1:])}, nil
			}
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			es.evType = value
		case "data":
			es.data = append(append(es.data, value...), '\n')
			es.hasData = true
		case "id":
			if !strings.Contains(value, "\x00") {
				es.lastID = value
			}
		case "retry":
			if n, err := strconv.Atoi(value); err == nil && strings.Trim(value, "0123456789") == "" {
				es.retry = n
			}
		}
	}
}

// must returns the next event or fails the test.
func (es *eventSource) must() sseEvent {
	es.t.Helper()
	ev, err := es.next(false)
	if err != nil {
		es.t.Fatalf("reading the stream after id %s: %v", es.lastID, err)
	}
	return ev
}

// until reads events until one of type kind and returns all read, that one last.
func (es *eventSource) until(kind string) []sseEvent {
	es.t.Helper()
	var evs []sseEvent
	for {
		ev := es.must()
		evs = append(evs, ev)
		if ev.Type == kind {
			return evs
		}
	}
}

func (es *eventSource) close() { es.conn.Close() }

// dialOpts shape a raw spectator connection.
type dialOpts struct {
	header  http.Header
	recvBuf int  // SO_RCVBUF, set before connecting so the window stays small
	noRead  bool // do not even read the response head
	// status, when set, is an answer other than 200 that the test expects.
	status int
}

// open connects to url over a raw socket, sends a GET and reads the response head. Every
// test reads whole responses, so a deadline only guards against a hung test.
func open(t *testing.T, url string, o dialOpts) *eventSource {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	for k, v := range o.header {
		req.Header[k] = v
	}
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		if o.recvBuf == 0 {
			return nil
		}
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, o.recvBuf)
		})
		return errors.Join(err, serr)
	}}
	conn, err := d.DialContext(context.Background(), "tcp", req.URL.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	es := &eventSource{t: t, conn: conn}
	if o.noRead {
		return es // the slow spectator never reads, not even the head
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		t.Fatal(err)
	}
	es.resp, es.r = resp, bufio.NewReader(resp.Body)
	if o.status == 0 && resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return es
}

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
// as a room's goroutine does; the test's goroutine is that goroutine.
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
		r.bots = append(r.bots, game.NewBot(seat, uint64(seat)+1))
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

// decode unmarshals an event's data or fails the test.
func decode[T any](t *testing.T, ev sseEvent) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(ev.Data), &v); err != nil {
		t.Fatalf("%s event data %q: %v", ev.Type, ev.Data, err)
	}
	return v
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
