// Package transport is the player WebSocket layer on github.com/gobwas/ws at frame level: the
// zero-copy upgrade (its request head read within a size and time limit, its admission left
// to the caller), frame reads cut from a reused buffer with a size limit and a rate budget,
// control frames, keepalive, and the way out for shared, pre-built frames: a non-blocking
// write straight from the sender when the socket takes it, else a bounded outbox drained with
// one write per batch by a writer goroutine that exists only while frames wait, so that the
// room's tick never waits on a socket. One goroutine per ping interval pings the connections
// that fell quiet either way, ends the reads of those silent too long and closes those whose sockets
// stopped draining. A connection
// is read with ReadMessage by a goroutine of its own, or, when it is a plain TCP connection
// (not Options.GoroutineReads), its owner may poll it instead (poll.go): read it without
// blocking when it chooses, under the same budgets, so that it needs no goroutine of its own.
package transport

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gobwas/ws"

	"skirmish/server/internal/sockq"
)

// initialReadBuffer fits every regular client message (an input frame is about twenty
// bytes) several times over.
const initialReadBuffer = 128

// Options tune a connection. The zero value of a field means its default.
type Options struct {
	MaxMessage   int           // largest client frame payload; default 4 KiB
	PingInterval time.Duration // how often the server pings; default 1 s
	// ReadTimeout is how long a connection may stay silent (no frame at all, pongs included)
	// before it counts as dead, checked every ping interval; default 4 s.
	ReadTimeout time.Duration
	// WriteTimeout is how long one write may stay blocked before the client counts as stuck;
	// default 3 s.
	WriteTimeout time.Duration
	// StallTimeout is how long bytes the socket took may stay unacknowledged by the client
	// before it counts as stuck, checked every ping interval; default 5 s. It catches a client
	// that stopped reading while the kernel buffers still absorb what the server writes.
	StallTimeout time.Duration
	// MaxQueue is how many frames may wait to be written (not counting snapshots, which
	// replace each other) before the client counts as stuck; default 256.
	MaxQueue int
	// MaxRate bounds the frames a client may send a second, control frames included, with a
	// burst of rateBurst seconds' worth (what a client sends after a stall of the network or
	// of the server arrives at once); past it ReadMessage returns ErrFlood. 0 means no bound.
	MaxRate int
	// WriteBuffer, when positive, sets the socket's send buffer (tests use it to make a client
	// that stops reading fill it quickly).
	WriteBuffer int
	// Stats, when set, is told what the writer sends.
	Stats Stats
	// QueuedWrites sends every frame through a writer goroutine, as before direct writes;
	// the benchmarks measure what direct writes save.
	QueuedWrites bool
	// GoroutineReads keeps even a plain TCP connection from being pollable (see
	// Conn.Pollable): it is read by a goroutine of its own, as a TLS connection is. The
	// benchmarks compare the two paths (BENCHMARKS.md, ablation): a goroutine per player
	// costs about twice the memory for the same CPU a message.
	GoroutineReads bool
}

// Stats receives the writer's counters. Its methods are called from connection goroutines.
type Stats interface {
	Sent(frames, bytes int)
	SnapshotsDropped(n int)
}

func (o Options) withDefaults() Options {
	if o.MaxMessage <= 0 {
		o.MaxMessage = 4 << 10
	}
	if o.PingInterval <= 0 {
		o.PingInterval = time.Second
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = 4 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 3 * time.Second
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = 5 * time.Second
	}
	if o.MaxQueue <= 0 {
		o.MaxQueue = 256
	}
	return o
}

// Read errors that the caller turns into a protocol error and a close code.
var (
	ErrTextFrame = errors.New("text frame")
	ErrTooBig    = errors.New("frame too big")
	ErrBadFrame  = errors.New("bad frame")
	ErrTimeout   = errors.New("keepalive timeout")
	ErrClosed    = errors.New("connection closed")
	// ErrPeerClosed means the client closed the connection on purpose: its close frame
	// started the closing handshake (it did not answer one of the server's).
	ErrPeerClosed = errors.New("connection closed by the client")
	// ErrFlood means the client sent frames faster than Options.MaxRate allows.
	ErrFlood = errors.New("too many messages")
	// ErrBadClose means a close frame with a code a peer may not send (1005, 1006, 1015, or
	// outside the defined ranges) or a malformed payload.
	ErrBadClose = errors.New("invalid close frame")
	// ErrBadUTF8 means a close frame whose reason is not UTF-8.
	ErrBadUTF8 = errors.New("close reason not UTF-8")
)

