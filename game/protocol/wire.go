package protocol

import (
	"math"

	"github.com/vmihailenco/msgpack/v5"
)

// writer encodes msgpack values through a msgpack.Encoder that appends to out. The first
// error sticks, so message encoders read as a plain list of fields.
type writer struct {
	enc *msgpack.Encoder
	out appendBuffer
	err error
}

// appendBuffer is the msgpack.Encoder's destination: appending to a caller's slice lets the
// Encoder write into any reused buffer without copying.
type appendBuffer struct{ b []byte }

func (a *appendBuffer) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}

func (a *appendBuffer) WriteByte(c byte) error {
	a.b = append(a.b, c)
	return nil
}

func (w *writer) array(n int) {
	if w.err == nil {
		w.err = w.enc.EncodeArrayLen(n)
	}
}

// int writes v as the most compact msgpack integer.
func (w *writer) int(v int64) {
	if w.err == nil {
		w.err = w.enc.EncodeInt(v)
	}
}

func (w *writer) str(s string) {
	if w.err == nil {
		w.err = w.enc.EncodeString(s)
	}
}

func (w *writer) bool(v bool) {
	if w.err == nil {
		w.err = w.enc.EncodeBool(v)
	}
}

func (w *writer) ints(rec []int64) {
	w.array(len(rec))
	for _, v := range rec {
		w.int(v)
	}
}

// maxDepth bounds the nesting of values skipped as unknown trailing fields, so a hostile
// message cannot recurse deeply; no field of this protocol nests more than three deep.
const maxDepth = 16

// parser reads msgpack values from a byte slice. It is written for untrusted input rather
// than built on msgpack.Decoder: it never allocates except for strings it returns, it checks
// every declared length against the bytes actually present before using it, and it bounds
// nesting. Every error wraps ErrMalformed.
type parser struct {
	b   []byte
	off int
}

func (p *parser) errorf(format string, args ...any) error {
	return wrapf(ErrMalformed, format, args...)
}

// left returns the number of unread bytes.
func (p *parser) left() int { return len(p.b) - p.off }

func (p *parser) next(what string) (byte, error) {
	if p.off >= len(p.b) {
		return 0, p.errorf("%s: unexpected end of message", what)
	}
	c := p.b[p.off]
	p.off++
	return c, nil
}

// take returns the next n bytes.
func (p *parser) take(n uint64, what string) ([]byte, error) {
	if n > uint64(p.left()) {
		return nil, p.errorf("%s: %d bytes declared, %d present", what, n, p.left())
	}
	b := p.b[p.off : p.off+int(n)]
	p.off += int(n)
	return b, nil
}

// uintN reads a big-endian unsigned integer of size bytes.
func (p *parser) uintN(size int, what string) (uint64, error) {
	b, err := p.take(uint64(size), what)
	if err != nil {
		return 0, err
	}
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v, nil
}

// kind names the msgpack type a leading byte starts, for error messages.
func kind(c byte) string {
	switch {
	case c <= 0x7f || c >= 0xe0 || (c >= 0xcc && c <= 0xd3):
		return "integer"
	case c <= 0x8f || c == 0xde || c == 0xdf:
		return "map"
	case c <= 0x9f || c == 0xdc || c == 0xdd:
		return "array"
	case c <= 0xbf || (c >= 0xd9 && c <= 0xdb):
		return "string"
	case c == 0xc0:
		return "nil"
	case c == 0xc2 || c == 0xc3:
		return "boolean"
	case c == 0xca || c == 0xcb:
		return "float"
	case c >= 0xc4 && c <= 0xc6:
		return "binary"
	case c == 0xc1:
		return "reserved byte 0xc1"
	}
	return "extension"
}

// arrayLen reads an array header.
func (p *parser) arrayLen(what string) (int, error) {
	c, err := p.next(what)
	if err != nil {
		return 0, err
	}
	var n uint64
	switch {
	case c >= 0x90 && c <= 0x9f:
		return int(c & 0x0f), nil
	case c == 0xdc:
		n, err = p.uintN(2, what)
	case c == 0xdd:
		n, err = p.uintN(4, what)
	default:
		return 0, p.errorf("%s: got %s, want array", what, kind(c))
	}
	if err != nil {
		return 0, err
	}
	// Every element takes at least one byte, so a longer declared length is a lie; checking
	// here keeps callers from sizing anything by it.
	if n > uint64(p.left()) {
		return 0, p.errorf("%s: %d elements declared, %d bytes present", what, n, p.left())
	}
	return int(n), nil
}

