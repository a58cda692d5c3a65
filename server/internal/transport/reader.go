package transport

import (
	"encoding/binary"
	"fmt"
	"io"
	"sync"

	"github.com/gobwas/ws"
)

// frameReader cuts client frames out of a buffer that each read(2) fills as far as the
// socket allows, so that a client's small message costs one system call rather than one
// per header part and payload, and several messages that arrived together cost one.
type frameReader struct {
	buf        []byte // nil while a polled connection holds no bytes (see release)
	start, end int    // the unparsed bytes are buf[start:end]
}

// idleBuffers holds the frame buffers of polled connections between their rounds. A
// round that ends between two frames gives its buffer back, so a player's connection holds
// one only while the room reads it, and the rooms of a ticker, which it reads one after
// the other, share a few.
var idleBuffers = sync.Pool{New: func() any { return new([initialReadBuffer]byte) }}

// release gives the buffer back unless it holds part of a frame. Payloads cut from it
// are no longer valid.
func (fr *frameReader) release() {
	if fr.start != fr.end || fr.buf == nil {
		return
	}
	if len(fr.buf) == initialReadBuffer {
		idleBuffers.Put((*[initialReadBuffer]byte)(fr.buf))
	}
	fr.buf, fr.start, fr.end = nil, 0, 0
}

// maxIdleReadBuffer is the largest frame buffer a connection keeps while it holds no bytes.
const maxIdleReadBuffer = 4 * initialReadBuffer

// next returns the header and payload (still masked) of the next frame. The payload is valid
// until the next call. src reads more bytes into the buffer's free space. A frame longer
// than limit is refused as soon as its header is in.
func (fr *frameReader) next(limit int, src io.Reader) (ws.Header, []byte, error) {
	var h ws.Header
	n, err := fr.want(2, src)
	if err != nil {
		return h, nil, err
	}
	b := fr.buf[fr.start:]
	size := 2
	if b[1]&0x80 != 0 {
		size += 4
	}
	switch b[1] & 0x7f {
	case 126:
		size += 2
	case 127:
		size += 8
	}
	if n < size {
		if _, err := fr.want(size, src); err != nil {
			return h, nil, err
		}
		b = fr.buf[fr.start:]
	}
	h.Fin = b[0]&0x80 != 0
	h.Rsv = (b[0] & 0x70) >> 4
	h.OpCode = ws.OpCode(b[0] & 0x0f)
	h.Masked = b[1]&0x80 != 0
	rest := b[2:size]
	switch l := b[1] & 0x7f; l {
	case 126:
		h.Length, rest = int64(binary.BigEndian.Uint16(rest)), rest[2:]
	case 127:
		u := binary.BigEndian.Uint64(rest)
		if u > 1<<62 {
			return h, nil, fmt.Errorf("%w: impossible length", ErrBadFrame)
		}
		h.Length, rest = int64(u), rest[8:]
	default:
		h.Length = int64(l)
	}
	if h.Masked {
		copy(h.Mask[:], rest)
	}
	if h.Length > int64(limit) {
		return h, nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooBig, h.Length, limit)
	}
	total := size + int(h.Length)
	if _, err := fr.want(total, src); err != nil {
		return h, nil, err
	}
	p := fr.buf[fr.start+size : fr.start+total]
	fr.start += total
	return h, p, nil
}

// want makes at least n unparsed bytes available from buf[start:], reading as needed, and
// returns how many there are.
func (fr *frameReader) want(n int, src io.Reader) (int, error) {
	have := fr.end - fr.start
	if have >= n {
		return have, nil
	}
	if have == 0 {
		fr.start, fr.end = 0, 0
		if fr.buf == nil || len(fr.buf) > maxIdleReadBuffer {
			// A buffer grown for a rare big message is not kept for the connection's life.
			fr.buf = idleBuffers.Get().(*[initialReadBuffer]byte)[:]
		}
	}
	if fr.start+n > len(fr.buf) {
		if n > len(fr.buf) {
			// Client messages are tiny; the buffer grows only for the rare big one.
			grown := make([]byte, max(n, 2*len(fr.buf)))
			copy(grown, fr.buf[fr.start:fr.end])
			fr.buf = grown
		} else {
			copy(fr.buf, fr.buf[fr.start:fr.end])
		}
		fr.start, fr.end = 0, have
	}
	for have < n {
		m, err := src.Read(fr.buf[fr.end:])
		fr.end += m
		have += m
		if have >= n {
			return have, nil
		}
		if err != nil {
			if err == io.EOF && have > 0 {
				err = io.ErrUnexpectedEOF
			}
			return have, err
		}
	}
	return have, nil
}
