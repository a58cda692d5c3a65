package test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
)

// TestRoomFlood: an address that creates rooms as fast as it can gets its burst and then
// 429 with Retry-After; many addresses together get 503 once the server holds -max-rooms;
// a room beside keeps its tick rate, each refusal is counted by reason, and the rooms of the
// flood go again.
func TestRoomFlood(t *testing.T) {
	const perAddress, total = 3, 8
	s := startServer(t, func(cfg *config.Config, o *app.Options) {
		cfg.RoomsPerIP, cfg.MaxRooms = perAddress, total
		o.Room.Idle = time.Second // the flood's rooms of bots close again soon
	})
	by := s.bystander(60)
	base := measure()
	by.during(t, func() {
		created := 0
		for i := range 50 {
			status, body, _ := request(t, s, "127.0.1.1", "", http.MethodPost, "/api/rooms", `{"seats":4,"bots":4}`)
			switch {
			case i < perAddress && status != http.StatusCreated:
				t.Fatalf("room %d of the burst: %d %s", i, status, body)
			case i >= perAddress && (status != http.StatusTooManyRequests || !strings.Contains(body, `"code":"rate_limited"`)):
				t.Fatalf("room %d past the burst: %d %s, want 429 rate_limited", i, status, body)
			}
			if status == http.StatusCreated {
				created++
			}
		}
		// The bystander's room and the burst are open: other addresses fill the rest.
		for i := 0; ; i++ {
			status, body, _ := request(t, s, fmt.Sprintf("127.0.2.%d", 1+i), "", http.MethodPost, "/api/rooms", `{"seats":4,"bots":4}`)
			if status == http.StatusServiceUnavailable {
				if !strings.Contains(body, `"code":"server_full"`) || 1+created+i != total {
					t.Fatalf("refused with %s after %d rooms, want server_full at %d", body, 1+created+i, total)
				}
				break
			}
			if status != http.StatusCreated || i > total {
				t.Fatalf("room from another address: %d %s", status, body)
			}
		}
	})
	for reason, want := range map[string]string{"rate_limited": "47", "server_full": "1"} {
		if got := scrape(t, s, `skirmish_refusals_total{reason="`+reason+`"}`); got != want {
			t.Errorf("%s refusals counted %q, want %s", reason, got, want)
		}
	}
	base.settles(t)
}

// TestConnectionsPerAddress: one address holds at most -max-conns-per-ip player connections
// and streams together; past it a WebSocket upgrade and a stream (a feed or a replay) alike
// get 429, other addresses are served, and the places come back as connections close.
func TestConnectionsPerAddress(t *testing.T) {
	const limit = 4
	s := startServer(t, func(cfg *config.Config, _ *app.Options) { cfg.MaxConnsPerIP = limit })
	recordMatch(t, s.data, "old", 30)
	by := s.bystander(60)
	id := s.createRoom(2, 2)
	base := measure()
	by.during(t, func() {
		const from = "127.0.3.1"
		// Players on both upgrade paths, and a spectator.
		for i := range limit - 1 {
			if status, _, _ := upgrade(t, s, from, "", i%2 == 0); status != http.StatusSwitchingProtocols {
				t.Fatalf("connection %d: %d", i, status)
			}
		}
		if status, _, _ := request(t, s, from, "", http.MethodGet, "/rooms/"+id+"/events", ""); status != http.StatusOK {
			t.Fatalf("stream: %d", status)
		}
		for _, try := range []func() (int, string, string){
			func() (int, string, string) { return upgrade(t, s, from, "", false) },
			func() (int, string, string) { return upgrade(t, s, from, "", true) },
			func() (int, string, string) { return request(t, s, from, "", http.MethodGet, "/events", "") },
			func() (int, string, string) {
				return request(t, s, from, "", http.MethodGet, "/replays/old-0/events", "")
			},
		} {
			if status, body, _ := try(); status != http.StatusTooManyRequests || !strings.Contains(body, `"code":"too_many_connections"`) {
				t.Fatalf("past the limit: %d %s, want 429 too_many_connections", status, body)
			}
		}
		if status, _, _ := upgrade(t, s, "127.0.3.2", "", false); status != http.StatusSwitchingProtocols {
			t.Fatalf("another address: %d", status)
		}
	})
	// The test's connections close with it; a new test of the same address would start
	// afresh, which the unit tests of the policy pin.
	base.settles(t)
}

// TestSpectatorsPerRoom: a room takes -max-spectators streams; the next gets 503 with a
// reason, and the room plays on.
func TestSpectatorsPerRoom(t *testing.T) {
	const limit = 3
	s := startServer(t, func(cfg *config.Config, _ *app.Options) { cfg.MaxSpectators = limit })
	by := s.bystander(60)
	id := s.createRoom(2, 2)
	base := measure()
	by.during(t, func() {
		for i := range limit {
			if status, _, _ := request(t, s, fmt.Sprintf("127.0.4.%d", i+1), "", http.MethodGet, "/rooms/"+id+"/events", ""); status != http.StatusOK {
				t.Fatalf("spectator %d: %d", i, status)
			}
		}
		status, body, _ := request(t, s, "127.0.4.9", "", http.MethodGet, "/rooms/"+id+"/events", "")
		if status != http.StatusServiceUnavailable || !strings.Contains(body, `"code":"too_many_spectators"`) {
			t.Fatalf("one spectator too many: %d %s, want 503 too_many_spectators", status, body)
		}
	})
	base.settles(t)
}

// TestCheersPerRoom: spectators from many addresses together cannot drown a room in cheers:
// past the room's burst they get 429 although each is within its own.
func TestCheersPerRoom(t *testing.T) {
	s := startServer(t)
	by := s.bystander(60)
	id := s.createRoom(2, 2)
	base := measure()
	by.during(t, func() {
		accepted, limited := 0, 0
		for i := range 30 {
			// Six addresses, five cheers each: every one within its own bucket.
			status, _, _ := request(t, s, fmt.Sprintf("127.0.5.%d", 1+i%6), "", http.MethodPost, "/api/rooms/"+id+"/cheers", `{"text":"gg"}`)
			switch status {
			case http.StatusAccepted:
				accepted++
			case http.StatusTooManyRequests:
				limited++
			default:
				t.Fatalf("cheer %d: %d", i, status)
			}
		}
		// The room's bucket holds 20 and refills 10 a second while the cheers arrive.
		if accepted < 20 || accepted > 25 || limited == 0 {
			t.Fatalf("%d cheers accepted and %d refused, want the room's burst of 20 (and a few refilled) then refusals", accepted, limited)
		}
	})
	base.settles(t)
}