// Conn is one upgraded player connection. ReadMessage is for one goroutine (the session);
// the Send methods and Close may be called from any goroutine and never block.
type Conn struct {
	nc   net.Conn
	opts *Options // with its defaults, shared by the connections of a listener
	// release, when set, is called once when the socket closes (see Admission).
	release func()

	in frameReader

	// Polled reads (see poll.go): whether the connection is read so, how many reads the
	// current round of polling may still make, and the reader's own scratch for the
	// descriptor's read callback. Direct writes (see direct.go): whether sock is the
	// connection's own socket, which a direct write needs (not one below TLS). The flags sit
	// together so that a Conn fits 512 bytes.
	polled    bool
	inRound   bool
	direct    bool
	quiet     bool // the socket does not wake the runtime's poller for its bytes (poll.go)
	readsLeft int32
	readFn    func(fd uintptr) bool // c.readFD, bound once so that reading allocates nothing
	readP     []byte
	readN     int
	readE     error

	out      outbox
	doneOnce sync.Once
	code     atomic.Uint32 // the close code the server chose, 0 while open
	// writeStart is when the writer's current write began (monotonic, 0 between writes):
	// a write that lasts means a client that does not read.
	writeStart atomic.Int64
	// seen is when the last bytes came from the client (monotonic): the keepalive sweep
	// closes a connection silent for longer than the read timeout.
	seen atomic.Int64
	// sock reaches the TCP socket below (through TLS too) for the sweep's checks; nil if none.
	sock  syscall.RawConn
	drain sockq.Drain // owned by the keepalive sweep

	// The reader's budget of frames (see Options.MaxRate), owned by the reader.
	tokens  float64
	tokenAt int64

	// The scratch of a direct write's callback, kept here so that writing allocates nothing;
	// guarded by the outbox lock.
	rawFn func(fd uintptr)
	rawP  []byte
	rawN  int

	// The writer goroutine's state, made by the first one: most connections never need one.
	wr *writerState
}

// newConn wraps an upgraded socket; early holds the bytes the client sent behind its
// handshake, which are read as the first frames, and release is called when it closes. opts
// holds its defaults (withDefaults) and must not change afterwards.
func newConn(nc net.Conn, early []byte, opts *Options, release func()) *Conn {
	c := &Conn{
		nc:      nc,
		opts:    opts,
		release: release,
	}
	if len(early) > 0 {
		c.in.buf = make([]byte, max(initialReadBuffer, len(early)))
		c.in.end = copy(c.in.buf, early)
	}
	if sb, ok := nc.(interface{ SetWriteBuffer(int) error }); ok && opts.WriteBuffer > 0 {
		// A smaller buffer only makes a stuck client visible sooner; failing to set it is harmless.
		_ = sb.SetWriteBuffer(opts.WriteBuffer)
	}
	c.out.max = opts.MaxQueue
	c.sock = sockq.Raw(nc)
	c.tokens, c.tokenAt = rateBurst*float64(opts.MaxRate), monotonic()
	if _, ok := nc.(syscall.Conn); ok && c.sock != nil {
		c.direct, c.rawFn = true, c.writeFD
		if !opts.GoroutineReads {
			c.polled, c.readFn = true, c.readFD
		}
	}
	c.seen.Store(monotonic())
	keepalive.add(c)
	return c
}

// RemoteAddr is the client's address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// Done is closed once the socket is closed.
func (c *Conn) Done() <-chan struct{} { return c.out.doneChan() }

// Finish closes the socket once the close frame the server queued has been written and the
// client has closed its end (or closeLinger has passed), at once if none was queued. The
// session calls it when it has stopped reading.
func (c *Conn) Finish() {
	if c.code.Load() != 0 {
		select {
		case <-c.out.flushedChan():
			c.discardUntilClosed()
		case <-c.out.doneChan():
		}
	}
	c.shut()
}

