package transport

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/gobwas/ws"

	"skirmish/server/internal/httperr"
	"skirmish/server/internal/sockq"
)

// Handshake is what the admission of a player upgrade sees of its request.
type Handshake struct {
	Origin string // the Origin header; empty for clients that are not browser pages
	Host   string // the Host header
	Remote net.Addr
}

// Admission decides whether a player upgrade may proceed. It returns the refusal, or nil and
// a release function (may be nil) that the connection calls once when it closes, for limits
// that count open connections.
type Admission func(h Handshake) (release func(), refusal *httperr.Error)

// DemuxOptions configure a Demux. Zero values mean the defaults.
type DemuxOptions struct {
	Path  string // the player endpoint, such as "/ws"
	Admit Admission
	Serve func(*Conn) // serves an upgraded player connection; called on its own goroutine
	Conn  Options     // options of every player connection
	// HeaderTimeout bounds how long a new connection may take to send its request head;
	// default 5 s. A late one is answered 408.
	HeaderTimeout time.Duration
	// MaxHeader bounds the request head in bytes; default 16 KiB. A larger one is answered 431.
	MaxHeader int
	// OnRefuse, when set, is told every connection the demux answers with an error itself,
	// with the error's code.
	OnRefuse func(code string, remote net.Addr)
}

func (o DemuxOptions) withDefaults() DemuxOptions {
	if o.HeaderTimeout <= 0 {
		o.HeaderTimeout = 5 * time.Second
	}
	if o.MaxHeader <= 0 {
		o.MaxHeader = 16 << 10
	}
	return o
}

// Demux sorts the connections of a listener by their first request. It reads each new
// connection's request head itself, within a time and size limit that it answers with 408 or
// 431. A WebSocket upgrade of the player path is upgraded straight from that head with
// ws.Upgrader, the zero-copy path: no net/http request or response objects, and the
// head's buffer goes back to a pool at once; bytes the client sent behind the head (a
// pipelined hello) become the connection's first frames. Every other connection goes, with
// the bytes already read put back in front, to net/http through Accept.
type Demux struct {
	inner net.Listener
	opts  DemuxOptions

	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
	err       error
}

// NewDemux starts sorting the connections of ln; a Demux is the net.Listener net/http
// serves from.
func NewDemux(ln net.Listener, opts DemuxOptions) *Demux {
	d := &Demux{inner: ln, opts: opts.withDefaults(), conns: make(chan net.Conn), done: make(chan struct{})}
	d.opts.Conn = d.opts.Conn.withDefaults()
	go d.acceptLoop()
	return d
}

// Accept implements net.Listener: the next connection that is not a player upgrade.
func (d *Demux) Accept() (net.Conn, error) {
	select {
	case c := <-d.conns:
		return c, nil
	case <-d.done:
		return nil, d.err
	}
}

// Close implements net.Listener.
func (d *Demux) Close() error {
	err := d.inner.Close()
	d.stop(net.ErrClosed)
	return err
}

// Addr implements net.Listener.
func (d *Demux) Addr() net.Addr { return d.inner.Addr() }

func (d *Demux) stop(err error) {
	d.closeOnce.Do(func() {
		d.err = err
		close(d.done)
	})
}

// acceptLoop hands every connection to a goroutine of its own. The listener below retries
// what is temporary (see package listen), so any error ends the Demux.
func (d *Demux) acceptLoop() {
	for {
		c, err := d.inner.Accept()
		if err != nil {
			d.stop(err)
			return
		}
		go d.sort(c)
	}
}

// The heads of upgrades are read into pooled buffers; a buffer handed to net/http with its
// connection is not returned. They start at 512 bytes, which hold the head of our clients'
// upgrades, and grow for a browser's: the pool keeps one buffer for each connection of a
// burst until two collections have passed, and at 2 KiB that was a fifth of the live heap
// of scenario (a).
var headPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// sort reads the connection's request head and sends it down the player path or to net/http.
func (d *Demux) sort(c net.Conn) {
	bp := headPool.Get().(*[]byte)
	buf, end, refusal := d.readHead(c, (*bp)[:0])
	if refusal != nil || end < 0 {
		if refusal != nil {
			d.answer(c, refusal)
		}
		_ = c.Close()
		*bp = buf[:0]
		headPool.Put(bp)
		return
	}
	if d.isUpgrade(buf) {
		d.upgrade(c, buf[:end], buf[end:])
		*bp = buf[:0]
		headPool.Put(bp)
		return
	}
	pc := &prefixConn{Conn: c, r: io.MultiReader(bytes.NewReader(buf), c)}
	select {
	case d.conns <- pc:
	case <-d.done:
		_ = c.Close()
	}
}

