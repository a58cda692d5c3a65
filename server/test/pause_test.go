package test

import (
	"context"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"skirmish/client"
	"skirmish/game/protocol"
	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
)

// proxy is an in-process toxiproxy between a client and the server.
type proxy struct {
	t *testing.T
	p *toxiproxy.Proxy
}

func newProxy(t *testing.T, upstream string) *proxy {
	t.Helper()
	return &proxy{t: t, p: startProxy(t, t.Name(), "127.0.0.1:0", upstream)}
}

// startProxy starts a toxiproxy named name on listen in front of upstream, until the test ends.
func startProxy(t *testing.T, name, listen, upstream string) *toxiproxy.Proxy {
	t.Helper()
	api := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	p := toxiproxy.NewProxy(api, name, listen, upstream)
	if err := p.Start(); err != nil {
		t.Fatalf("start proxy: %v", err)
	}
	t.Cleanup(p.Stop)
	return p
}

func (p *proxy) url() string { return wsURL(p.p.Listen) }

// halfOpen stops all traffic both ways without closing anything: the sockets stay open, as
// when a cable is pulled or a NAT entry expires.
func (p *proxy) halfOpen() {
	p.t.Helper()
	for _, stream := range []string{"upstream", "downstream"} {
		body := `{"name":"cut-` + stream + `","type":"timeout","stream":"` + stream + `","attributes":{"timeout":0}}`
		if _, err := p.p.Toxics.AddToxicJson(strings.NewReader(body)); err != nil {
			p.t.Fatalf("add toxic: %v", err)
		}
	}
}

// TestCutPlayerPausesAndResumes: a player's socket is cut (closed without a close frame, or
// half-open); the other player sees the room paused naming it; the cut player comes back
// with its token, gets a full snapshot, the room counts down and runs again, and no tick was
// simulated while paused.
func TestCutPlayerPausesAndResumes(t *testing.T) {
	tests := []struct {
		name string
		cut  func(p *player, px *proxy)
	}{
		{"closed without close frame", func(p *player, _ *proxy) { p.c.Close() }},
		{"half-open", func(p *player, px *proxy) {
			px.halfOpen()
			// The client would notice by itself later; it is replaced by a new one here.
			p.c.Close()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t)
			px := newProxy(t, s.addr)
			id := s.createRoom(4, 2)
			a := s.join(id, "ada")
			b := s.join(id, "bob", func(c *client.Config) {
				c.URL = px.url()
				c.NoReconnect = true
			})
			bSeat := b.seat()
			a.waitState(protocol.StateRunning, 0)
			b.waitFor("some snapshots", func() bool { return len(b.ticks) > 10 })
			token := b.c.Token()
			before := a.statusCount()

			tt.cut(b, px)
			paused := a.waitState(protocol.StatePaused, before)
			st := a.lastStatus()
			a.mu.Lock()
			st = a.statuses[paused]
			a.mu.Unlock()
			if !slices.Equal(st.Missing, []int{bSeat}) || st.StateEnds <= 0 {
				t.Fatalf("paused status names %v until %d ms, want seat %d and a deadline", st.Missing, st.StateEnds, bSeat)
			}
			pausedAt := len(s.rec.get(id))
			time.Sleep(100 * time.Millisecond) // the room keeps ticking its clock while paused

			b2 := s.join(id, "bob", func(c *client.Config) { c.Token = token })
			if got := b2.seat(); got != bSeat {
				t.Fatalf("resumed into seat %d, want %d", got, bSeat)
			}
			b2.waitFor("a keyframe", func() bool { return len(b2.keyTicks) > 0 })
			resumed := a.waitState(protocol.StateCountdown, paused)
			a.waitState(protocol.StateRunning, resumed)
			b2.waitFor("ticks after the resume", func() bool { return len(b2.ticks) > 10 })

			hashes := s.rec.get(id)
			assertNoTickWhilePaused(t, hashes, pausedAt)
		})
	}
}

