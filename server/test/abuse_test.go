package test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
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
	nc, br, _, err := ws.Dial(context.Background(), url)
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
		f, err := ws.ReadFrame(c.r)
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

// TestOriginCheck: browsers from other origins are refused with 403 and a reason; same-origin
// pages, allowed origins and non-browser clients (no Origin) are served.
func TestOriginCheck(t *testing.T) {
	s := startServer(t, func(cfg *config.Config, _ *app.Options) { cfg.Origins = []string{"https://play.example.com"} })
	same := startServer(t)
	tests := []struct {
		name   string
		srv    *server
		origin string
		status int
	}{
		{"no origin", same, "", http.StatusSwitchingProtocols},
		{"same origin", same, "http://" + same.addr, http.StatusSwitchingProtocols},
		{"other origin", same, "https://evil.example.com", http.StatusForbidden},
		{"allowed origin", s, "https://play.example.com", http.StatusSwitchingProtocols},
		{"origin not in the list", s, "http://" + s.addr, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc := dialRaw(t, tt.srv.addr)
			req, _ := http.NewRequest(http.MethodGet, "http://"+tt.srv.addr+"/ws", nil)
			req.Header.Set("Upgrade", "websocket")
			req.Header.Set("Connection", "Upgrade")
			req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
			req.Header.Set("Sec-WebSocket-Version", "13")
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			if err := req.Write(nc); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(nc), req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, tt.status)
			}
			if tt.status == http.StatusForbidden && !bytes.Contains(body, []byte(`"code":"origin_not_allowed"`)) {
				t.Fatalf("refusal body %s, want a JSON error with a reason", body)
			}
		})
	}
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
	up, _ := http.NewRequest(http.MethodGet, "http://"+s.addr+"/ws", nil)
	up.Header.Set("Upgrade", "websocket")
	up.Header.Set("Connection", "Upgrade")
	up.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	up.Header.Set("Sec-WebSocket-Version", "13")
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
