package test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"skirmish/game/protocol"
	"skirmish/server/internal/admin"
	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
	"skirmish/server/internal/natstest"
	"skirmish/server/internal/room"
	"skirmish/server/internal/ssetest"
)

const adminToken = "operator-token-1234"

// adminCall makes a request to the server with the given bearer token (none when empty) and
// returns the status and the JSON body decoded into out (when not nil).
func adminCall(t *testing.T, s *server, method, path, token, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+s.addr+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %q is not JSON: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

type apiErr struct{ Error, Code string }

// TestOperatorPagesAreOffWithoutAToken: a server without -admin-token answers 404 for the
// dashboard and every operator call, token or not.
func TestOperatorPagesAreOffWithoutAToken(t *testing.T) {
	s := startServer(t)
	id := s.createRoom(2, 2)
	for _, c := range []struct{ method, path string }{
		{"GET", "/admin"}, {"GET", "/api/admin/events"}, {"GET", "/api/admin/rooms"},
		{"POST", "/api/admin/rooms/" + id + "/close"}, {"POST", "/api/admin/rooms/" + id + "/kick"},
	} {
		var e apiErr
		if code := adminCall(t, s, c.method, c.path, adminToken, "", &e); code != http.StatusNotFound || e.Code != "not_found" {
			t.Errorf("%s %s: %d %+v, want 404", c.method, c.path, code, e)
		}
	}
	if code := adminCall(t, s, "GET", "/api/rooms/"+id, "", "", nil); code != http.StatusOK {
		t.Fatalf("the room is gone (%d)", code)
	}
}

// TestOperatorAPI: the operator API refuses requests without the token (counting each) and
// bodies not declared JSON; with it, the
// figures stream once a second and move while a match is played, the room table shows the
// room, a removed player is told why and its seat goes to a bot, and a closed room closes for
// its players with the operator's reason.
func TestOperatorAPI(t *testing.T) {
	// The match must outlast the test on a loaded machine: a frag limit reached by the bots
	// ends it, and after the results a room of players who did not ask for another closes.
	s := startServer(t, func(c *config.Config, o *app.Options) {
		c.AdminToken = adminToken
		o.Room.FragLimit = room.MaxFragLimit
	})
	id := s.createRoom(4, 2)
	a, b := s.join(id, "ada"), s.join(id, "bob")
	a.waitState(protocol.StateRunning, 0)
	stop := make(chan struct{})
	defer close(stop)
	a.play(stop)
	b.play(stop)

	for _, token := range []string{"", "wrong-token-wrong-token"} {
		for _, path := range []string{"/api/admin/events", "/api/admin/rooms"} {
			var e apiErr
			if code := adminCall(t, s, "GET", path, token, "", &e); code != http.StatusUnauthorized || e.Code != "unauthorized" || e.Error == "" {
				t.Errorf("GET %s with token %q: %d %+v, want 401", path, token, code, e)
			}
		}
		if code := adminCall(t, s, "POST", "/api/admin/rooms/"+id+"/close", token, "", nil); code != http.StatusUnauthorized {
			t.Errorf("close with token %q: %d, want 401", token, code)
		}
	}
	// Each refusal is counted, so that someone guessing the token shows in /metrics.
	if got := scrape(t, s, `skirmish_refusals_total{reason="unauthorized"}`); got != "6" {
		t.Errorf("unauthorized refusals counted %q, want 6", got)
	}
	// With the token, a call that changes state is still one a page of another site cannot
	// make: its body must be declared JSON.
	if status, body, _ := requestWith(t, s, "127.0.0.1", "", http.MethodPost, "/api/admin/rooms/"+id+"/close", "",
		http.Header{"Authorization": {"Bearer " + adminToken}, "Content-Type": {"text/plain"}}); status != http.StatusUnsupportedMediaType ||
		!strings.Contains(body, `"code":"bad_content_type"`) {
		t.Errorf("close from a form: %d %s, want 415 bad_content_type", status, body)
	}
	// The page itself holds no secret: it asks for the token.
	if resp, err := http.Get("http://" + s.addr + "/admin"); err != nil || resp.StatusCode != http.StatusOK ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /admin: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	t.Run("figures", func(t *testing.T) {
		st := ssetest.Open(t, "http://"+s.addr+"/api/admin/events", ssetest.Options{Header: http.Header{"Authorization": {"Bearer " + adminToken}}})
		defer st.Close()
		if ev := st.Must(); ev.Type != "history" {
			t.Fatalf("the figures open with %s, want history", ev.Type)
		}
		var figs []admin.Figures
		for len(figs) < 3 {
			if ev := st.Must(); ev.Type == "figures" {
				figs = append(figs, ssetest.Decode[admin.Figures](t, ev))
			}
		}
		last := figs[len(figs)-1]
		if last.Players != 2 || last.Rooms != 1 || last.Ticks == 0 || last.TickP99 <= 0 || last.TickP99 < last.TickP50 ||
			last.BytesOut <= 0 || last.Time <= figs[0].Time {
			t.Fatalf("figures %+v", last)
		}
		if len(last.Table) != 1 || last.Table[0].ID != id || !last.Table[0].Local || last.Table[0].TickP99 <= 0 || len(last.Table[0].Players) != 4 {
			t.Fatalf("room table %+v", last.Table)
		}
		var rooms []admin.Room
		if code := adminCall(t, s, "GET", "/api/admin/rooms", adminToken, "", &rooms); code != http.StatusOK || len(rooms) != 1 || rooms[0].ID != id {
			t.Fatalf("GET /api/admin/rooms: %d %+v", code, rooms)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		for _, tt := range []struct {
			path, body string
			status     int
			code       string
		}{
			{"/api/admin/rooms/" + id + "/kick", `{"reason":"x"}`, http.StatusBadRequest, "bad_seat"},
			{"/api/admin/rooms/" + id + "/kick", `{"seat":9}`, http.StatusBadRequest, "bad_seat"},
			{"/api/admin/rooms/" + id + "/kick", `{"seat":3}`, http.StatusConflict, "no_player"},
			{"/api/admin/rooms/" + id + "/kick", `{"seat":0,`, http.StatusBadRequest, "bad_json"},
			{"/api/admin/rooms/" + id + "/kick", `{"seat":0,"why":"x"}`, http.StatusBadRequest, "bad_json"},
			{"/api/admin/rooms/" + id + "/kick", fmt.Sprintf(`{"seat":0,"reason":%q}`, strings.Repeat("x", 101)), http.StatusBadRequest, "bad_reason"},
			{"/api/admin/rooms/" + id + "/close", `{"reason":"line\nbreak"}`, http.StatusBadRequest, "bad_reason"},
			{"/api/admin/rooms/nosuchroom/close", ``, http.StatusNotFound, "room_not_found"},
			{"/api/admin/rooms/nosuchroom/kick", `{"seat":0}`, http.StatusNotFound, "room_not_found"},
			{"/api/admin/nothing", ``, http.StatusNotFound, "not_found"},
		} {
			var e apiErr
			if code := adminCall(t, s, "POST", tt.path, adminToken, tt.body, &e); code != tt.status || e.Code != tt.code || e.Error == "" {
				t.Errorf("POST %s %s: %d %+v, want %d %s", tt.path, tt.body, code, e, tt.status, tt.code)
			}
		}
	})

	t.Run("remove a player", func(t *testing.T) {
		seat := a.seat()
		body := fmt.Sprintf(`{"seat":%d,"reason":"please take a break"}`, seat)
		if code := adminCall(t, s, "POST", "/api/admin/rooms/"+id+"/kick", adminToken, body, nil); code != http.StatusOK {
			t.Fatalf("kick: %d", code)
		}
		if ce := a.closeErr(); ce.Code != protocol.CodeRemoved || ce.Reason != "please take a break" {
			t.Fatalf("the removed player was closed with %d %q", ce.Code, ce.Reason)
		}
		b.waitFor("a bot in the removed player's seat", func() bool {
			for _, p := range b.statuses[len(b.statuses)-1].Players {
				if p.Seat == seat {
					return p.Bot && p.Name != "ada"
				}
			}
			return false
		})
		if st := b.lastStatus(); st.State != protocol.StateRunning && st.State != protocol.StateEnded {
			t.Fatalf("the match is %s after a removal", st.State)
		}
	})

	t.Run("close the room", func(t *testing.T) {
		watcher := ssetest.Open(t, "http://"+s.addr+"/rooms/"+id+"/events", ssetest.Options{})
		defer watcher.Close()
		watcher.Until("snapshot")
		if code := adminCall(t, s, "POST", "/api/admin/rooms/"+id+"/close", adminToken, `{"reason":"server maintenance"}`, nil); code != http.StatusOK {
			t.Fatalf("close: %d", code)
		}
		if ce := b.closeErr(); ce.Code != protocol.CodeRoomClosed || ce.Reason != "server maintenance" {
			t.Fatalf("the player was closed with %d %q", ce.Code, ce.Reason)
		}
		watcher.Until("closed")
		if code := adminCall(t, s, "GET", "/api/rooms/"+id, "", "", nil); code != http.StatusNotFound {
			t.Fatalf("GET the closed room: %d", code)
		}
	})
}

// TestOperatorsInAFleet: a node's operators see its own figures and the whole fleet's room
// table; a room another node runs is closed through that node, which the refusal names.
func TestOperatorsInAFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("a fleet takes a while to start")
	}
	urls := natstest.Cluster(t, 3) // the fleet's buckets keep three replicas
	withToken := func(c *config.Config, _ *app.Options) { c.AdminToken = adminToken }
	a := startNode(t, "a", urls[0], nil, withToken)
	b := startNode(t, "b", urls[1], nil, withToken)
	id := createOn(t, urls[0], "b", room.Settings{Seats: 2, Bots: 2})

	row := func(n *node) admin.Room {
		var found admin.Room
		waitFor(t, waitTimeout, "the room in node "+n.id+"'s table", func() bool {
			var rooms []admin.Room
			adminCall(t, n.server, "GET", "/api/admin/rooms", adminToken, "", &rooms)
			for _, r := range rooms {
				if r.ID == id && (!r.Local || r.TickP99 > 0) {
					found = r
					return true
				}
			}
			return false
		})
		return found
	}
	if r := row(a); r.Local || r.Node != "b" || r.TickP99 != 0 {
		t.Fatalf("node a shows %+v, want b's room", r)
	}
	if r := row(b); !r.Local || r.Node != "b" {
		t.Fatalf("node b shows %+v, want its own room with its tick times", r)
	}
	st := ssetest.Open(t, "http://"+a.addr+"/api/admin/events", ssetest.Options{Header: http.Header{"Authorization": {"Bearer " + adminToken}}})
	defer st.Close()
	st.Until("figures")
	if f := ssetest.Decode[admin.Figures](t, st.Until("figures")[0]); f.Rooms != 0 || f.Ticks != 0 || len(f.Table) != 1 {
		t.Fatalf("node a's figures %+v, want none of its own and b's room in the table", f)
	}
	var e apiErr
	if code := adminCall(t, a.server, "POST", "/api/admin/rooms/"+id+"/close", adminToken, "", &e); code != http.StatusConflict ||
		e.Code != "not_here" || !strings.Contains(e.Error, "node b") {
		t.Fatalf("closing b's room on a: %d %+v", code, e)
	}
	// Closed through the node that runs it. On a loaded machine b may lose its lease meanwhile
	// and the room move (404 while it is on its way, then not_here naming its new node).
	nodes := map[string]*node{"a": a, "b": b}
	owner := "b"
	waitFor(t, waitTimeout, "the room closed through the node that runs it", func() bool {
		var e apiErr
		code := adminCall(t, nodes[owner].server, "POST", "/api/admin/rooms/"+id+"/close", adminToken, "", &e)
		if code == http.StatusConflict && e.Code == "not_here" {
			owner = map[string]string{"a": "b", "b": "a"}[owner]
		}
		return code == http.StatusOK
	})
}