// assertNoTickWhilePaused checks the recorded (tick, hash) sequence: every tick appears with
// one hash only, ticks rise one by one, and while the room was paused the world stood still.
func assertNoTickWhilePaused(t *testing.T, hashes []tickHash, pausedAt int) {
	t.Helper()
	sawPause := false
	for i := 1; i < len(hashes); i++ {
		prev, cur := hashes[i-1], hashes[i]
		if cur.state == protocol.StatePaused {
			sawPause = true
			if cur.tick != prev.tick || cur.hash != prev.hash {
				t.Fatalf("world moved while paused: tick %d hash %x -> tick %d hash %x", prev.tick, prev.hash, cur.tick, cur.hash)
			}
		}
		switch {
		case cur.tick == prev.tick && cur.hash != prev.hash && prev.state == protocol.StateRunning && cur.state == protocol.StateRunning:
			t.Fatalf("tick %d seen with two hashes", cur.tick)
		case cur.tick != prev.tick && cur.tick != prev.tick+1:
			t.Fatalf("tick %d followed %d", cur.tick, prev.tick)
		}
	}
	if !sawPause || pausedAt > len(hashes) {
		t.Fatal("the recorder never saw the room paused")
	}
}

// TestReconnectWhileOldSocketHalfOpen: the player's old socket is still open (traffic simply
// stopped) when it reconnects; the new connection gets the seat, the old one is closed as
// replaced, and its end disturbs neither the new connection nor the room.
func TestReconnectWhileOldSocketHalfOpen(t *testing.T) {
	// A keepalive long enough that the old socket is surely still open when the player is back.
	s := startServer(t, func(_ *config.Config, o *app.Options) { o.Room.Conn.ReadTimeout = 5 * time.Second })
	px := newProxy(t, s.addr)
	id := s.createRoom(3, 1)
	a := s.join(id, "ada")
	b := s.join(id, "bob", func(c *client.Config) { c.URL = px.url(); c.NoReconnect = true })
	bSeat := b.seat()
	a.waitState(protocol.StateRunning, 0)
	token := b.c.Token()
	before := a.statusCount()

	px.halfOpen()
	b2 := s.join(id, "bob", func(c *client.Config) { c.Token = token })
	if got := b2.seat(); got != bSeat {
		t.Fatalf("resumed into seat %d, want %d", got, bSeat)
	}
	// Let the old socket die for good: the proxy drops it, the server's keepalive expires.
	px.p.Stop()
	b.c.Close()
	start := b2.tickCount()
	b2.waitFor("ticks long after the old socket's keepalive ran out", func() bool { return len(b2.ticks) > start+120 })
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, st := range a.statuses[before:] {
		if st.State == protocol.StatePaused {
			t.Fatalf("room paused (missing %v) although the seat's new connection was live", st.Missing)
		}
	}
	b2.mu.Lock()
	defer b2.mu.Unlock()
	if len(b2.welcomes) != 1 || slices.Contains(b2.states, client.Reconnecting) {
		t.Fatalf("the new connection was disturbed: %d welcomes, states %v", len(b2.welcomes), b2.states)
	}
}

// TestGraceExpiryGivesSeatToBot: a player who does not come back within the grace period
// has a bot take over the seat and play resumes; the token still takes the seat back from the
// bot, without pausing anyone.
func TestGraceExpiryGivesSeatToBot(t *testing.T) {
	s := startServer(t, func(cfg *config.Config, _ *app.Options) { cfg.Grace = 300 * time.Millisecond })
	id := s.createRoom(3, 1)
	a := s.join(id, "ada")
	b := s.join(id, "bob", func(c *client.Config) { c.NoReconnect = true })
	bSeat := b.seat()
	a.waitState(protocol.StateRunning, 0)
	token := b.c.Token()
	before := a.statusCount()
	b.c.Close()
	paused := a.waitState(protocol.StatePaused, before)
	running := a.waitState(protocol.StateRunning, paused)
	st := a.lastStatus()
	i := slices.IndexFunc(st.Players, func(p protocol.Player) bool { return p.Seat == bSeat })
	if i < 0 || !st.Players[i].Bot || st.Players[i].Name != "bob (bot)" {
		t.Fatalf("seat %d after the grace period: %+v, want bob's bot", bSeat, st.Players)
	}
	a.waitFor("a left event", func() bool {
		return slices.ContainsFunc(a.events, func(e protocol.Event) bool { return e.Kind == protocol.EventLeft && e.A == bSeat })
	})
	late := s.join(id, "bob", func(c *client.Config) { c.Token = token })
	if seat := late.seat(); seat != bSeat {
		t.Fatalf("late resume took seat %d, want %d back", seat, bSeat)
	}
	a.waitFor("bob back in his seat", func() bool {
		st := a.statuses[len(a.statuses)-1]
		i := slices.IndexFunc(st.Players, func(p protocol.Player) bool { return p.Seat == bSeat })
		return i >= 0 && !st.Players[i].Bot && st.Players[i].Name == "bob"
	})
	assertRunningSince(t, a, running)
}

