package transport

import (
	"io"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// TestDirectWritesAfterASlowSpell: once a writer goroutine has sent what a full socket left
// over, under its write deadline, the sender writes directly again, even after that deadline
// has passed.
func TestDirectWritesAfterASlowSpell(t *testing.T) {
	c, cc := tcpPair(t, Options{WriteTimeout: 50 * time.Millisecond})
	go func() { _, _ = io.Copy(io.Discard, cc) }()
	frame := NewFrame(ws.OpBinary, []byte("snapshot"))
	if c.out.push(frame) {
		t.Fatal("one frame overflowed the outbox")
	}
	c.flush() // as after a write the socket did not take whole
	for end := time.Now().Add(2 * time.Second); ; time.Sleep(time.Millisecond) {
		c.out.mu.Lock()
		idle := !c.out.busy && len(c.out.items) == 0
		c.out.mu.Unlock()
		if idle {
			break
		}
		if time.Now().After(end) {
			t.Fatal("the writer goroutine did not send the frame")
		}
	}
	time.Sleep(100 * time.Millisecond) // past the writer's deadline
	if n := c.writeNow(frame.buf); n != len(frame.buf) {
		t.Fatalf("a direct write after the writer's deadline took %d of %d bytes", n, len(frame.buf))
	}
}
