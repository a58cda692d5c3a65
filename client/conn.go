package client

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/gobwas/ws"

	"skirmish/game/protocol"
)

// maxServerMessage bounds a server frame; a snapshot of a full room is far smaller.
const maxServerMessage = 1 << 20

// readBufferSize holds several snapshots, so a client that fell behind catches up in one read.
const readBufferSize = 4096

// CloseError is how a connection ended when the server said why: the close code and reason
// of its close frame (or of the error message before it).
type CloseError struct {
	Code   protocol.Code
	Reason string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("closed by the server: %d %s: %s", uint16(e.Code), e.Code, e.Reason)
}

// errSilent reports a server that sent nothing for the read timeout.
var errSilent = errors.New("no traffic from the server")

// wsConn is one client WebSocket connection at frame level. Reads happen on one goroutine;
// writes are serialised by a mutex and bounded by a deadline.
type wsConn struct {
	nc          net.Conn
	r           io.Reader
	readTimeout time.Duration

	hdr [ws.MaxHeaderSize]byte
	buf []byte

	wmu  sync.Mutex
	whdr [ws.MaxHeaderSize]byte
	wbuf []byte
}

// newWSConn wraps a connection the handshake left with br, its buffered leftovers, or nil.
// Reads go through a buffer either way: a frame is a header and a payload, which would
// otherwise cost two read(2) calls each.
func newWSConn(nc net.Conn, br *bufio.Reader, readTimeout time.Duration) *wsConn {
	if br == nil {
		br = bufio.NewReaderSize(nc, readBufferSize)
	}
	return &wsConn{nc: nc, r: br, readTimeout: readTimeout}
}

// read returns the next binary message, answering pings on the way. The slice is valid until
// the next call.
func (c *wsConn) read() ([]byte, error) {
	for {
		if err := c.nc.SetReadDeadline(time.Now().Add(c.readTimeout)); err != nil {
			return nil, err
		}
		h, err := ws.ReadHeaderBuffer(c.r, c.hdr[:])
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return nil, errSilent
			}
			return nil, err
		}
		if h.Length > maxServerMessage {
			return nil, fmt.Errorf("server frame of %d bytes", h.Length)
		}
		if int64(cap(c.buf)) < h.Length {
			c.buf = make([]byte, h.Length)
		}
		p := c.buf[:h.Length]
		if _, err := io.ReadFull(c.r, p); err != nil {
			return nil, err
		}
		if h.Masked {
			ws.Cipher(p, h.Mask, 0)
		}
		switch h.OpCode {
		case ws.OpBinary:
			return p, nil
		case ws.OpPing:
			if err := c.write(ws.OpPong, p); err != nil {
				return nil, err
			}
		case ws.OpClose:
			code, reason := ws.ParseCloseFrameData(p)
			_ = c.write(ws.OpClose, ws.NewCloseFrameBody(code, ""))
			if code.Empty() {
				code = ws.StatusNoStatusRcvd
			}
			return nil, &CloseError{Code: protocol.Code(code), Reason: reason}
		case ws.OpText:
			return nil, errors.New("the server sent a text frame")
		}
	}
}

// write sends one masked frame with a single write.
func (c *wsConn) write(op ws.OpCode, p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	h := ws.Header{Fin: true, OpCode: op, Length: int64(len(p)), Masked: true, Mask: ws.NewMask()}
	c.wbuf = c.wbuf[:0]
	w := appender{&c.wbuf}
	if err := ws.WriteHeaderBuffer(w, h, c.whdr[:]); err != nil {
		return err
	}
	start := len(c.wbuf)
	c.wbuf = append(c.wbuf, p...)
	ws.Cipher(c.wbuf[start:], h.Mask, 0)
	if err := c.nc.SetWriteDeadline(time.Now().Add(c.readTimeout)); err != nil {
		return err
	}
	_, err := c.nc.Write(c.wbuf)
	return err
}

func (c *wsConn) close() error { return c.nc.Close() }

// appender lets ws.WriteHeaderBuffer append to a byte slice.
type appender struct{ b *[]byte }

func (a appender) Write(p []byte) (int, error) {
	*a.b = append(*a.b, p...)
	return len(p), nil
}
