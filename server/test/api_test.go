package test

import (
	"cmp"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"skirmish/client"
	"skirmish/game/protocol"
	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
)

// TestRoomAPI: the room API answers JSON, errors included.
func TestRoomAPI(t *testing.T) {
	s := startServer(t)
	id := s.createRoom(4, 2)
	a := s.join(id, "ada")
	a.seat()
	base := "http://" + s.addr
	// The welcome may overtake the room's listing in the directory.
	waitFor(t, waitTimeout, "the player listed", func() bool {
		_, body, _ := request(t, s, "127.0.0.1", "", http.MethodGet, "/api/rooms/"+id, "")
		return strings.Contains(body, `"name":"ada"`)
	})
	longField := strings.Repeat("x", 3000)
	tests := []struct {
		name, method, path, body string
		contentType              string // default application/json for a body
		status                   int
		want                     string // a fragment of the body
	}{
		{"list", "GET", "/api/rooms", "", "", 200, `"id":"` + id + `"`},
		{"get", "GET", "/api/rooms/" + id, "", "", 200, `{"name":"ada","seat":0,"bot":false,"connected":true,"score":0}`},
		{"get unknown", "GET", "/api/rooms/nosuchroom", "", "", 404, `"code":"room_not_found"`},
		{"get unknown, long id not echoed", "GET", "/api/rooms/" + longField, "", "", 404, `xxx…`},
		{"create with defaults", "POST", "/api/rooms", "{}", "", 201, `"id":`},
		{"create empty body", "POST", "/api/rooms", "", "", 400, `"code":"bad_json"`},
		{"create null", "POST", "/api/rooms", "null", "", 400, `"code":"bad_json"`},
		{"create array", "POST", "/api/rooms", "[]", "", 400, `"code":"bad_json"`},
		{"create two objects", "POST", "/api/rooms", "{}{}", "", 400, `"code":"bad_json"`},
		{"create bad json", "POST", "/api/rooms", "{seats:", "", 400, `"code":"bad_json"`},
		{"create unknown field", "POST", "/api/rooms", `{"seat":4}`, "", 400, `"code":"bad_json"`},
		{"create long unknown field not echoed", "POST", "/api/rooms", `{"` + longField + `":4}`, "", 400, `xxx…`},
		{"create too large", "POST", "/api/rooms", `{"seats":4` + strings.Repeat(" ", 5000) + `}`, "", 413, `"code":"too_large"`},
		{"create from a form", "POST", "/api/rooms", `{"seats":4}`, "text/plain", 415, `"code":"bad_content_type"`},
		{"create too many seats", "POST", "/api/rooms", `{"seats":9}`, "", 400, `"code":"bad_room"`},
		{"create more bots than seats", "POST", "/api/rooms", `{"seats":2,"bots":3}`, "", 400, `"code":"bad_room"`},
		{"create with settings", "POST", "/api/rooms", `{"seats":3,"bots":3,"map":"pillars","fragLimit":5,"timeLimit":60,"botLevel":"hard"}`, "", 201, `"id":`},
		{"create on no map", "POST", "/api/rooms", `{"map":"moon"}`, "", 400, `no map \"moon\"`},
		{"create with no such bot level", "POST", "/api/rooms", `{"botLevel":"expert"}`, "", 400, `unknown bot level \"expert\"`},
		{"create with a frag limit too high", "POST", "/api/rooms", `{"fragLimit":1000}`, "", 400, `"code":"bad_room"`},
		{"create with a match too short", "POST", "/api/rooms", `{"timeLimit":5}`, "", 400, `"code":"bad_room"`},
		{"quick play", "POST", "/api/play", `{}`, "", 200, `"url":"ws://` + s.addr + `/ws"`},
		{"quick play from a form", "POST", "/api/play", `{}`, "text/plain", 415, `"code":"bad_content_type"`},
		{"health", "GET", "/healthz", "", "", 200, "ok"},
		{"metrics", "GET", "/metrics", "", "", 200, "skirmish_players_connected 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, base+tt.path, strings.NewReader(tt.body))
			if tt.method == "POST" {
				req.Header.Set("Content-Type", cmp.Or(tt.contentType, "application/json"))
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.want) {
				t.Fatalf("%s %s = %d %s, want %d containing %s", tt.method, tt.path, resp.StatusCode, body, tt.status, tt.want)
			}
			if strings.HasPrefix(tt.path, "/api/") && resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("Content-Type %q", resp.Header.Get("Content-Type"))
			}
			if resp.StatusCode >= 400 && len(body) > 1000 {
				t.Fatalf("an answer of %d bytes: errors must not echo their input", len(body))
			}
		})
	}
	var rooms []struct {
		ID        string `json:"id"`
		State     string `json:"state"`
		Seats     int    `json:"seats"`
		Map       string `json:"map"`
		FragLimit int    `json:"fragLimit"`
		TimeLimit int    `json:"timeLimit"`
		BotLevel  string `json:"botLevel"`
	}
	resp, err := http.Get(base + "/api/rooms")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// Quick play joined the bots' room in play rather than open a fourth.
	if err := json.NewDecoder(resp.Body).Decode(&rooms); err != nil || len(rooms) != 3 {
		t.Fatalf("room list %+v (%v), want the three rooms created", rooms, err)
	}
	settings := 0
	for _, r := range rooms {
		if r.Map == "pillars" && r.FragLimit == 5 && r.TimeLimit == 60 && r.BotLevel == "hard" {
			settings++
		} else if r.Map != "arena" || r.FragLimit != 10 || r.TimeLimit != 180 || r.BotLevel != "normal" {
			t.Errorf("room %+v, want the server's defaults", r)
		}
	}
	if settings != 1 {
		t.Errorf("rooms %+v, want one with the settings asked for", rooms)
	}
}

