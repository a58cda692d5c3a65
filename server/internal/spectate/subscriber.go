package spectate

import (
	"errors"
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"skirmish/server/internal/sockq"
)

// errNoRawConn reports a hijacked connection that does not expose its descriptor (TLS, for
// instance), which the non-blocking write path needs.
var errNoRawConn = errors.New("spectate: connection does not expose its descriptor")

// subscriber is one spectator stream. It owns its connection but no goroutine: its topic's
// writer does all its writes, never blocking on it. A stream that net/http keeps (HTTP/2,
// TLS) has a pipe to its handler instead of a connection.
type subscriber struct {
	conn net.Conn
	raw  syscall.RawConn
	pipe *pipe
	// release is called once when the stream ends (the admission's count of open streams).
	release func()
	// from is the last event id the stream's opening already covers; the writer skips older
	// events still queued when the subscriber joined.
	from uint64
	// pending holds what the socket has not taken yet: sub-slices of shared event bytes, in
	// order. It is nil while the spectator keeps up.
	pending [][]byte
	owed    int
	since   time.Time // when the socket last took bytes while some were owed
	// broken is set once a write failed: the spectator went away rather than fell behind.
	broken bool
	// drain tells whether the spectator acknowledges what its socket took.
	drain sockq.Drain

	// The arguments and results of writeFD, kept here so the write path does not allocate.
	wbuf    []byte
	wvec    [][]byte
	wn      int
	werr    error
	writeFn func(fd uintptr) bool
}

func newSubscriber(conn net.Conn, release func()) (*subscriber, error) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil, errNoRawConn
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	s := &subscriber{conn: conn, raw: raw, release: release}
	s.writeFn = s.writeFD
	return s, nil
}

// setSendBuffer sets the socket's kernel send buffer; it works on the descriptor, so it does not
// matter what wraps the connection.
func (s *subscriber) setSendBuffer(bytes int) {
	s.raw.Control(func(fd uintptr) {
		unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF, bytes)
	})
}

// queue appends b to what the subscriber owes.
func (s *subscriber) queue(b []byte, now time.Time) {
	if len(b) == 0 {
		return
	}
	if s.owed == 0 {
		s.since = now
	}
	s.pending = append(s.pending, b)
	s.owed += len(b)
}

// send writes b after anything still owed, and reports whether the subscriber is healthy: its
// socket is open, it is not owed more than limit bytes, and it took bytes within stuck.
func (s *subscriber) send(b []byte, now time.Time, limit int, stuck time.Duration) bool {
	if s.owed == 0 {
		n, err := s.write(b)
		if err != nil {
			return false
		}
		if n < len(b) {
			s.queue(b[n:], now)
		}
		return true
	}
	s.queue(b, now)
	return s.flush(now, limit, stuck)
}

// flush writes as much of what is owed as the socket takes without blocking, in one
// writev(2) however many events a spectator that fell behind owes.
func (s *subscriber) flush(now time.Time, limit int, stuck time.Duration) bool {
	if len(s.pending) > 0 {
		n, err := s.writev(s.pending[:min(len(s.pending), maxIovecs)])
		if err != nil {
			return false
		}
		if n > 0 {
			s.owed -= n
			s.since = now
			s.consume(n)
		}
	}
	if len(s.pending) == 0 {
		s.pending = nil
		return true
	}
	return s.owed <= limit && now.Sub(s.since) < stuck
}

// maxIovecs is the most buffers one writev(2) takes (Linux's IOV_MAX).
const maxIovecs = 1024

// consume drops the first n bytes of what is owed.
func (s *subscriber) consume(n int) {
	for n > 0 {
		b := s.pending[0]
		if n < len(b) {
			s.pending[0] = b[n:]
			return
		}
		n -= len(b)
		s.pending[0] = nil
		s.pending = s.pending[1:]
	}
}

// write makes one non-blocking write(2) and returns how much the socket took; a full socket
// takes nothing and is not an error.
func (s *subscriber) write(b []byte) (int, error) {
	s.wbuf = b
	return s.do()
}

// writev is write for several buffers at once.
func (s *subscriber) writev(bs [][]byte) (int, error) {
	if len(bs) == 1 {
		return s.write(bs[0])
	}
	s.wvec = bs
	return s.do()
}

func (s *subscriber) do() (int, error) {
	var n int
	var err error
	if s.pipe != nil {
		n, err = s.pipe.put(s.wbuf, s.wvec)
	} else if err = s.raw.Write(s.writeFn); err == nil {
		n, err = s.wn, s.werr
	}
	s.wbuf, s.wvec = nil, nil
	if err != nil {
		s.broken = true
		return 0, err
	}
	return n, nil
}

// close ends the stream: the connection closes, or the handler of a piped one returns.
func (s *subscriber) close() {
	if s.pipe != nil {
		s.pipe.close()
		return
	}
	s.conn.Close()
}

// writeFD is the RawConn.Write callback. It always reports done, so a full socket returns at
// once instead of parking the writer until it drains.
func (s *subscriber) writeFD(fd uintptr) bool {
	for {
		var n int
		var err error
		if s.wvec != nil {
			n, err = unix.Writev(int(fd), s.wvec)
		} else {
			n, err = unix.Write(int(fd), s.wbuf)
		}
		switch err {
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			n, err = 0, nil
		}
		s.wn, s.werr = max(n, 0), err
		return true
	}
}