// readHead reads until the blank line that ends the request head and returns what it read
// and where the head ends (-1 if the connection ended first), or the refusal of a head that
// is too slow or too big. The deadline is cleared again for whoever serves the connection.
func (d *Demux) readHead(c net.Conn, buf []byte) ([]byte, int, *httperr.Error) {
	_ = c.SetReadDeadline(time.Now().Add(d.opts.HeaderTimeout))
	defer c.SetReadDeadline(time.Time{})
	limit := d.opts.MaxHeader
	late := false
	for {
		if len(buf) >= limit {
			return buf, -1, httperr.New(http.StatusRequestHeaderFieldsTooLarge, "header_too_large",
				"the request head is larger than "+strconv.Itoa(limit)+" bytes")
		}
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(max(2*cap(buf), 512), limit))
			copy(grown, buf)
			buf = grown
		}
		from := max(len(buf)-3, 0)
		n, err := c.Read(buf[len(buf):min(cap(buf), limit)])
		buf = buf[:len(buf)+n]
		if end := headEnd(buf, from); end >= 0 {
			return buf, end, nil
		}
		if err != nil {
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				return buf, -1, nil
			}
			// Bytes waiting unread mean the server, short of CPU, was late to read them: the
			// client gets one more period rather than a 408 it did not earn.
			if raw := sockq.Raw(c); !late && raw != nil && sockq.Unread(raw) > 0 {
				late = true
				_ = c.SetReadDeadline(time.Now().Add(d.opts.HeaderTimeout))
				continue
			}
			return buf, -1, httperr.New(http.StatusRequestTimeout, "header_timeout",
				"the request head did not arrive within "+d.opts.HeaderTimeout.String())
		}
	}
}

// headEnd returns the index just past the blank line that ends a request head in b (lines
// end in CRLF, or LF as net/http also accepts), searching from from; -1 if it is not there.
func headEnd(b []byte, from int) int {
	for i := from; i < len(b); i++ {
		if b[i] != '\n' {
			continue
		}
		switch {
		case i+1 < len(b) && b[i+1] == '\n':
			return i + 2
		case i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n':
			return i + 3
		}
	}
	return -1
}

// isUpgrade reports whether the request line asks for the player path ("GET /ws " or
// "GET /ws?"); the upgrader checks the rest.
func (d *Demux) isUpgrade(head []byte) bool {
	p := "GET " + d.opts.Path
	return len(head) > len(p) && string(head[:len(p)]) == p && (head[len(p)] == ' ' || head[len(p)] == '?')
}

// answer writes a refusal the demux makes itself and reports it, then gives the client a
// moment to read it: closing a socket with unread input would reset the connection and could
// destroy the answer before the client reads it.
func (d *Demux) answer(c net.Conn, e *httperr.Error) {
	if d.opts.OnRefuse != nil {
		d.opts.OnRefuse(e.Code, c.RemoteAddr())
	}
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	if _, err := c.Write(e.Response()); err != nil {
		return
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
		_ = c.SetReadDeadline(time.Now().Add(answerLinger))
		_, _ = io.Copy(io.Discard, io.LimitReader(c, maxLingerRead))
	}
}

// The demux waits up to answerLinger, and reads up to maxLingerRead, for a refused client to
// take its answer and close.
const (
	answerLinger  = time.Second
	maxLingerRead = 256 << 10
)

// upgrade answers the handshake in head and serves the connection; rest is what the client
// sent after the head.
func (d *Demux) upgrade(c net.Conn, head, rest []byte) {
	hs := Handshake{Remote: c.RemoteAddr()}
	var release func()
	var refused *httperr.Error
	u := ws.Upgrader{
		OnHost: func(h []byte) error {
			hs.Host = string(h)
			return nil
		},
		OnHeader: func(key, value []byte) error {
			if http.CanonicalHeaderKey(string(key)) == "Origin" {
				hs.Origin = string(value)
			}
			return nil
		},
		OnBeforeUpgrade: func() (ws.HandshakeHeader, error) {
			if d.opts.Admit != nil {
				release, refused = d.opts.Admit(hs)
			}
			if refused != nil {
				return nil, refused
			}
			return nil, nil
		},
	}
	// The upgrader's answer is held back until it is known to be the switch: a refusal is
	// answered with the server's JSON error instead.
	var out bytes.Buffer
	_, err := u.Upgrade(struct {
		io.Reader
		io.Writer
	}{bytes.NewReader(head), &out})
	if err != nil {
		if refused == nil {
			refused = handshakeError(err)
		}
		d.answer(c, refused)
		_ = c.Close()
		return
	}
	_ = c.SetWriteDeadline(time.Now().Add(d.opts.HeaderTimeout))
	_, err = c.Write(out.Bytes())
	_ = c.SetWriteDeadline(time.Time{})
	if err != nil {
		if release != nil {
			release()
		}
		_ = c.Close()
		return
	}
	d.opts.Serve(newConn(c, rest, &d.opts.Conn, release))
}

// handshakeError turns the upgrader's complaint about a request into a JSON refusal.
func handshakeError(err error) *httperr.Error {
	status := http.StatusBadRequest
	var rej *ws.ConnectionRejectedError
	if errors.As(err, &rej) && rej.StatusCode() != 0 {
		status = rej.StatusCode()
	}
	return httperr.New(status, "bad_handshake", "bad WebSocket handshake: "+err.Error())
}

// prefixConn is a connection whose first bytes were read to sort it and are read again.
type prefixConn struct {
	net.Conn
	r io.Reader
}

// Read implements net.Conn.
func (c *prefixConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// SyscallConn exposes the socket's descriptor to handlers that hijack the connection and
// write to it directly (the spectator feed does).
func (c *prefixConn) SyscallConn() (syscall.RawConn, error) {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return nil, errors.ErrUnsupported
	}
	return sc.SyscallConn()
}
