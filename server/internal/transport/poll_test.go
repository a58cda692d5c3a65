package transport

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// tcpPair returns a server connection and the client's end of it, over loopback TCP.
func tcpPair(t *testing.T, opts Options) (*Conn, net.Conn) {
	t.Helper()
	sc, cc := pipe(t)
	c := Wrap(sc, opts)
	t.Cleanup(c.Shutdown)
	return c, cc
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
// is empty, reads at most once a round, holds no read buffer between two frames, and reports
// the client's close and silence as ReadMessage does.
func TestPoll(t *testing.T) {
	t.Run("empty socket returns at once", func(t *testing.T) {
		c, _ := tcpPair(t, Options{})
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
		c, cc := tcpPair(t, Options{})
		a, b := masked(t, ws.OpBinary, []byte("first")), masked(t, ws.OpBinary, []byte("second"))
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
	t.Run("no read buffer held between frames", func(t *testing.T) {
		c, cc := tcpPair(t, Options{})
		if _, err := cc.Write(masked(t, ws.OpBinary, []byte("x"))); err != nil {
			t.Fatal(err)
		}
		if p, err := pollUntil(t, c); err != nil || string(p) != "x" {
			t.Fatalf("Poll = %q, %v; want x", p, err)
		}
		if p, err := c.Poll(); p != nil || err != nil {
			t.Fatalf("the end of the round: %q, %v", p, err)
		}
		if c.in.buf != nil {
			t.Fatal("a connection idle between two frames still holds its read buffer")
		}
	})
	t.Run("one read per round", func(t *testing.T) {
		c, cc := tcpPair(t, Options{})
		one := masked(t, ws.OpBinary, []byte("x"))
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
			c, cc := tcpPair(t, Options{})
			if _, err := cc.Write(masked(t, ws.OpBinary, []byte("last"))); err != nil {
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
		c, cc := tcpPair(t, Options{})
		msg := append(masked(t, ws.OpPing, []byte("hi")), masked(t, ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))...)
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
		c, _ := tcpPair(t, Options{PingInterval: 20 * time.Millisecond, ReadTimeout: 60 * time.Millisecond})
		if _, err := pollUntil(t, c); !errors.Is(err, ErrTimeout) {
			t.Fatalf("err = %v, want ErrTimeout", err)
		}
	})
	t.Run("goroutine reads asked for", func(t *testing.T) {
		c, _ := tcpPair(t, Options{GoroutineReads: true})
		if c.Pollable() {
			t.Fatal("a connection with GoroutineReads is pollable")
		}
	})
}

// TestPolledThenRead: a connection its room polled, and then let go to a goroutine that reads
// it (as a room's closing player is drained), still wakes that goroutine for a message of a
// few bytes: polling makes its socket quiet for the runtime's poller, reading makes it
// speak again.
func TestPolledThenRead(t *testing.T) {
	c, cc := tcpPair(t, Options{})
	if _, err := cc.Write(masked(t, ws.OpBinary, []byte("polled"))); err != nil {
		t.Fatal(err)
	}
	if p, err := pollUntil(t, c); err != nil || string(p) != "polled" {
		t.Fatalf("Poll = %q, %v; want polled", p, err)
	}
	got := make(chan string, 1)
	go func() {
		p, err := c.ReadMessage()
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(p)
	}()
	time.Sleep(50 * time.Millisecond) // the reader waits on the poller before the bytes come
	if _, err := cc.Write(masked(t, ws.OpBinary, []byte("read"))); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if p != "read" {
			t.Fatalf("ReadMessage after polling = %q, want read", p)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a goroutine reading a connection that was polled did not wake for a message")
	}
}
