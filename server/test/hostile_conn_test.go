package test

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"skirmish/game/protocol"
	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
	"skirmish/server/internal/ssetest"
)

// budgetServer has the per-connection budgets short enough to act within seconds; its raw
// clients do not answer pings, and only their traffic keeps them alive.
func budgetServer(t *testing.T) *server {
	return startServer(t, func(_ *config.Config, o *app.Options) {
		o.Room.Conn.ReadTimeout = 10 * time.Second
		o.Room.Conn.StallTimeout = 2 * time.Second
		o.Room.Conn.WriteTimeout = 30 * time.Second // long: only the stall rule may close a client that stopped reading
	})
}

// TestConnectionBudgets: a player that floods frames, or stops reading while it keeps
// sending, is closed with its code within seconds, whatever it keeps sending; the server
// queues nothing without bound for it, and a room beside keeps its tick rate.
func TestConnectionBudgets(t *testing.T) {
	s := budgetServer(t)
	by := s.bystander(60)
	input := func(seq uint32) []byte { return maskedFrame(t, ws.OpBinary, encode(t, &protocol.Input{Seq: seq})) }
	tests := []struct {
		name string
		// attack runs on a seated raw client with a 2 KiB receive window until the server
		// closes it or the test's patience ends.
		attack func(c *rawConn, stop <-chan struct{})
		code   protocol.Code
		reads  bool // the client reads the close frame at the end
	}{
		{"input flood", func(c *rawConn, stop <-chan struct{}) {
			burst := bytes.Repeat(input(1), 64)
			for ; ; time.Sleep(time.Millisecond) {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := c.nc.Write(burst); err != nil {
					return
				}
			}
		}, protocol.CodePolicy, true},
		{"pings without reading the pongs", func(c *rawConn, stop <-chan struct{}) {
			ping := maskedFrame(t, ws.OpPing, bytes.Repeat([]byte("p"), 125))
			every := time.NewTicker(time.Second / 100) // under the frame budget: only not reading is wrong
			defer every.Stop()
			for {
				select {
				case <-stop:
					return
				case <-every.C:
				}
				if _, err := c.nc.Write(ping); err != nil {
					return
				}
			}
		}, protocol.CodeStuck, false},
		{"inputs at the tick rate without reading", func(c *rawConn, stop <-chan struct{}) {
			every := time.NewTicker(time.Second / 60)
			defer every.Stop()
			for seq := uint32(1); ; seq++ {
				select {
				case <-stop:
					return
				case <-every.C:
				}
				if _, err := c.nc.Write(input(seq)); err != nil {
					return
				}
			}
		}, protocol.CodeStuck, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := s.createRoom(2, 1)
			base := measure()
			before := disconnects(t, s, tt.code)
			by.during(t, func() {
				c := dialSmallWindowWS(t, s)
				c.sendMsg(&protocol.Hello{Version: protocol.Version, Name: "hostile", Room: id})
				stop := make(chan struct{})
				attacked := make(chan struct{})
				go func() {
					defer close(attacked)
					tt.attack(c, stop)
				}()
				waitFor(t, waitTimeout, "the server to close the connection", func() bool { return disconnects(t, s, tt.code) > before })
				close(stop)
				<-attacked
				if tt.reads {
					code, reason, _ := c.closed()
					if protocol.Code(code) != tt.code || reason == "" {
						t.Fatalf("closed with %d %q, want %d and a reason", code, reason, tt.code)
					}
				}
			})
			base.settles(t)
		})
	}
}

// TestInvalidCloseFrames: a close frame no peer may send is answered with 1002 (or 1007 for
// a reason that is not UTF-8), never echoed.
func TestInvalidCloseFrames(t *testing.T) {
	s := budgetServer(t)
	closeFrame := func(code uint16, reason string) []byte {
		p := []byte{byte(code >> 8), byte(code)}
		return append(p, reason...)
	}
	tests := []struct {
		name    string
		payload []byte
		want    protocol.Code
	}{
		{"no status", closeFrame(1005, ""), protocol.CodeProtocol},
		{"abnormal", closeFrame(1006, ""), protocol.CodeProtocol},
		{"tls handshake", closeFrame(1015, ""), protocol.CodeProtocol},
		{"below the range", closeFrame(999, ""), protocol.CodeProtocol},
		{"above the range", closeFrame(5000, ""), protocol.CodeProtocol},
		{"unassigned", closeFrame(2000, ""), protocol.CodeProtocol},
		{"one byte", []byte{3}, protocol.CodeProtocol},
		{"reason not utf-8", closeFrame(1000, "\xff\xfe"), protocol.CodeBadUTF8},
		{"valid private code is echoed", closeFrame(4321, "bye"), 4321},
		{"empty is echoed as normal", nil, protocol.CodeNormal},
	}
	by := s.bystander(60)
	base := measure()
	by.during(t, func() {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := dialWS(t, s.url())
				c.send(ws.OpClose, tt.payload)
				if code, _, _ := c.closed(); protocol.Code(code) != tt.want {
					t.Fatalf("answered with %d, want %d", code, tt.want)
				}
				c.nc.Close()
			})
		}
	})
	base.settles(t)
}

