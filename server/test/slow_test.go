package test

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"skirmish/game/protocol"
	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
)

// TestClientThatStopsReading: a player that stops reading does not hold back the others (they
// get every tick, none skipped), and is closed as stuck and treated as lost (the room pauses).
func TestClientThatStopsReading(t *testing.T) {
	s := startServer(t, func(cfg *config.Config, o *app.Options) {
		cfg.TickRate = 128
		o.Room.Conn.WriteBuffer = 32 << 10 // a full socket shows up after a few seconds, not minutes
		o.Room.Conn.WriteTimeout = 300 * time.Millisecond
		o.Room.Conn.ReadTimeout = 30 * time.Second // only the stuck writes may end it
	})
	id := s.createRoom(8, 6)

	// The stuck client: a small receive window, a hello, and then it never reads again.
	stuck := dialSmallWindowWS(t, s)
	stuck.sendMsg(&protocol.Hello{Version: protocol.Version, Name: "sloth", Room: id})

	a := s.join(id, "ada")
	aSeat := a.seat()
	running := a.waitState(protocol.StateRunning, 0)
	paused := a.waitState(protocol.StatePaused, running)
	a.mu.Lock()
	missing := a.statuses[paused].Missing
	ticks := slices.Clone(a.ticks)
	a.mu.Unlock()
	if len(missing) != 1 || missing[0] == aSeat {
		t.Fatalf("paused for seats %v, want the stuck player's", missing)
	}
	if len(ticks) < 2 {
		t.Fatalf("only %d snapshots before the stuck player was dropped", len(ticks))
	}
	for i := 1; i < len(ticks); i++ {
		if ticks[i] != ticks[i-1]+1 {
			t.Fatalf("the playing client skipped from tick %d to %d while another stalled", ticks[i-1], ticks[i])
		}
	}
	// The close is counted once its handshake ends, which the stuck player never answers.
	waitFor(t, waitTimeout, "the stuck player's close counted", func() bool {
		return disconnects(t, s, protocol.CodeStuck) == 1
	})
}

// scrape returns the value of one metric line from /metrics.
func scrape(t *testing.T, s *server, series string) string {
	t.Helper()
	resp, err := httpClient().Get(s.base() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}
