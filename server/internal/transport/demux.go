package transport

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/gobwas/ws"
)

// sortTimeout bounds how long a new connection may take to send the start of its request.
const sortTimeout = 10 * time.Second

// Refusal is why an upgrade is refused: an HTTP status and a JSON error body.
type Refusal struct {
	Status int
	Code   string // machine code of the JSON body
	Reason string
}

// Error implements error.
func (r *Refusal) Error() string { return r.Reason }

// Admission decides whether an upgrade request from a page of origin (empty for non-browser
// clients) to host may proceed; it returns nil or the refusal.
type Admission func(origin, host string) *Refusal

// Demux sorts the connections of a listener. One whose request is a WebSocket upgrade of its
// path is upgraded straight from the socket with ws.Upgrader, the zero-copy path: no
// net/http request or response objects, and the handshake buffers go back to a pool at
// once. It is then served on its own goroutine. Every other connection goes, with the bytes
// already read put back in front, to net/http through Accept.
type Demux struct {
	inner net.Listener
	path  string
	admit Admission
	serve func(*Conn)
	opts  Options

	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
	err       error
}

// NewDemux starts sorting the connections of ln. Upgrades of path pass admit and are served
// by serve; a Demux is the net.Listener net/http serves from.
func NewDemux(ln net.Listener, path string, admit Admission, serve func(*Conn), opts Options) *Demux {
	d := &Demux{
		inner: ln, path: path, admit: admit, serve: serve, opts: opts,
		conns: make(chan net.Conn), done: make(chan struct{}),
	}
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

func (d *Demux) acceptLoop() {
	for {
		c, err := d.inner.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			d.stop(err)
			return
		}
		go d.sort(c)
	}
}

// sort reads just enough of a request to tell a player upgrade ("GET /ws " or "GET /ws?")
// from anything else.
func (d *Demux) sort(c net.Conn) {
	prefix := make([]byte, len("GET ")+len(d.path)+1)
	_ = c.SetReadDeadline(time.Now().Add(sortTimeout))
	n, err := io.ReadFull(c, prefix)
	_ = c.SetReadDeadline(time.Time{})
	prefix = prefix[:n]
	if err == nil && bytes.HasPrefix(prefix, []byte("GET "+d.path)) && (prefix[n-1] == ' ' || prefix[n-1] == '?') {
		d.upgrade(c, prefix)
		return
	}
	pc := &prefixConn{Conn: c, r: io.MultiReader(bytes.NewReader(prefix), c)}
	select {
	case d.conns <- pc:
	case <-d.done:
		_ = c.Close()
	}
}

func (d *Demux) upgrade(c net.Conn, prefix []byte) {
	var origin, host string
	u := ws.Upgrader{
		OnHost: func(h []byte) error {
			host = string(h)
			return nil
		},
		OnHeader: func(key, value []byte) error {
			if http.CanonicalHeaderKey(string(key)) == "Origin" {
				origin = string(value)
			}
			return nil
		},
		OnBeforeUpgrade: func() (ws.HandshakeHeader, error) {
			if r := d.admit(origin, host); r != nil {
				body, _ := json.Marshal(map[string]string{"error": r.Reason, "code": r.Code})
				return nil, ws.RejectConnectionError(ws.RejectionStatus(r.Status), ws.RejectionReason(string(body)))
			}
			return nil, nil
		},
	}
	_ = c.SetDeadline(time.Now().Add(sortTimeout))
	_, err := u.Upgrade(struct {
		io.Reader
		io.Writer
	}{io.MultiReader(bytes.NewReader(prefix), c), c})
	_ = c.SetDeadline(time.Time{})
	if err != nil {
		// The upgrader has answered with the reason.
		_ = c.Close()
		return
	}
	d.serve(newConn(c, nil, d.opts))
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