// dialSmallWindowWS opens a player WebSocket with a 2 KiB receive buffer, so that a client
// that does not read stops taking bytes at once.
func dialSmallWindowWS(t *testing.T, s *server) *rawConn {
	t.Helper()
	d := ws.Dialer{NetDial: smallWindow.DialContext, TLSConfig: clientTLS()}
	nc, br, _, err := d.Dial(context.Background(), s.url())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	c := &rawConn{t: t, nc: nc, r: nc}
	if br != nil {
		c.r = br
	}
	return c
}

func encode(t *testing.T, m protocol.Message) []byte {
	t.Helper()
	var enc protocol.Encoder
	b, err := enc.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(b)
}

// maskedFrame returns a client frame's bytes.
func maskedFrame(t *testing.T, op ws.OpCode, p []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := ws.WriteFrame(&b, ws.MaskFrame(ws.NewFrame(op, true, p))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// disconnects returns how many players the server has closed with code.
func disconnects(t *testing.T, s *server, code protocol.Code) int {
	t.Helper()
	n, _ := strconv.Atoi(scrape(t, s, `skirmish_player_disconnects_total{code="`+strconv.Itoa(int(code))+`"}`))
	return n
}

// TestSpectatorThatStopsReading: a spectator that never reads is dropped within seconds,
// although the kernel would buffer its room's stream for minutes, and a room beside keeps
// its tick rate.
func TestSpectatorThatStopsReading(t *testing.T) {
	s := budgetServer(t)
	by := s.bystander(60)
	id := s.createRoom(4, 4)
	base := measure()
	by.during(t, func() {
		ssetest.Open(t, "http://"+s.addr+"/rooms/"+id+"/events", ssetest.Options{RecvBuf: 2048, NoRead: true})
		waitFor(t, waitTimeout, "the spectator dropped", func() bool {
			return scrape(t, s, "skirmish_sse_streams_dropped_total") == "1"
		})
	})
	base.settles(t)
}

// TestOverloadRefusesNewcomers: while the server is short of headroom, a new room and a new
// replay (each a simulation to run) get 503 and a new player 4003 (retry later), each with a
// reason; a player resuming its seat and the spectators are still served, and once the
// headroom is back newcomers are taken again.
func TestOverloadRefusesNewcomers(t *testing.T) {
	var short atomic.Bool
	s := startServer(t, func(_ *config.Config, o *app.Options) { o.Overloaded = short.Load })
	recordMatch(t, s.data, "old", 30)
	id := s.createRoom(3, 1)
	var net cutter
	a := s.join(id, "ada", net.dial)
	a.waitState(protocol.StateWaiting, 0)
	aSeat := a.seat()

	short.Store(true)
	status, body, _ := request(t, s, "127.0.0.1", "", http.MethodPost, "/api/rooms", "{}")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, `"code":"server_busy"`) {
		t.Fatalf("a new room while short: %d %s, want 503 server_busy", status, body)
	}
	status, body, _ = request(t, s, "127.0.0.1", "", http.MethodGet, "/replays/old-0/events", "")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, `"code":"server_busy"`) {
		t.Fatalf("a replay while short: %d %s, want 503 server_busy", status, body)
	}
	newcomer := dialWS(t, s.url())
	newcomer.sendMsg(&protocol.Hello{Version: protocol.Version, Name: "bob", Room: id})
	if code, reason, msg := newcomer.closed(); protocol.Code(code) != protocol.CodeBusy || reason == "" || msg == nil || msg.Code != protocol.CodeBusy {
		t.Fatalf("a new player while short: closed %d %q after %+v, want %d with a reason", code, reason, msg, protocol.CodeBusy)
	}
	// The player's connection drops; it comes back with its token, overload or not.
	welcomes := len(a.welcomes)
	net.cut()
	a.waitFor("the player back in its seat", func() bool {
		return len(a.welcomes) > welcomes && a.welcomes[len(a.welcomes)-1].Seat == aSeat
	})
	ssetest.Open(t, "http://"+s.addr+"/rooms/"+id+"/events", ssetest.Options{}).Must()
	if got := scrape(t, s, `skirmish_refusals_total{reason="server_busy"}`); got != "3" {
		t.Fatalf("server_busy refusals counted %q, want 3 (the room, the replay and the new player)", got)
	}

	short.Store(false)
	s.createRoom(2, 1)
	b := s.join(id, "bob")
	b.seat()
	ssetest.Open(t, "http://"+s.addr+"/replays/old-0/events", ssetest.Options{}).Must()
}
