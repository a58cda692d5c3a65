package admission

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestOrigins: one rule for every entry point. The server's own pages pass whatever the
// list; the list adds origins, matched ignoring case, with * for any run of characters.
func TestOrigins(t *testing.T) {
	p := New(Config{Origins: []string{"https://Play.Example.com", "https://*.friends.example", "http://localhost:*"}})
	tests := []struct {
		name, origin, host string
		allowed            bool
		cors               bool
	}{
		{"not a browser", "", "game.example", true, false},
		{"own page", "https://game.example", "game.example", true, false},
		{"own page, other case", "https://GAME.example", "game.Example", true, false},
		{"own page, default port written", "https://game.example:443", "game.example", true, false},
		{"own page, other port", "https://game.example:8443", "game.example", false, false},
		{"listed", "https://play.example.com", "game.example", true, true},
		{"listed, trailing slash", "https://play.example.com/", "game.example", true, true},
		{"listed host, other scheme", "http://play.example.com", "game.example", false, false},
		{"wildcard subdomain", "https://a.b.friends.example", "game.example", true, true},
		{"wildcard's bare domain", "https://friends.example", "game.example", false, false},
		{"lookalike", "https://a.friends.example.evil.test", "game.example", false, false},
		{"any port", "http://localhost:5173", "game.example", true, true},
		{"sandboxed page", "null", "game.example", false, false},
		{"not an origin", "%%%", "game.example", false, false},
		{"absurdly long", "https://" + string(make([]byte, 400)), "game.example", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cors, err := p.checkOrigin(tt.origin, tt.host)
			if (err == nil) != tt.allowed || (cors != "") != tt.cors {
				t.Fatalf("checkOrigin(%q, %q) = %q, %v; want allowed %v, cors %v", tt.origin, tt.host, cors, err, tt.allowed, tt.cors)
			}
			if err != nil && (err.Status != http.StatusForbidden || err.Code != "origin_not_allowed") {
				t.Fatalf("refusal %d %s", err.Status, err.Code)
			}
		})
	}
	if !MatchOrigin("*", "https://anything.example") {
		t.Fatal("* does not allow every origin")
	}
}

// TestClientKey: per-address limits count an IPv4 address alone and an IPv6 client by its /64.
func TestClientKey(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"192.0.2.7:5000", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:5000", "192.0.2.7"},
		{"[2001:db8:1:2:aaaa::1]:5000", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:bbbb::9]:6000", "2001:db8:1:2::/64"},
		{"[2001:db8:1:3::1]:5000", "2001:db8:1:3::/64"},
		{"not an address", "not an address"},
	}
	for _, tt := range tests {
		if got := ClientKey(tt.remote); got != tt.want {
			t.Errorf("ClientKey(%q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}

// TestConnectionsPerAddress: an address holds at most its share of connections, gets the
// places back as they close, and does not take other addresses' places.
func TestConnectionsPerAddress(t *testing.T) {
	p := New(Config{MaxConnsPerIP: 2})
	a1, err1 := p.hold("[2001:db8::1]:1")
	a2, err2 := p.hold("[2001:db8::2]:2") // the same /64
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if _, err := p.hold("[2001:db8::3]:3"); err == nil || err.Status != http.StatusTooManyRequests {
		t.Fatalf("a third connection of a /64: %v, want 429", err)
	}
	if _, err := p.hold("192.0.2.1:1"); err != nil {
		t.Fatalf("another address refused: %v", err)
	}
	a1()
	a1() // a second release gives nothing back twice
	if _, err := p.hold("[2001:db8::4]:4"); err != nil {
		t.Fatalf("after a close: %v", err)
	}
	if _, err := p.hold("[2001:db8::5]:5"); err == nil {
		t.Fatal("a double release gave two places back")
	}
	a2()
}

// TestRoomsPerAddress: an address creates a burst of rooms, then one per its share of the
// minute, and a 429 says how long to wait.
func TestRoomsPerAddress(t *testing.T) {
	p := New(Config{RoomsPerMinute: 2})
	req := httptest.NewRequest(http.MethodPost, "/api/rooms", nil)
	req.RemoteAddr = "192.0.2.1:1000"
	for i := range 2 {
		if err := p.CreateRoom(req); err != nil {
			t.Fatalf("room %d: %v", i, err)
		}
	}
	err := p.CreateRoom(req)
	if err == nil || err.Status != http.StatusTooManyRequests || err.RetryAfter <= 0 || err.RetryAfter > 30*time.Second {
		t.Fatalf("third room: %+v, want 429 with a wait of at most 30 s", err)
	}
	other := httptest.NewRequest(http.MethodPost, "/api/rooms", nil)
	other.RemoteAddr = "192.0.2.2:1000"
	if err := p.CreateRoom(other); err != nil {
		t.Fatalf("another address: %v", err)
	}
}
