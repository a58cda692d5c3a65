package transport

import (
	"errors"
	"io"
	"syscall"

	"skirmish/server/internal/rawio"
	"skirmish/server/internal/sockq"
)

// Polled reads: the goroutine that owns a player's room reads the player's socket itself, once
// per tick and without blocking, instead of a reader goroutine per connection that wakes for
// every input. The read goes through syscall.RawConn.Read with a callback that always reports
// done, so an empty socket returns at once; a read deadline in the past would not do, since it
// fails the read before it looks at bytes already waiting. The bytes land in a small frame
// buffer, the connection's only while it is read (see frameReader.release), and only whole
// frames are parsed, exactly as ReadMessage parses them: control frames, the client's close
// and the read errors are the same on both paths. The keepalive sweep ends a silent polled
// connection as it ends a blocked reader, by a deadline in the past, which the next poll
// reports as ErrTimeout.

// errDrained says a poll found no more bytes this round.
var errDrained = errors.New("nothing more to read this round")

// Pollable reports whether Poll can read the connection: it is a plain TCP socket with nothing
// buffered ahead of it, and Options.GoroutineReads did not ask for a goroutine. Any other connection (TLS
// among them) is read by a goroutine with ReadMessage.
func (c *Conn) Pollable() bool { return c.polled }

// Poll returns the next whole binary message among what the connection holds, or nil when
// there is none until the next round. A round reads the socket at most once, without
// blocking: the first Poll after one that returned nil reads, later ones parse what that read
// brought. The slice is valid until the next call. Errors are ReadMessage's. Poll and
// ReadMessage are for one goroutine at a time, and Poll only on a Pollable connection.
func (c *Conn) Poll() ([]byte, error) { return c.poll(1) }

// PollAll is Poll for a round that reads until the socket is empty (up to a bound), so that
// it also reads the client's end of the connection behind the last message, which a single
// read leaves for the next round: a room asks it before seating a player who may be this
// connection's client coming back.
func (c *Conn) PollAll() ([]byte, error) { return c.poll(maxRoundReads) }

// maxRoundReads bounds the reads of a PollAll round, so that a flooding client cannot hold
// its room's ticker.
const maxRoundReads = 16

func (c *Conn) poll(reads int32) ([]byte, error) {
	if !c.quiet {
		// Once: a socket that refuses stays as it was, read all the same.
		c.quiet = true
		_ = sockq.SetWakeAt(c.sock, quietBytes)
	}
	if !c.inRound {
		c.inRound, c.readsLeft = true, reads
	}
	p, err := c.readMessage((*polledReads)(c))
	if err == errDrained {
		c.inRound = false
		c.in.release()
		return nil, nil
	}
	return p, err
}

// A polled socket is read when its room chooses, so the runtime's poller has no use for its
// readiness. Yet every input a client sent woke it: at 1,000 players sending 30 inputs a
// second, an idle processor came out of epoll_wait tens of thousands of times a second to find
// nothing to run, some 8 % of the server's CPU. A polled socket is made readable for the
// poller only past quietBytes received, more than a client sends between two ticks; a
// goroutine that reads it to wait for bytes (ReadMessage, once the room let it go) restores
// the usual single byte first.
const quietBytes = 32 << 10

// wakeOnBytes makes the socket readable for the poller on any byte again, if polling had
// made it quiet. It is for the reader's goroutine.
func (c *Conn) wakeOnBytes() {
	if c.quiet {
		c.quiet = false
		_ = sockq.SetWakeAt(c.sock, 1)
	}
}

// polledReads is how a polled round reads a connection (see blockingReads).
type polledReads Conn

// Read is one non-blocking read(2) into p, then nothing until the next round.
func (r *polledReads) Read(p []byte) (int, error) {
	c := (*Conn)(r)
	if c.readsLeft <= 0 {
		return 0, errDrained
	}
	c.readsLeft--
	c.readP = p
	err := c.sock.Read(c.readFn)
	c.readP = nil
	switch {
	case err != nil: // the socket is closed, or the keepalive sweep's deadline passed
		return 0, err
	case c.readE == syscall.EAGAIN || c.readE == syscall.EINTR:
		c.readsLeft = 0
		return 0, errDrained
	case c.readE != nil:
		return 0, c.readE
	case c.readN == 0:
		return 0, io.EOF
	}
	c.seen.Store(monotonic())
	return c.readN, nil
}

// readFD is the RawConn.Read callback: it reports done whatever happened, so an empty socket
// returns at once instead of waiting.
func (c *Conn) readFD(fd uintptr) bool {
	c.readN, c.readE = rawio.Read(fd, c.readP)
	return true
}
