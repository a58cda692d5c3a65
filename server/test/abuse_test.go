package test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gobwas/ws"

	"skirmish/game/protocol"
	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
)

// rawConn is a WebSocket connection driven frame by frame.
type rawConn struct {
	t  *testing.T
	nc net.Conn
	r  io.Reader
}

func dialWS(t *testing.T, url string) *rawConn {
	t.Helper()
	nc, br, _, err := ws.Dialer{TLSConfig: clientTLS()}.Dial(context.Background(), url)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { nc.Close() })
	c := &rawConn{t: t, nc: nc, r: nc}
	if br != nil {
		c.r = br
	}
	return c
}

func (c *rawConn) send(op ws.OpCode, p []byte) {
	c.t.Helper()
	if err := ws.WriteFrame(c.nc, ws.MaskFrame(ws.NewFrame(op, true, p))); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// maxServerFrame bounds what readFrame takes from the server, far above any message it sends.
const maxServerFrame = 1 << 20

// readFrame reads the server's next frame whole.
func (c *rawConn) readFrame() (ws.Frame, error) {
	h, err := ws.ReadHeader(c.r)
	if err != nil {
		return ws.Frame{}, err
	}
	if h.Length > maxServerFrame {
		return ws.Frame{}, fmt.Errorf("a server frame of %d bytes", h.Length)
	}
	f := ws.Frame{Header: h, Payload: make([]byte, h.Length)}
	if _, err := io.ReadFull(c.r, f.Payload); err != nil {
		return ws.Frame{}, err
	}
	return f, nil
}

func (c *rawConn) sendMsg(m protocol.Message) {
	c.t.Helper()
	var enc protocol.Encoder
	b, err := enc.Encode(m)
	if err != nil {
		c.t.Fatal(err)
	}
	c.send(ws.OpBinary, b)
}

// closed reads until the server's close frame and returns its code and the code of the
// error message before it.
func (c *rawConn) closed() (closeCode ws.StatusCode, reason string, errMsg *protocol.Error) {
	c.t.Helper()
	_ = c.nc.SetReadDeadline(time.Now().Add(waitTimeout))
	for {
		f, err := c.readFrame()
		if err != nil {
			c.t.Fatalf("read before the close frame: %v", err)
		}
		switch f.Header.OpCode {
		case ws.OpClose:
			code, reason := ws.ParseCloseFrameData(f.Payload)
			return code, reason, errMsg
		case ws.OpBinary:
			if m, err := protocol.Decode(f.Payload); err == nil {
				if e, ok := m.(*protocol.Error); ok {
					errMsg = e
				}
			}
		}
	}
}

// TestProtocolAbuse: each kind of bad input gets an error message and a close frame with its
// own code and a reason, while a player in another room plays on.
func TestProtocolAbuse(t *testing.T) {
	s := startServer(t, func(_ *config.Config, o *app.Options) {
		o.Room.HelloTimeout = time.Second
		o.Room.Conn.ReadTimeout = 10 * time.Second // the raw clients here do not answer pings
	})
	id := s.createRoom(2, 0)
	a := s.join(id, "ada")
	s.join(id, "bob")
	a.waitState(protocol.StateRunning, 0)
	hello := func(m *protocol.Hello) *protocol.Hello {
		if m.Version == 0 {
			m.Version = protocol.Version
		}
		return m
	}
	tests := []struct {
		name string
		send func(c *rawConn)
		code protocol.Code
	}{
		{"malformed", func(c *rawConn) { c.send(ws.OpBinary, []byte{0xc1, 0x00, 0xff}) }, protocol.CodeBadMessage},
		{"unknown type", func(c *rawConn) { c.send(ws.OpBinary, []byte{0x91, 0x63}) }, protocol.CodeUnknown},
		{"text frame", func(c *rawConn) { c.send(ws.OpText, []byte(`{"hello":1}`)) }, protocol.CodeTextFrame},
		{"oversized frame", func(c *rawConn) { c.send(ws.OpBinary, bytes.Repeat([]byte{0x90}, 5000)) }, protocol.CodeTooBig},
		{"bad version", func(c *rawConn) { c.sendMsg(&protocol.Hello{Version: 99, Name: "eve", Room: id}) }, protocol.CodeVersion},
		{"input before hello", func(c *rawConn) { c.sendMsg(&protocol.Input{Seq: 1}) }, protocol.CodePolicy},
		{"no hello at all", func(c *rawConn) {}, protocol.CodePolicy},
		{"fragmented message", func(c *rawConn) {
			if err := ws.WriteFrame(c.nc, ws.MaskFrame(ws.NewFrame(ws.OpBinary, false, []byte{0x95}))); err != nil {
				t.Fatal(err)
			}
		}, protocol.CodeBadMessage},
		{"unknown room", func(c *rawConn) { c.sendMsg(hello(&protocol.Hello{Name: "eve", Room: "nosuchroom"})) }, protocol.CodeNoRoom},
		{"bad name", func(c *rawConn) { c.sendMsg(hello(&protocol.Hello{Name: "   ", Room: id})) }, protocol.CodeBadName},
		{"room full", func(c *rawConn) { c.sendMsg(hello(&protocol.Hello{Name: "eve", Room: id})) }, protocol.CodeRoomFull},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialWS(t, s.url())
			tt.send(c)
			code, reason, msg := c.closed()
			if protocol.Code(code) != tt.code || reason == "" || len(reason) > 123 || !utf8.ValidString(reason) {
				t.Errorf("close frame %d %q, want %d with a reason of at most 123 bytes of UTF-8", code, reason, tt.code)
			}
			if msg == nil || msg.Code != tt.code || msg.Message == "" {
				t.Errorf("error message %+v, want code %d with words", msg, tt.code)
			}
		})
	}
	start := a.tickCount()
	a.waitFor("ticks after the abuse", func() bool { return len(a.ticks) > start+30 })
}

