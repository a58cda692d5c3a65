package test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"skirmish/game/protocol"
	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
)

// goroutineReads makes the test servers read each player on a goroutine of its own
// (-goroutine-reads), the path of TLS connections, instead of the default: each room reads its
// players' sockets itself, once a tick.
var goroutineReads bool

// connectionTests are the black-box tests of a player's connection, run on each read path:
// pause and resync, a half-open socket, leaving, a seat taken while its player is away,
// protocol abuse, a client that stops reading, one that reconnects by itself, and the
// per-connection budgets (a flood closed with 1008, pings answered within bounds, a stalled
// reader dropped).
var connectionTests = []struct {
	name string
	test func(*testing.T)
}{
	{"play", TestTwoPlayersAndTwoBotsPlay},
	{"pause and resync", TestCutPlayerPausesAndResumes},
	{"half-open", TestReconnectWhileOldSocketHalfOpen},
	{"bye", TestByeDoesNotPause},
	{"newcomer takes a seat of a player away", TestNewcomerTakesSeatOfPlayerAway},
	{"abuse", TestProtocolAbuse},
	{"slow reader", TestClientThatStopsReading},
	{"reconnect by itself", TestClientReconnectsByItself},
	{"budgets: flood, pings, stalled reader", TestConnectionBudgets},
	{"invalid close frames", TestInvalidCloseFrames},
}

// TestGoroutineReads runs the connection tests again with a reader goroutine per player
// (-goroutine-reads) instead of rooms that read their players themselves.
func TestGoroutineReads(t *testing.T) {
	goroutineReads = true
	t.Cleanup(func() { goroutineReads = false })
	for _, tt := range connectionTests {
		t.Run(tt.name, tt.test)
	}
}

// TestTLSReads runs the connection tests again over wss: a TLS connection cannot be polled,
// so each player is read by a goroutine of its own behind the same Peer, whatever the default.
func TestTLSReads(t *testing.T) {
	overTLS = true
	t.Cleanup(func() { overTLS = false })
	for _, tt := range connectionTests {
		t.Run(tt.name, tt.test)
	}
}

// TestPolledPlayersHaveNoGoroutine: seated players read by their room cost the server no
// goroutine each, while on the goroutine path each has its reader.
func TestPolledPlayersHaveNoGoroutine(t *testing.T) {
	const players = 24
	for _, tt := range []struct {
		name     string
		polled   bool
		min, max int // goroutines the seated players may add
	}{
		{"polled", true, 0, players / 4},
		{"goroutine reads", false, players, 2 * players},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, func(_ *config.Config, opts *app.Options) { opts.Room.Conn.GoroutineReads = !tt.polled })
			rooms := make([]string, players/4)
			for i := range rooms {
				rooms[i] = s.createRoom(4, 0)
			}
			time.Sleep(100 * time.Millisecond)
			before := runtime.NumGoroutine()
			for i := range players {
				c := dialWS(t, s.url())
				c.sendMsg(&protocol.Hello{Version: protocol.Version, Name: fmt.Sprintf("p%d", i), Room: rooms[i/4]})
				_ = c.nc.SetReadDeadline(time.Now().Add(waitTimeout))
				f, err := c.readFrame()
				if err != nil {
					t.Fatalf("player %d: no welcome: %v", i, err)
				}
				if m, err := protocol.Decode(f.Payload); err != nil || m.Type() != protocol.TypeWelcome {
					t.Fatalf("player %d: first message %v, %v; want a welcome", i, m, err)
				}
			}
			// The goroutines that upgraded the connections and read the hellos have ended
			// once the players are seated; what stays is per player.
			var added int
			for deadline := time.Now().Add(waitTimeout); ; time.Sleep(20 * time.Millisecond) {
				added = runtime.NumGoroutine() - before
				if (added >= tt.min && added <= tt.max) || time.Now().After(deadline) {
					break
				}
			}
			if added < tt.min || added > tt.max {
				t.Fatalf("%d seated players added %d goroutines, want %d..%d", players, added, tt.min, tt.max)
			}
		})
	}
}
