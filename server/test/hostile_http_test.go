package test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"skirmish/game/protocol"
	"skirmish/server/internal/app"
	"skirmish/server/internal/config"

	"github.com/gobwas/ws"
)

// hostileLimits are HTTP limits short enough for the tests to see them act within seconds.
func hostileLimits(_ *config.Config, o *app.Options) {
	o.HTTP = app.HTTPLimits{
		HeaderTimeout: time.Second, MaxHeader: 8 << 10,
		ReadTimeout: time.Second, WriteTimeout: 2 * time.Second, IdleTimeout: time.Second,
	}
}

// TestHostileRequests: a request head or body that is too big or too slow, on the player
// path or any other, is answered with its status and a JSON error (431, 408) within a few
// seconds and closed, while a room beside keeps its tick rate; afterwards the server holds
// no more than before.
func TestHostileRequests(t *testing.T) {
	s := startServer(t, hostileLimits)
	by := s.bystander(60)
	base := measure()
	endless := bytes.Repeat([]byte("a"), 64<<10)
	tests := []struct {
		name   string
		send   func(nc net.Conn, br *bufio.Reader)
		status int
		code   string // of the JSON error; empty for net/http's own plain answer
	}{
		{"endless header line on the player path", func(nc net.Conn, _ *bufio.Reader) {
			fmt.Fprintf(nc, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nX-Pad: ", s.addr)
			nc.Write(endless)
		}, http.StatusRequestHeaderFieldsTooLarge, "header_too_large"},
		{"endless request line", func(nc net.Conn, _ *bufio.Reader) {
			nc.Write([]byte("GET /"))
			nc.Write(endless)
		}, http.StatusRequestHeaderFieldsTooLarge, "header_too_large"},
		{"head that never ends", func(nc net.Conn, _ *bufio.Reader) {
			fmt.Fprintf(nc, "GET /ws HTTP/1.1\r\nHost: %s\r\n", s.addr)
		}, http.StatusRequestTimeout, "header_timeout"},
		{"connection that says nothing", func(net.Conn, *bufio.Reader) {}, http.StatusRequestTimeout, "header_timeout"},
		{"endless header after a first request", func(nc net.Conn, br *bufio.Reader) {
			get, _ := http.NewRequest(http.MethodGet, "http://"+s.addr+"/healthz", nil)
			get.Write(nc)
			resp, err := http.ReadResponse(br, get)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			fmt.Fprintf(nc, "GET /healthz HTTP/1.1\r\nHost: %s\r\nX-Pad: ", s.addr)
			nc.Write(endless)
		}, http.StatusRequestHeaderFieldsTooLarge, ""},
		{"body that never ends", func(nc net.Conn, _ *bufio.Reader) {
			fmt.Fprintf(nc, "POST /api/rooms HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"seats\":", s.addr)
		}, http.StatusRequestTimeout, "body_timeout"},
	}
	by.during(t, func() {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				nc := dialRaw(t, s.addr)
				br := bufio.NewReader(nc)
				start := time.Now()
				tt.send(nc, br)
				_ = nc.SetReadDeadline(time.Now().Add(waitTimeout))
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("no answer: %v", err)
				}
				body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
				if resp.StatusCode != tt.status || (tt.code != "" && !strings.Contains(string(body), `"code":"`+tt.code+`"`)) {
					t.Fatalf("answered %d %s, want %d with code %q", resp.StatusCode, body, tt.status, tt.code)
				}
				if waited := time.Since(start); waited > 5*time.Second {
					t.Fatalf("answered after %v, want within a few seconds", waited)
				}
				if _, err := io.Copy(io.Discard, br); err != nil && !isReset(err) {
					t.Fatalf("the connection was not closed after the answer: %v", err)
				}
			})
		}
	})
	base.settles(t)
}