// discardUntilClosed reads and drops what the client still sends until it closes its end or
// closeLinger passes. A socket closed with bytes unread resets the connection, and the
// reset can reach the client before it has read the close frame, or fail its writes: over TLS
// a client still sending the rest of a frame too big to read lost the close code that way.
func (c *Conn) discardUntilClosed() {
	c.wakeOnBytes()
	if c.nc.SetReadDeadline(time.Now().Add(closeLinger)) != nil {
		return
	}
	var scrap [512]byte
	for {
		if _, err := c.nc.Read(scrap[:]); err != nil {
			return
		}
	}
}

// CloseCode is the close code the server closed the connection with, or 0.
func (c *Conn) CloseCode() uint16 { return uint16(c.code.Load()) }

// ReadMessage returns the payload of the next binary message. The slice is valid until the
// next call. Control frames are answered on the way; a close frame is echoed and reported as
// ErrPeerClosed, or as ErrClosed when it answers the server's own. Silence longer than the
// read timeout gives ErrTimeout.
func (c *Conn) ReadMessage() ([]byte, error) {
	c.wakeOnBytes()
	return c.readMessage((*blockingReads)(c))
}

// readMessage is ReadMessage with src as the way to more bytes.
func (c *Conn) readMessage(src io.Reader) ([]byte, error) {
	for {
		h, p, err := c.in.next(c.opts.MaxMessage, src)
		if err != nil {
			return nil, c.readErr(err)
		}
		if !c.spend() {
			return nil, fmt.Errorf("%w: more than %d a second", ErrFlood, c.opts.MaxRate)
		}
		switch {
		case h.Rsv != 0 || !h.Masked:
			return nil, fmt.Errorf("%w: reserved bits or unmasked client frame", ErrBadFrame)
		case h.OpCode.IsControl() && (h.Length > 125 || !h.Fin):
			return nil, fmt.Errorf("%w: control frame too long or fragmented", ErrBadFrame)
		}
		ws.Cipher(p, h.Mask, 0)
		switch h.OpCode {
		case ws.OpBinary:
			if !h.Fin {
				return nil, fmt.Errorf("%w: fragmented message", ErrBadFrame)
			}
			return p, nil
		case ws.OpText:
			return nil, ErrTextFrame
		case ws.OpPing:
			c.SendOwned(NewFrame(ws.OpPong, p))
		case ws.OpPong:
			// Any frame proves the client alive; the deadline moves with the next read.
		case ws.OpClose:
			code, err := closeCode(p)
			if err != nil {
				return nil, err
			}
			if c.closeWith(nil, uint16(code), "") {
				return nil, ErrPeerClosed
			}
			// The client's close is echoed; a closing server has sent its own already.
			c.closeWith(nil, code, "")
			return nil, ErrClosed
		default:
			return nil, fmt.Errorf("%w: opcode %d", ErrBadFrame, h.OpCode)
		}
	}
}

// rateBurst is how many seconds of Options.MaxRate a client may send at once.
const rateBurst = 5

// spend takes one frame from the reader's budget and reports whether there was one.
func (c *Conn) spend() bool {
	rate := float64(c.opts.MaxRate)
	if rate <= 0 {
		return true
	}
	now := monotonic()
	c.tokens = min(rateBurst*rate, c.tokens+rate*float64(now-c.tokenAt)/float64(time.Second))
	c.tokenAt = now
	if c.tokens < 1 {
		return false
	}
	c.tokens--
	return true
}

// closeCode returns the code of a client's close frame to echo (1000 for an empty one), or
// the error for a frame no peer may send: a one-byte payload, a code reserved for local use
// or outside the registered and private ranges, or a reason that is not UTF-8.
func closeCode(p []byte) (uint16, error) {
	switch {
	case len(p) == 0:
		return uint16(ws.StatusNormalClosure), nil
	case len(p) == 1:
		return 0, fmt.Errorf("%w: a one-byte payload", ErrBadClose)
	}
	code := binary.BigEndian.Uint16(p)
	switch {
	case code < 1000 || code >= 5000 || (code >= 1016 && code < 3000),
		code == 1004, code == 1005, code == 1006, code == 1015:
		return 0, fmt.Errorf("%w: code %d", ErrBadClose, code)
	case !utf8.Valid(p[2:]):
		return 0, ErrBadUTF8
	}
	return code, nil
}

