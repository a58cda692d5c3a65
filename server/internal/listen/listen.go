// Package listen guards the server's listening socket against descriptor exhaustion: it keeps
// count of the connections it has handed out, refuses new ones at once (a 503 and a close)
// when the process nears its descriptor limit instead of leaving them queued, backs off and
// recovers when accept fails for lack of descriptors, and raises the process's soft limit on
// open files to the hard one.
package listen

import (
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Options tune a guarded listener.
type Options struct {
	// MaxOpen is how many accepted connections may be open at once; beyond it new ones are
	// refused. Zero means the descriptor limit less a reserve for everything else the
	// process opens (FileReserve).
	MaxOpen int
	// Refusal is written to a connection refused for lack of descriptors before it is closed.
	Refusal []byte
	// OnRefuse, when set, is called for every refused connection (for metrics and the log).
	OnRefuse func(reason string)
}

// The reasons OnRefuse is given.
const (
	ReasonDescriptors = "descriptors"  // the process is at its connection budget
	ReasonAcceptError = "accept_error" // accept failed with a temporary error
)

// FileReserve is how many descriptors the default budget leaves for files, the metrics
// listener and the runtime.
const FileReserve = 64

// Listener is a guarded net.Listener.
type Listener struct {
	inner net.Listener
	opts  Options
	open  atomic.Int64
	// spare is a descriptor held in reserve: when accept fails because the process has none
	// left, closing it lets one pending connection be accepted and refused, so a flood does
	// not sit in the backlog.
	spareMu sync.Mutex
	spare   *os.File
}

// Guard wraps ln.
func Guard(ln net.Listener, opts Options) *Listener {
	if opts.MaxOpen <= 0 {
		soft, _, err := FileLimit()
		opts.MaxOpen = max(int(soft)-FileReserve, 16)
		if err != nil {
			opts.MaxOpen = 1024 - FileReserve
		}
	}
	l := &Listener{inner: ln, opts: opts}
	l.spare, _ = os.Open(os.DevNull)
	return l
}

// Open returns how many accepted connections are open.
func (l *Listener) Open() int { return int(l.open.Load()) }

// Accept implements net.Listener. It returns only errors that end the listener; temporary
// failures are retried with a growing pause (5 ms up to 1 s), as net/http does.
func (l *Listener) Accept() (net.Conn, error) {
	var pause time.Duration
	for {
		c, err := l.inner.Accept()
		if err != nil {
			if !temporary(err) {
				return nil, err
			}
			l.refuse(ReasonAcceptError)
			if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				c = l.shed()
			}
			if c == nil {
				pause = min(max(2*pause, 5*time.Millisecond), time.Second)
				time.Sleep(pause)
				continue
			}
		}
		pause = 0
		if l.open.Load() >= int64(l.opts.MaxOpen) {
			l.reject(c, ReasonDescriptors)
			continue
		}
		l.open.Add(1)
		return l.track(c), nil
	}
}

// Close implements net.Listener.
func (l *Listener) Close() error {
	l.spareMu.Lock()
	if l.spare != nil {
		l.spare.Close()
		l.spare = nil
	}
	l.spareMu.Unlock()
	return l.inner.Close()
}

// Addr implements net.Listener.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

func (l *Listener) refuse(reason string) {
	if l.opts.OnRefuse != nil {
		l.opts.OnRefuse(reason)
	}
}

// reject answers a connection that cannot be served and closes it. The answer is one small
// write to an empty socket buffer, which does not block.
func (l *Listener) reject(c net.Conn, reason string) {
	l.refuse(reason)
	if len(l.opts.Refusal) > 0 {
		_ = c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		_, _ = c.Write(l.opts.Refusal)
	}
	_ = c.Close()
}

// shedWait bounds how long shed waits for a connection.
const shedWait = 10 * time.Millisecond

// shed gives up the spare descriptor to accept one pending connection and takes the spare
// back. If that fails the process is still out of descriptors, and the connection is refused;
// else descriptors were freed meanwhile, and shed returns the connection to serve. Only a
// connection that is already waiting, or arrives within shedWait, is taken: accept(2) wants a
// descriptor before it looks for a connection, so the process may be out of them with none
// pending.
func (l *Listener) shed() net.Conn {
	l.spareMu.Lock()
	defer l.spareMu.Unlock()
	if l.spare == nil {
		return nil
	}
	l.spare.Close()
	l.spare = nil
	if d, ok := l.inner.(interface{ SetDeadline(time.Time) error }); ok {
		_ = d.SetDeadline(time.Now().Add(shedWait))
		defer d.SetDeadline(time.Time{})
	}
	c, err := l.inner.Accept()
	l.spare, _ = os.Open(os.DevNull)
	switch {
	case err != nil:
		return nil
	case l.spare != nil:
		return c
	}
	l.reject(c, ReasonDescriptors)
	l.spare, _ = os.Open(os.DevNull)
	return nil
}

// temporary reports whether an accept error is worth retrying: the process or system is out
// of descriptors or memory, or the peer gave up before accept.
func temporary(err error) bool {
	for _, e := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
		syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EINTR, syscall.EAGAIN, syscall.EPROTO} {
		if errors.Is(err, e) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// track wraps c so that closing it gives its place back, once.
func (l *Listener) track(c net.Conn) net.Conn {
	if tc, ok := c.(*net.TCPConn); ok {
		return &TCPConn{TCPConn: tc, l: l}
	}
	return &conn{Conn: c, l: l}
}

// TCPConn is an accepted TCP connection counted against the budget. It keeps every method of
// *net.TCPConn (the descriptor for direct writes, CloseWrite, buffer sizes).
type TCPConn struct {
	*net.TCPConn
	l    *Listener
	once sync.Once
}

// Close implements net.Conn and gives the connection's place back.
func (c *TCPConn) Close() error {
	c.once.Do(func() { c.l.open.Add(-1) })
	return c.TCPConn.Close()
}

// conn is any other accepted connection counted against the budget.
type conn struct {
	net.Conn
	l    *Listener
	once sync.Once
}

func (c *conn) Close() error {
	c.once.Do(func() { c.l.open.Add(-1) })
	return c.Conn.Close()
}

// FileLimit returns the process's soft and hard limits on open files.
func FileLimit() (soft, hard uint64, err error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, 0, err
	}
	return lim.Cur, lim.Max, nil
}

// RaiseFileLimit lifts the soft limit on open files to the hard limit and returns both as
// they are afterwards.
func RaiseFileLimit() (soft, hard uint64, err error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, 0, err
	}
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
			return lim.Cur, lim.Max, err
		}
		lim = raised
	}
	return lim.Cur, lim.Max, nil
}