// TestHeaderFlood: a handful of sockets sending endless header lines as fast as they can
// cost the server no more than its head limit each, and a room beside keeps its tick rate.
func TestHeaderFlood(t *testing.T) {
	s := startServer(t, hostileLimits)
	by := s.bystander(60)
	base := measure()
	var peak uint64
	by.during(t, func() {
		var wg sync.WaitGroup
		for _, path := range []string{"/ws", "/", "/api/rooms", "/events", "/metrics"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				nc, err := net.Dial("tcp", s.addr)
				if err != nil {
					return
				}
				defer nc.Close()
				fmt.Fprintf(nc, "GET %s HTTP/1.1\r\nX-Pad: ", path)
				chunk := bytes.Repeat([]byte("a"), 64<<10)
				_ = nc.SetWriteDeadline(time.Now().Add(waitTimeout))
				for sent := 0; sent < 256<<20; sent += len(chunk) {
					if _, err := nc.Write(chunk); err != nil {
						return // the server closed: what it should do
					}
				}
				t.Errorf("the server took 256 MiB of one header line")
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	if grown := int64(peak) - int64(base.heap); grown > 32<<20 {
		t.Fatalf("the heap grew by %d MiB during the flood, want a few", grown>>20)
	}
	base.settles(t)
}

// TestIdleAndStalledConnections: a kept-alive connection that sends nothing more, and one
// that asks for the bundle and never reads it, are closed by the server within its idle and
// write timeouts.
func TestIdleAndStalledConnections(t *testing.T) {
	s := startServer(t, hostileLimits)
	by := s.bystander(60)
	base := measure()
	by.during(t, func() {
		idle := dialRaw(t, s.addr)
		get, _ := http.NewRequest(http.MethodGet, "http://"+s.addr+"/healthz", nil)
		if status, _, _ := roundTrip(t, idle, bufio.NewReader(idle), get); status != http.StatusOK {
			t.Fatalf("health: %d", status)
		}
		open := openConnections(t, s)
		stalled := dialSmallWindow(t, s.addr)
		fmt.Fprintf(stalled, "GET /dist/play.js HTTP/1.1\r\nHost: %s\r\n\r\n", s.addr)
		waitFor(t, waitTimeout, "the idle and the stalled connection closed", func() bool { return openConnections(t, s) < open })
		_ = idle.SetReadDeadline(time.Now().Add(waitTimeout))
		if n, err := idle.Read(make([]byte, 1)); n != 0 || (err != io.EOF && !isReset(err)) {
			t.Fatalf("the idle connection read %d, %v; want it closed", n, err)
		}
	})
	base.settles(t)
}

// TestPipelinedHello: a hello sent in the same write as the handshake is read as the first
// frame, on both upgrade paths, and gets its answer.
func TestPipelinedHello(t *testing.T) {
	s := startServer(t, func(_ *config.Config, o *app.Options) { o.Room.Conn.ReadTimeout = 10 * time.Second })
	for _, afterRequest := range []bool{false, true} {
		t.Run(fmt.Sprintf("after another request %v", afterRequest), func(t *testing.T) {
			nc := dialRaw(t, s.addr)
			br := bufio.NewReader(nc)
			var buf bytes.Buffer
			if afterRequest {
				get, _ := http.NewRequest(http.MethodGet, "http://"+s.addr+"/healthz", nil)
				get.Write(&buf)
			}
			upgradeRequest(s).Write(&buf)
			var enc protocol.Encoder
			hello, _ := enc.Encode(&protocol.Hello{Version: protocol.Version, Name: "eve", Room: "nosuchroom"})
			ws.WriteFrame(&buf, ws.MaskFrame(ws.NewBinaryFrame(hello)))
			if _, err := nc.Write(buf.Bytes()); err != nil {
				t.Fatal(err)
			}
			if afterRequest {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("upgrade: %v %v", resp, err)
			}
			c := &rawConn{t: t, nc: nc, r: br}
			if code, _, _ := c.closed(); code != 4504 {
				t.Fatalf("the pipelined hello was answered with %d, want 4504 (no such room)", code)
			}
		})
	}
}

// openConnections reads the server's count of open connections from /metrics, over a
// connection that does not stay open.
func openConnections(t *testing.T, s *server) int {
	t.Helper()
	c := http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + s.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, "skirmish_open_connections "); ok {
			n, _ := strconv.Atoi(v)
			return n - 1 // not counting this request's own
		}
	}
	t.Fatal("no skirmish_open_connections in /metrics")
	return 0
}

// smallWindow dials with a 2 KiB receive buffer, set before connecting so the window stays
// small: a client that does not read then stops the server's writes at once.
var smallWindow = net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
	return rc.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 2048)
	})
}}

