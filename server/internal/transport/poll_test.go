package transport

import (
	"bytes"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// pollPair returns a polled server connection and the client's end of it, over loopback TCP.
func pollPair(t *testing.T, opts Options) (*Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c := Wrap(sc, opts)
	t.Cleanup(func() { c.Shutdown(); cc.Close() })
	return c, cc
}

func clientBytes(t *testing.T, op ws.OpCode, payload []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := ws.WriteFrame(&b, ws.MaskFrame(ws.NewFrame(op, true, payload))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pollUntil polls c once per millisecond, as a room polls once per tick, until it returns a
// message or an error, or a second has passed.
func pollUntil(t *testing.T, c *Conn) ([]byte, error) {
	t.Helper()
	for end := time.Now().Add(time.Second); time.Now().Before(end); time.Sleep(time.Millisecond) {
		if p, err := c.Poll(); p != nil || err != nil {
			return p, err
		}
	}
	return nil, nil
}

// TestPoll: a polled connection hands out whole messages only, returns at once when the socket
// is empty, reads at most once a round, and reports the client's close and silence as
// ReadMessage does.
func TestPoll(t *testing.T) {
	t.Run("empty socket returns at once", func(t *testing.T) {
		c, _ := pollPair(t, Options{})
		if !c.Pollable() {
			t.Fatal("a loopback TCP connection is not pollable")
		}
		start := time.Now()
		if p, err := c.Poll(); p != nil || err != nil {
			t.Fatalf("Poll on an empty socket = %q, %v", p, err)
		}
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Fatalf("Poll on an empty socket took %v", d)
		}
	})
	t.Run("whole frames only, several per read", func(t *testing.T) {
		c, cc := pollPair(t, Options{})
		a, b := clientBytes(t, ws.OpBinary, []byte("first")), clientBytes(t, ws.OpBinary, []byte("second"))
		if _, err := cc.Write(append(a, b[:3]...)); err != nil {
			t.Fatal(err)
		}
		if p, err := pollUntil(t, c); err != nil || string(p) != "first" {
			t.Fatalf("Poll = %q, %v; want first", p, err)
		}
		if p, err := c.Poll(); p != nil || err != nil {
			t.Fatalf("Poll with half a frame read = %q, %v; want nothing", p, err)
		}
		if _, err := cc.Write(b[3:]); err != nil {
			t.Fatal(err)
		}
		if p, err := pollUntil(t, c); err != nil || string(p) != "second" {
			t.Fatalf("Poll = %q, %v; want second", p, err)
		}
	})
	t.Run("one read per round", func(t *testing.T) {
		c, cc := pollPair(t, Options{})
		one := clientBytes(t, ws.OpBinary, []byte("x"))
		if _, err := cc.Write(one); err != nil {
			t.Fatal(err)
		}
		if p, err := pollUntil(t, c); err != nil || string(p) != "x" {
			t.Fatalf("Poll = %q, %v; want x", p, err)
		}
		if _, err := cc.Write(one); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		// The round that returned x has read the socket already: what came after waits.
		if p, err := c.Poll(); p != nil || err != nil {
			t.Fatalf("a second read in one round: %q, %v", p, err)
		}
		if p, err := c.Poll(); err != nil || string(p) != "x" {
			t.Fatalf("the next round: %q, %v; want x", p, err)
		}
	})
	t.Run("a round of PollAll reads the end behind the last message", func(t *testing.T) {
		for _, all := range []bool{false, true} {
			c, cc := pollPair(t, Options{})
			if _, err := cc.Write(clientBytes(t, ws.OpBinary, []byte("last"))); err != nil {
				t.Fatal(err)
			}
			cc.Close()
			time.Sleep(50 * time.Millisecond)
			poll := c.Poll
			if all {
				poll = c.PollAll
			}
			if p, err := poll(); err != nil || string(p) != "last" {
				t.Fatalf("all=%v: %q, %v; want last", all, p, err)
			}
			_, err := poll()
			if all && !errors.Is(err, ErrClosed) {
				t.Fatalf("PollAll after the last message: %v, want ErrClosed in the same round", err)
			}
			if !all && err != nil {
				t.Fatalf("Poll after the last message: %v, want nothing until the next round", err)
			}
		}
	})
	t.Run("ping answered, close reported", func(t *testing.T) {
		c, cc := pollPair(t, Options{})
		msg := append(clientBytes(t, ws.OpPing, []byte("hi")), clientBytes(t, ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))...)
		if _, err := cc.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := pollUntil(t, c); !errors.Is(err, ErrPeerClosed) {
			t.Fatalf("err = %v, want ErrPeerClosed", err)
		}
		_ = cc.SetReadDeadline(time.Now().Add(time.Second))
		h, err := ws.ReadHeader(cc)
		if err != nil || h.OpCode != ws.OpPong {
			t.Fatalf("first frame back: %+v, %v; want the pong", h, err)
		}
	})
	t.Run("silence ends in ErrTimeout", func(t *testing.T) {
		c, _ := pollPair(t, Options{PingInterval: 20 * time.Millisecond, ReadTimeout: 60 * time.Millisecond})
		if _, err := pollUntil(t, c); !errors.Is(err, ErrTimeout) {
			t.Fatalf("err = %v, want ErrTimeout", err)
		}
	})
	t.Run("goroutine reads asked for", func(t *testing.T) {
		c, _ := pollPair(t, Options{GoroutineReads: true})
		if c.Pollable() {
			t.Fatal("a connection with GoroutineReads is pollable")
		}
	})
}