// blockingReads is how ReadMessage reads a connection: a read that waits for bytes. It is a
// type of its own, not a method value, so that the connection does not hold a closure for it.
type blockingReads Conn

// Read reads what the socket has into p. An open connection reads without a deadline of its
// own: the keepalive sweep ends a read that waits too long, which spares a timer update per
// read. Once the server has closed, only the close echo is awaited, for closeLinger.
func (r *blockingReads) Read(p []byte) (int, error) {
	c := (*Conn)(r)
	if c.code.Load() != 0 {
		if err := c.nc.SetReadDeadline(time.Now().Add(closeLinger)); err != nil {
			return 0, err
		}
	}
	n, err := c.nc.Read(p)
	if n > 0 {
		c.seen.Store(monotonic())
	}
	return n, err
}

func (c *Conn) readErr(err error) error {
	if errors.Is(err, ErrTooBig) || errors.Is(err, ErrBadFrame) || errors.Is(err, ErrBadClose) || errors.Is(err, ErrBadUTF8) || err == errDrained {
		return err
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return ErrTimeout
	}
	return fmt.Errorf("%w: %w", ErrClosed, err)
}

// Close sends msg (a prepared error message, may be nil) and a close frame with code and
// reason, then closes the socket. A reason longer than a close frame allows is cut at a
// character boundary. Later sends are ignored. It does not block.
func (c *Conn) Close(msg *Frame, code uint16, reason string) {
	c.closeWith(msg, code, reason)
}

// closeWith starts (or, for the client's close frame, answers) the closing handshake, and
// reports whether it did: only the first close counts.
func (c *Conn) closeWith(msg *Frame, code uint16, reason string) bool {
	// Made before the close code is set, so that Finish, which waits on it once it sees a
	// code, finds it; a close that loses the race to another leaves it unused.
	c.out.expectClose()
	if !c.code.CompareAndSwap(0, uint32(code)) {
		if msg != nil {
			msg.Release()
		}
		return false
	}
	closeFrame := NewFrame(ws.OpClose, ws.NewCloseFrameBody(ws.StatusCode(code), closeReason(reason)))
	c.out.close(msg, closeFrame)
	c.flush()
	return true
}

// maxCloseReason is the longest reason a close frame carries: a control frame's 125 bytes
// less the 2-byte code.
const maxCloseReason = 123

// closeReason makes reason fit a close frame as valid UTF-8, which the protocol requires of
// it: invalid bytes become U+FFFD and a long reason is cut before the character that would
// not fit whole.
func closeReason(reason string) string {
	reason = strings.ToValidUTF8(reason, "\uFFFD")
	if len(reason) <= maxCloseReason {
		return reason
	}
	cut := maxCloseReason
	for cut > 0 && !utf8.RuneStart(reason[cut]) {
		cut--
	}
	return reason[:cut]
}

// Abort closes the socket at once without a close frame, recording code as the reason.
func (c *Conn) Abort(code uint16) {
	c.code.CompareAndSwap(0, uint32(code))
	c.shut()
}

func (c *Conn) shut() {
	c.doneOnce.Do(func() {
		_ = c.nc.Close()
		c.out.discard()
		keepalive.remove(c)
		if c.release != nil {
			c.release()
		}
	})
}

// ReadTimeoutOrDefault returns the read timeout in effect for these options.
func (o Options) ReadTimeoutOrDefault() time.Duration { return o.withDefaults().ReadTimeout }

// Wrap serves an already upgraded WebSocket connection (the benchmarks use it on plain
// loopback sockets; the server goes through Upgrade).
func Wrap(nc net.Conn, opts Options) *Conn {
	opts = opts.withDefaults()
	return newConn(nc, nil, &opts, nil)
}