// TestOriginPolicy: one Origin rule for every browser-facing entry point. With -origins
// naming another site, the server's own pages still play and watch, the listed sites (any
// case, * wildcards) can too, and every other page gets 403 with the JSON error on the
// WebSocket (both upgrade paths), the feeds, cheers, the match list, replays and the
// operator API alike.
func TestOriginPolicy(t *testing.T) {
	s := startServer(t, func(cfg *config.Config, _ *app.Options) {
		cfg.Origins = []string{"http://other.example", "https://*.friends.example"}
		cfg.AdminToken = adminToken
	})
	recordMatch(t, s.data, "old", 30)
	id := s.createRoom(2, 2)
	operator := http.Header{"Authorization": {"Bearer " + adminToken}}
	entries := []struct {
		name string
		ok   int // the status of an admitted request
		try  func(t *testing.T, from, origin string) (status int, body, allow string)
	}{
		{"websocket", http.StatusSwitchingProtocols, func(t *testing.T, from, origin string) (int, string, string) {
			return upgrade(t, s, from, origin, false)
		}},
		{"websocket after another request", http.StatusSwitchingProtocols, func(t *testing.T, from, origin string) (int, string, string) {
			return upgrade(t, s, from, origin, true)
		}},
		{"room feed", http.StatusOK, func(t *testing.T, from, origin string) (int, string, string) {
			return request(t, s, from, origin, http.MethodGet, "/rooms/"+id+"/events", "")
		}},
		{"lobby feed", http.StatusOK, func(t *testing.T, from, origin string) (int, string, string) {
			return request(t, s, from, origin, http.MethodGet, "/events", "")
		}},
		{"cheers", http.StatusAccepted, func(t *testing.T, from, origin string) (int, string, string) {
			return request(t, s, from, origin, http.MethodPost, "/api/rooms/"+id+"/cheers", `{"text":"gg"}`)
		}},
		{"match list", http.StatusOK, func(t *testing.T, from, origin string) (int, string, string) {
			return request(t, s, from, origin, http.MethodGet, "/api/matches", "")
		}},
		{"replay", http.StatusOK, func(t *testing.T, from, origin string) (int, string, string) {
			return request(t, s, from, origin, http.MethodGet, "/replays/old-0/events", "")
		}},
		{"operator API", http.StatusOK, func(t *testing.T, from, origin string) (int, string, string) {
			return requestWith(t, s, from, origin, http.MethodGet, "/api/admin/rooms", "", operator)
		}},
		{"operator figures", http.StatusOK, func(t *testing.T, from, origin string) (int, string, string) {
			return requestWith(t, s, from, origin, http.MethodGet, "/api/admin/events", "", operator)
		}},
	}
	pages := []struct {
		name, origin string
		allowed      bool
		cors         bool // a cross-origin page that may read the answer
	}{
		{"no origin (not a browser)", "", true, false},
		{"the server's own page", "http://" + s.addr, true, false},
		{"a listed site", "http://other.example", true, true},
		{"a listed site in other case", "HTTP://Other.EXAMPLE", true, true},
		{"a wildcard subdomain", "https://play.friends.example", true, true},
		{"the wildcard's bare domain", "https://friends.example", false, false},
		{"a lookalike of the wildcard", "https://play.friends.example.evil.test", false, false},
		{"another site", "http://evil.example", false, false},
		{"a sandboxed page", "null", false, false},
	}
	for i, e := range entries {
		for j, pg := range pages {
			t.Run(e.name+"/"+pg.name, func(t *testing.T) {
				// Each case comes from an address of its own, so no per-address limit interferes.
				from := fmt.Sprintf("127.0.%d.%d", 10+i, 10+j)
				status, body, allow := e.try(t, from, pg.origin)
				switch {
				case pg.allowed && status != e.ok:
					t.Fatalf("status %d (%s), want %d", status, body, e.ok)
				case !pg.allowed && (status != http.StatusForbidden || !strings.Contains(body, `"code":"origin_not_allowed"`)):
					t.Fatalf("status %d (%s), want 403 with the JSON error", status, body)
				case e.ok != http.StatusSwitchingProtocols && pg.cors && allow != pg.origin:
					t.Fatalf("Access-Control-Allow-Origin %q, want %q", allow, pg.origin)
				case !pg.cors && allow != "":
					t.Fatalf("Access-Control-Allow-Origin %q for a page that needs none", allow)
				}
			})
		}
	}
}