// TestShutdownTellsPlayers: on shutdown the health check answers 503 while the server drains,
// and every player gets "going away" with a reason.
func TestShutdownTellsPlayers(t *testing.T) {
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := app.Start(ctx, cfg, app.Options{Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, addr: srv.Addr().String()}
	id := s.createRoom(3, 1)
	a := s.join(id, "ada", func(c *client.Config) { c.NoReconnect = true })
	a.seat()
	// A player that never answers the close keeps the server draining for a while.
	mute := dialWS(t, s.url())
	mute.sendMsg(&protocol.Hello{Version: protocol.Version, Name: "mute", Room: id})
	a.waitFor("the mute player seated", func() bool {
		return len(a.statuses) > 0 && len(a.statuses[len(a.statuses)-1].Players) == 3
	})
	cancel()
	sawDraining := false
	for !sawDraining {
		resp, err := http.Get("http://" + s.addr + "/healthz")
		if err != nil {
			break // the server stopped listening
		}
		resp.Body.Close()
		sawDraining = resp.StatusCode == http.StatusServiceUnavailable
	}
	if !sawDraining {
		t.Fatal("/healthz never answered 503 while the server drained")
	}
	ce := a.closeErr()
	if ce.Code != protocol.CodeGoingAway || ce.Reason == "" {
		t.Fatalf("closed with %d %q, want %d and a reason", ce.Code, ce.Reason, protocol.CodeGoingAway)
	}
	select {
	case <-srv.Done():
	case <-time.After(waitTimeout):
		t.Fatal("server did not stop")
	}
	if srv.Err() != nil {
		t.Fatalf("server stopped with %v", srv.Err())
	}
}

// TestCreatedRoomIsFoundAtOnce: the id a 201 returns can be used right away, by the room API
// and by the spectator feed (a browser EventSource gives up for good on a 404).
func TestCreatedRoomIsFoundAtOnce(t *testing.T) {
	s := startServer(t)
	base := "http://" + s.addr
	for i := 0; i < 20; i++ {
		id := s.createRoom(2, 2)
		for _, path := range []string{"/api/rooms/" + id, "/rooms/" + id + "/events"} {
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s right after creating the room = %d, want 200", path, resp.StatusCode)
			}
		}
	}
}