// dialSmallWindow connects through smallWindow.
func dialSmallWindow(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, err := smallWindow.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

// isReset reports a connection the server reset rather than closed in order.
func isReset(err error) bool { return err != nil && strings.Contains(err.Error(), "connection reset") }

// TestDescriptorBudget: a flood of idle connections beyond the server's connection budget
// is refused at once with 503 instead of queued, a room beside keeps its tick rate, and once
// the flood is closed the server answers again within a couple of seconds.
func TestDescriptorBudget(t *testing.T) {
	const budget, flood = 40, 150
	s := startServer(t, func(_ *config.Config, o *app.Options) {
		o.MaxOpen = budget
		o.HTTP.HeaderTimeout = 10 * time.Second // the flood stays open unless refused
	})
	by := s.bystander(60)
	base := measure()
	refused := 0
	by.during(t, func() {
		conns := make([]net.Conn, 0, flood)
		for range flood {
			nc, err := net.Dial("tcp", s.addr)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, nc)
		}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, nc := range conns {
			wg.Go(func() {
				_ = nc.SetReadDeadline(time.Now().Add(time.Second))
				head := make([]byte, 12)
				if n, _ := io.ReadFull(nc, head); n == len(head) && string(head) == "HTTP/1.1 503" {
					mu.Lock()
					refused++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if refused < flood-budget-5 {
			t.Errorf("%d of %d connections over a budget of %d were refused at once", refused, flood, budget)
		}
		for _, nc := range conns {
			nc.Close()
		}
	})
	closed := time.Now()
	client := http.Client{Timeout: time.Second}
	waitFor(t, waitTimeout, "the server answering again", func() bool {
		resp, err := client.Get("http://" + s.addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if waited := time.Since(closed); waited > 3*time.Second {
		t.Fatalf("the server answered %v after the flood closed, want within a couple of seconds", waited)
	}
	if got := scrape(t, s, `skirmish_refusals_total{reason="descriptors"}`); got == "" || got == "0" {
		t.Fatalf("descriptor refusals counted %q", got)
	}
	client.CloseIdleConnections()
	base.settles(t)
}

// TestBrowserHygiene: every answer carries the security headers (a CSP without inline
// script, no framing, no sniffing, no referrer to other sites), and with -metrics-addr the
// metrics leave the public port for their own address.
func TestBrowserHygiene(t *testing.T) {
	s := startServer(t, func(cfg *config.Config, _ *app.Options) { cfg.MetricsAddr = "127.0.0.1:0" })
	for _, path := range []string{"/", "/watch", "/watch/abc", "/api/rooms", "/healthz"} {
		t.Run(path, func(t *testing.T) {
			resp, err := http.Get("http://" + s.addr + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			h := resp.Header
			csp := h.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") ||
				!strings.Contains(csp, "frame-ancestors 'none'") || h.Get("X-Frame-Options") != "DENY" ||
				h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
				t.Fatalf("security headers %v", h)
			}
		})
	}
	t.Run("metrics on their own address", func(t *testing.T) {
		if status, _, _ := request(t, s, "127.0.0.1", "", http.MethodGet, "/metrics", ""); status != http.StatusNotFound {
			t.Fatalf("/metrics on the public port: %d, want 404", status)
		}
		resp, err := http.Get("http://" + s.metrics + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "skirmish_open_connections") {
			t.Fatalf("/metrics on its own address: %d", resp.StatusCode)
		}
	})
}