// dialFrom connects to the server from a loopback address of the test's choosing, as a
// distinct client would.
func dialFrom(t *testing.T, from, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// request sends one HTTP request from a loopback address and returns the status, the start
// of the body (a stream's head only) and the CORS header. The connection closes with the
// answer, except a stream's, which stays open until the test ends.
func request(t *testing.T, s *server, from, origin, method, path, body string) (int, string, string) {
	t.Helper()
	return requestWith(t, s, from, origin, method, path, body, nil)
}

// requestWith is request with more headers.
func requestWith(t *testing.T, s *server, from, origin, method, path, body string, header http.Header) (int, string, string) {
	t.Helper()
	nc := dialFrom(t, from, s.addr)
	req, _ := http.NewRequest(method, "http://"+s.addr+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	stream := strings.HasSuffix(path, "/events")
	req.Close = !stream
	status, got, allow := roundTrip(t, nc, bufio.NewReader(nc), req)
	if !stream || status != http.StatusOK {
		nc.Close()
	}
	return status, got, allow
}

// upgrade asks for a player WebSocket from a loopback address; afterRequest sends another
// request on the connection first, so that net/http, not the zero-copy path, upgrades it.
func upgrade(t *testing.T, s *server, from, origin string, afterRequest bool) (int, string, string) {
	t.Helper()
	nc := dialFrom(t, from, s.addr)
	br := bufio.NewReader(nc)
	if afterRequest {
		get, _ := http.NewRequest(http.MethodGet, "http://"+s.addr+"/healthz", nil)
		if status, _, _ := roundTrip(t, nc, br, get); status != http.StatusOK {
			t.Fatalf("health check first: %d", status)
		}
	}
	req := upgradeRequest(s)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return roundTrip(t, nc, br, req)
}

func upgradeRequest(s *server) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, "http://"+s.addr+"/ws", nil)
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	req.Header.Set("Sec-WebSocket-Version", "13")
	return req
}

// roundTrip writes req and reads the answer's head and up to 1 KiB of its body.
func roundTrip(t *testing.T, nc net.Conn, br *bufio.Reader, req *http.Request) (int, string, string) {
	t.Helper()
	_ = nc.SetDeadline(time.Now().Add(waitTimeout))
	defer nc.SetDeadline(time.Time{})
	if err := req.Write(nc); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		t.Fatal(err)
	}
	var body []byte
	if resp.StatusCode != http.StatusSwitchingProtocols && resp.Header.Get("Content-Type") != "text/event-stream" {
		body, _ = io.ReadAll(io.LimitReader(resp.Body, 1024))
		resp.Body.Close()
	}
	return resp.StatusCode, string(body), resp.Header.Get("Access-Control-Allow-Origin")
}

// TestUpgradeAfterOtherRequests: an upgrade on a connection that already carried an HTTP
// request (which the zero-copy path never sees) is served too.
func TestUpgradeAfterOtherRequests(t *testing.T) {
	s := startServer(t)
	nc := dialRaw(t, s.addr)
	br := bufio.NewReader(nc)
	get, _ := http.NewRequest(http.MethodGet, "http://"+s.addr+"/healthz", nil)
	if err := get.Write(nc); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, get)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	up := upgradeRequest(s)
	if err := up.Write(nc); err != nil {
		t.Fatal(err)
	}
	resp, err = http.ReadResponse(br, up)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade after a request: status %d, want 101", resp.StatusCode)
	}
	c := &rawConn{t: t, nc: nc, r: br}
	c.sendMsg(&protocol.Hello{Version: protocol.Version, Name: "eve", Room: "nosuchroom"})
	if code, _, _ := c.closed(); protocol.Code(code) != protocol.CodeNoRoom {
		t.Fatalf("closed with %d, want %d", code, protocol.CodeNoRoom)
	}
}
