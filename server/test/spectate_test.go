package test

import (
	"context"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"

	"skirmish/client"
	"skirmish/server/internal/ssetest"
)

// cutter remembers a client's latest socket so a test can cut it the way a failing network
// does (no close frame); the client then reconnects with its token by itself.
type cutter struct {
	mu   sync.Mutex
	conn net.Conn
}

func (c *cutter) dial(cfg *client.Config) {
	cfg.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		c.mu.Lock()
		c.conn = nc
		c.mu.Unlock()
		return nc, err
	}
}

func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conn.Close()
}

// TestSpectatorResumesAcrossAPause: a spectator who was away while frags, a pause and a
// resume happened gets every one of those events on its return, in order, and a keyframe.
func TestSpectatorResumesAcrossAPause(t *testing.T) {
	s := startServer(t)
	id := s.createRoom(4, 3)
	feed := "http://" + s.addr + "/rooms/" + id + "/events"

	var net cutter
	s.join(id, "alpha", net.dial)
	witness := ssetest.Open(t, feed, ssetest.Options{})
	es := ssetest.Open(t, feed, ssetest.Options{})
	es.UntilState("running")
	resumeAt := es.LastID
	es.Close()

	// While the spectator is away: the bots frag each other or the idle player, the player's
	// socket is cut (the room pauses), the player comes back by itself, the room runs again.
	var seen []ssetest.Event
	seen = append(seen, witness.UntilState("running")...)
	seen = append(seen, witness.Until("frag")...)
	net.cut()
	seen = append(seen, witness.UntilState("paused")...)
	seen = append(seen, witness.UntilState("running")...)
	var missed []ssetest.Event
	for _, ev := range seen {
		if ev.Type != "snapshot" && ssetest.ID(t, ev.ID) > ssetest.ID(t, resumeAt) {
			missed = append(missed, ev)
		}
	}

	back := ssetest.Open(t, feed, ssetest.Options{Header: http.Header{"Last-Event-ID": {resumeAt}}})
	var got []ssetest.Event
	keyframes := 0
	for last := ssetest.ID(t, witness.LastID); ; {
		ev := back.Must()
		if ev.Type == "snapshot" {
			keyframes++
		} else if ssetest.ID(t, ev.ID) <= last {
			got = append(got, ev)
		}
		if ssetest.ID(t, ev.ID) >= last && keyframes > 0 {
			break
		}
	}
	if !slices.Equal(got, missed) {
		t.Fatalf("resumed with\n%v\nwant\n%v", got, missed)
	}
	var states []string
	for _, ev := range got {
		if ev.Type == "status" {
			states = append(states, ssetest.Decode[struct{ State string }](t, ev).State)
		}
	}
	if !slices.Contains(states, "paused") || states[len(states)-1] != "running" {
		t.Fatalf("missed statuses %v, want a pause and running again", states)
	}
}
