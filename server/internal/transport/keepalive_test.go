package transport

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// TestSilenceIsTheClients: the keepalive sweep ends the read of a client that sent nothing
// for longer than the read timeout, but not of one whose bytes wait in the socket because the
// server did not get round to reading them (a server short of CPU must not blame its
// clients).
func TestSilenceIsTheClients(t *testing.T) {
	opts := Options{PingInterval: 50 * time.Millisecond, ReadTimeout: 300 * time.Millisecond}
	tests := []struct {
		name  string
		talks bool // the client keeps sending while the server reads nothing
		want  error
	}{
		{"silent client", false, ErrTimeout},
		{"client heard late", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server, client := pipe(t)
			c := Wrap(server, opts)
			defer c.Shutdown()
			frame := masked(t, ws.OpBinary, []byte("input"))
			deadline := time.Now().Add(4 * opts.ReadTimeout)
			for time.Now().Before(deadline) {
				if tt.talks {
					if _, err := client.Write(frame); err != nil {
						t.Fatal(err)
					}
				}
				time.Sleep(opts.PingInterval / 2)
			}
			_, err := c.ReadMessage()
			if !errors.Is(err, tt.want) {
				t.Fatalf("the late read got %v, want %v", err, tt.want)
			}
		})
	}
}

// TestPingsOnlyTheQuiet: the server pings a connection quiet either way, so that the client's
// pong shows it is alive and the ping shows the client the server is; it spares one busy both
// ways (inputs in, snapshots out) the frame.
func TestPingsOnlyTheQuiet(t *testing.T) {
	opts := Options{PingInterval: 200 * time.Millisecond, ReadTimeout: 5 * time.Second}
	tests := []struct {
		name         string
		talks, hears bool // the client sends, the server sends
		wantPings    bool
	}{
		{"silent client", false, false, true},
		{"client the server has nothing for", true, false, true},
		{"client in play", true, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server, client := pipe(t)
			c := Wrap(server, opts)
			defer c.Shutdown()
			go func() {
				for {
					if _, err := c.ReadMessage(); err != nil {
						return
					}
				}
			}()
			pings := make(chan int, 1)
			go func() {
				n := 0
				defer func() { pings <- n }()
				for {
					h, err := ws.ReadHeader(client)
					if err != nil {
						return
					}
					if _, err := io.CopyN(io.Discard, client, h.Length); err != nil {
						return
					}
					if h.OpCode == ws.OpPing {
						n++
					}
				}
			}()
			input := masked(t, ws.OpBinary, []byte("input"))
			snapshot := NewFrame(ws.OpBinary, []byte("snapshot"))
			for end := time.Now().Add(5 * opts.PingInterval); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
				if tt.talks {
					if _, err := client.Write(input); err != nil {
						t.Fatal(err)
					}
				}
				if tt.hears {
					c.Send(snapshot)
				}
			}
			client.SetReadDeadline(time.Now())
			switch n := <-pings; {
			case tt.wantPings && n < 2:
				t.Errorf("got %d pings in %v, want one every %v", n, 5*opts.PingInterval, opts.PingInterval)
			case !tt.wantPings && n > 0:
				t.Errorf("got %d pings, want none", n)
			}
		})
	}
}

// pipe returns both ends of a loopback TCP connection.
func pipe(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		client.Close()
		server.Close()
	})
	return server, client
}

func masked(t *testing.T, op ws.OpCode, p []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := ws.WriteFrame(&b, ws.MaskFrame(ws.NewFrame(op, true, p))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