// int reads an integer and checks that it lies in [lo, hi].
func (p *parser) int(what string, lo, hi int64) (int64, error) {
	c, err := p.next(what)
	if err != nil {
		return 0, err
	}
	var v int64
	switch {
	case c <= 0x7f:
		v = int64(c)
	case c >= 0xe0:
		v = int64(int8(c))
	case c >= 0xcc && c <= 0xcf:
		u, err := p.uintN(1<<(c-0xcc), what)
		if err != nil {
			return 0, err
		}
		if u > math.MaxInt64 {
			return 0, p.errorf("%s: %d out of range [%d, %d]", what, u, lo, hi)
		}
		v = int64(u)
	case c >= 0xd0 && c <= 0xd3:
		size := 1 << (c - 0xd0)
		u, err := p.uintN(size, what)
		if err != nil {
			return 0, err
		}
		shift := 64 - 8*size // sign-extend from size bytes
		v = int64(u<<shift) >> shift
	default:
		return 0, p.errorf("%s: got %s, want integer", what, kind(c))
	}
	if v < lo || v > hi {
		return 0, p.errorf("%s: %d out of range [%d, %d]", what, v, lo, hi)
	}
	return v, nil
}

// bytes reads a string's bytes without copying; they alias the message.
func (p *parser) bytes(what string, max int) ([]byte, error) {
	c, err := p.next(what)
	if err != nil {
		return nil, err
	}
	var n uint64
	switch {
	case c >= 0xa0 && c <= 0xbf:
		n = uint64(c & 0x1f)
	case c >= 0xd9 && c <= 0xdb:
		if n, err = p.uintN(1<<(c-0xd9), what); err != nil {
			return nil, err
		}
	default:
		return nil, p.errorf("%s: got %s, want string", what, kind(c))
	}
	if n > uint64(max) {
		return nil, p.errorf("%s: %d bytes, at most %d allowed", what, n, max)
	}
	return p.take(n, what)
}

// str reads a string of at most max bytes.
func (p *parser) str(what string, max int) (string, error) {
	b, err := p.bytes(what, max)
	return string(b), err
}

func (p *parser) bool(what string) (bool, error) {
	c, err := p.next(what)
	if err != nil {
		return false, err
	}
	switch c {
	case 0xc2:
		return false, nil
	case 0xc3:
		return true, nil
	}
	return false, p.errorf("%s: got %s, want boolean", what, kind(c))
}

// fields checks that an array of n elements holds at least the want fields a record needs.
func (p *parser) fields(what string, n, want int) error {
	if n < want {
		return p.errorf("%s: %d elements, want at least %d", what, n, want)
	}
	return nil
}

// rest skips the n unknown trailing elements a later protocol version may have appended.
func (p *parser) rest(what string, n int) error {
	for range n {
		if err := p.skip(what, 0); err != nil {
			return err
		}
	}
	return nil
}

// skip skips one value of any type.
func (p *parser) skip(what string, depth int) error {
	if depth > maxDepth {
		return p.errorf("%s: values nested deeper than %d", what, maxDepth)
	}
	c, err := p.next(what)
	if err != nil {
		return err
	}
	var size, count uint64 // bytes to skip, nested values to skip
	switch {
	case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
	case c <= 0x8f:
		count = 2 * uint64(c&0x0f)
	case c <= 0x9f:
		count = uint64(c & 0x0f)
	case c <= 0xbf:
		size = uint64(c & 0x1f)
	case c == 0xc1:
		return p.errorf("%s: reserved byte 0xc1", what)
	case c >= 0xc4 && c <= 0xc6: // bin 8, 16, 32
		size, err = p.uintN(1<<(c-0xc4), what)
	case c >= 0xc7 && c <= 0xc9: // ext 8, 16, 32: length, then a type byte
		size, err = p.uintN(1<<(c-0xc7), what)
		size++
	case c == 0xca || c == 0xcb:
		size = 4 << (c - 0xca)
	case c >= 0xcc && c <= 0xd3:
		size = 1 << ((c - 0xcc) & 3)
	case c >= 0xd4 && c <= 0xd8: // fixext 1..16, plus the type byte
		size = 1<<(c-0xd4) + 1
	case c >= 0xd9 && c <= 0xdb:
		size, err = p.uintN(1<<(c-0xd9), what)
	case c == 0xdc || c == 0xdd:
		count, err = p.uintN(2<<(c-0xdc), what)
	case c == 0xde || c == 0xdf:
		count, err = p.uintN(2<<(c-0xde), what)
		count *= 2
	}
	if err != nil {
		return err
	}
	if _, err := p.take(size, what); err != nil {
		return err
	}
	if count > uint64(p.left()) {
		return p.errorf("%s: %d values declared, %d bytes present", what, count, p.left())
	}
	for range count {
		if err := p.skip(what, depth+1); err != nil {
			return err
		}
	}
	return nil
}