// TestNewcomerTakesSeatOfPlayerAway: a room whose only bot stands in for a player who left
// still never refuses a newcomer; the absent player's token is then told the seat is gone.
func TestNewcomerTakesSeatOfPlayerAway(t *testing.T) {
	s := startServer(t)
	id := s.createRoom(2, 0)
	a := s.join(id, "ada")
	b := s.join(id, "bob", func(c *client.Config) { c.NoReconnect = true })
	bSeat := b.seat()
	a.waitState(protocol.StateRunning, 0)
	token := b.c.Token()
	b.c.Bye()
	if err := waitDone(b.c); err != nil {
		t.Fatalf("client after bye: %v", err)
	}
	eve := s.join(id, "eve")
	if seat := eve.seat(); seat != bSeat {
		t.Fatalf("newcomer took seat %d, want bob's seat %d", seat, bSeat)
	}
	late := s.join(id, "bob", func(c *client.Config) { c.Token = token })
	if ce := late.closeErr(); ce.Code != protocol.CodeSeatLost {
		t.Fatalf("late resume closed with %d, want %d", ce.Code, protocol.CodeSeatLost)
	}
}

// assertRunningSince fails unless every status p got after index from says running.
func assertRunningSince(t *testing.T, p *player, from int) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, st := range p.statuses[from:] {
		if st.State != protocol.StateRunning {
			t.Fatalf("state %s since the match resumed, want running throughout (statuses %v)", st.State, p.statusStates())
		}
	}
}

// TestByeDoesNotPause: a player leaving on purpose hands the seat to a bot without a pause.
func TestByeDoesNotPause(t *testing.T) {
	s := startServer(t)
	id := s.createRoom(3, 1)
	a := s.join(id, "ada")
	b := s.join(id, "bob")
	bSeat := b.seat()
	a.waitState(protocol.StateRunning, 0)
	before := a.statusCount()
	b.c.Bye()
	if err := waitDone(b.c); err != nil {
		t.Fatalf("client after bye: %v", err)
	}
	a.waitFor("a left event", func() bool {
		return slices.ContainsFunc(a.events, func(e protocol.Event) bool { return e.Kind == protocol.EventLeft && e.A == bSeat })
	})
	start := a.tickCount()
	a.waitFor("ticks after the bye", func() bool { return len(a.ticks) > start+30 })
	assertRunningSince(t, a, before)
}

func waitDone(c *client.Client) error {
	select {
	case <-c.Done():
		return c.Err()
	case <-time.After(waitTimeout):
		return context.DeadlineExceeded
	}
}

// TestBadTokenRefused: a token that belongs to no seat, or to another room, is refused.
func TestBadTokenRefused(t *testing.T) {
	s := startServer(t)
	id, other := s.createRoom(2, 0), s.createRoom(2, 0)
	a := s.join(id, "ada")
	a.seat()
	tests := []struct{ name, room, token string }{
		{"unknown token", id, strings.Repeat("ab", 16)},
		{"token of another room", other, a.c.Token()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := s.join(tt.room, "eve", func(c *client.Config) { c.Token = tt.token })
			if ce := p.closeErr(); ce.Code != protocol.CodeBadToken || ce.Reason == "" {
				t.Fatalf("closed with %d %q, want %d and a reason", ce.Code, ce.Reason, protocol.CodeBadToken)
			}
		})
	}
}

