package baseline

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// cases are shared by the tests and the benchmarks.
var cases = []struct {
	name string
	kind Kind
}{
	{name: "floor", kind: Floor},
	{name: "floor+input", kind: FloorInput},
	{name: "naive", kind: Naive},
	{name: "gorilla", kind: Gorilla},
	{name: "gobwas", kind: Gobwas},
	{name: "gobwas+input", kind: GobwasInput},
}

func TestServeDeliversEveryMessage(t *testing.T) {
	payload := bytes.Repeat([]byte("snap"), 50)
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			cfg := Config{Kind: tt.kind, Conns: 4, Rounds: 5, Rate: 200, Payload: payload}
			type served struct {
				res Result
				err error
			}
			done := make(chan served, 1)
			go func() {
				res, err := Serve(ctx, ln, cfg)
				done <- served{res, err}
			}()

			sink, err := Dial(ctx, tt.kind, ln.Addr().String(), cfg.Conns-1, FrameBytes(payload))
			if err != nil {
				t.Fatal(err)
			}
			defer sink.Close()
			// The last client decodes what it reads, so the bytes are checked, not only
			// counted.
			got := make(chan [][]byte, 1)
			go func() { got <- readMessages(t, ctx, tt.kind, ln.Addr().String()) }()

			s := <-done
			if s.err != nil {
				t.Fatalf("Serve: %v", s.err)
			}
			if want := int64(cfg.Conns * cfg.Rounds); s.res.Messages != want {
				t.Errorf("Messages = %d, want %d", s.res.Messages, want)
			}
			if r := s.res; r.RoundP50 <= 0 || r.RoundP50 > r.RoundP99 || r.RoundP99 > r.RoundMax {
				t.Errorf("round durations p50 %v, p99 %v, max %v: want 0 < p50 <= p99 <= max", r.RoundP50, r.RoundP99, r.RoundMax)
			}
			frame := FrameBytes(payload)
			if s.res.FrameBytes != frame {
				t.Errorf("FrameBytes = %d, want %d", s.res.FrameBytes, frame)
			}
			perConn := int64((warmRounds + cfg.Rounds) * frame)
			// A close frame may follow the messages.
			if n := sink.Wait(); n < perConn*int64(cfg.Conns-1) {
				t.Errorf("sink read %d bytes, want at least %d", n, perConn*int64(cfg.Conns-1))
			}
			msgs := <-got
			if len(msgs) != warmRounds+cfg.Rounds {
				t.Fatalf("decoding client got %d messages, want %d", len(msgs), warmRounds+cfg.Rounds)
			}
			for i, m := range msgs {
				if !bytes.Equal(m, payload) {
					t.Fatalf("message %d = %q, want the payload", i, m)
				}
			}
		})
	}
}

// readMessages connects one client and returns the payloads of the binary messages it
// receives until the server closes.
func readMessages(t *testing.T, ctx context.Context, kind Kind, addr string) [][]byte {
	t.Helper()
	c, err := dialOne(ctx, kind, addr)
	if err != nil {
		t.Error(err)
		return nil
	}
	defer c.Close()
	var msgs [][]byte
	for {
		p, op, err := wsutil.ReadServerData(c)
		if err != nil {
			return msgs
		}
		if op == ws.OpBinary {
			msgs = append(msgs, p)
		}
	}
}

func TestParseKind(t *testing.T) {
	for _, k := range Kinds {
		if got, err := ParseKind(string(k)); err != nil || got != k {
			t.Errorf("ParseKind(%q) = %q, %v", k, got, err)
		}
	}
	if _, err := ParseKind("fastest"); err == nil {
		t.Error("ParseKind accepted an unknown baseline")
	}
}