// TestEightClientsRaceForFourSeats: simultaneous joins never seat more players than seats.
func TestEightClientsRaceForFourSeats(t *testing.T) {
	s := startServer(t)
	id := s.createRoom(4, 0)
	var wg sync.WaitGroup
	players := make([]*player, 8)
	start := make(chan struct{})
	for i := range players {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			players[i] = s.join(id, "p"+string(rune('a'+i)), func(c *client.Config) { c.NoReconnect = true })
		}()
	}
	close(start)
	wg.Wait()
	seated, full := map[int]bool{}, 0
	for _, p := range players {
		p.waitFor("a welcome or a refusal", func() bool { return len(p.welcomes) > 0 || len(p.errs) > 0 })
		p.mu.Lock()
		switch {
		case len(p.welcomes) > 0:
			seated[p.welcomes[0].Seat] = true
		case p.errs[0].Code == protocol.CodeRoomFull:
			full++
		default:
			t.Errorf("refused with %v, want room full", p.errs[0])
		}
		p.mu.Unlock()
	}
	if len(seated) != 4 || full != 4 {
		t.Fatalf("%d distinct seats taken and %d refused as full, want 4 and 4", len(seated), full)
	}
}

// dialRaw is a TCP connection for tests that need to misbehave below the client package.
func dialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// heal removes the toxics of halfOpen.
func (p *proxy) heal() {
	p.t.Helper()
	for _, name := range []string{"cut-upstream", "cut-downstream"} {
		if err := p.p.Toxics.RemoveToxic(context.Background(), name); err != nil {
			p.t.Fatalf("remove toxic: %v", err)
		}
	}
}

// TestClientReconnectsByItself: after a half-open cut the client notices the silence, comes
// back with its token on its own, and the room resumes with it in its seat.
func TestClientReconnectsByItself(t *testing.T) {
	s := startServer(t)
	px := newProxy(t, s.addr)
	id := s.createRoom(3, 1)
	a := s.join(id, "ada")
	b := s.join(id, "bob", func(c *client.Config) {
		c.URL = px.url()
		c.ReadTimeout = 1500 * time.Millisecond
	})
	bSeat := b.seat()
	a.waitState(protocol.StateRunning, 0)
	before := a.statusCount()
	px.halfOpen()
	paused := a.waitState(protocol.StatePaused, before)
	px.heal()
	a.waitState(protocol.StateRunning, paused)
	b.waitFor("a second welcome into the same seat", func() bool {
		n := len(b.welcomes)
		return n >= 2 && b.welcomes[n-1].Seat == bSeat && slices.Contains(b.states, client.Reconnecting)
	})
	b.waitFor("a keyframe after the resync", func() bool { return len(b.keyTicks) >= 2 })
}

// TestSharedTokenReplacesOnce: a second client with the same token takes the seat, and the
// first one stops with a reason instead of taking it back, which would make the two take the
// seat from each other forever.
func TestSharedTokenReplacesOnce(t *testing.T) {
	s := startServer(t)
	id := s.createRoom(2, 1)
	a := s.join(id, "ada")
	seat := a.seat()
	a.waitState(protocol.StateRunning, 0)
	b := s.join(id, "ada", func(c *client.Config) { c.Token = a.c.Token() })
	if got := b.seat(); got != seat {
		t.Fatalf("the second client took seat %d, want %d", got, seat)
	}
	ce := a.closeErr()
	if ce.Code != protocol.CodeReplaced || !strings.Contains(ce.Error(), "replaced") {
		t.Fatalf("the first client stopped with %v, want 4000 and a reason", ce)
	}
	// The seat stays with the second client: it keeps getting ticks and is welcomed once.
	start := b.tickCount()
	b.waitFor("ticks for the second client", func() bool { return len(b.ticks) > start+60 })
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.welcomes) != 1 {
		t.Fatalf("the second client was welcomed %d times, want once", len(b.welcomes))
	}
}
