package protocol

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// writer appends msgpack values to b in their most compact form, byte for byte what
// msgpack.Encoder writes with UseCompactInts (a test holds it to that). It appends directly
// rather than going through msgpack.Encoder because a keyframe is hundreds of integers and the
// library's per-value writer calls cost about four times the budget of a tick's encoding.
// The first error sticks, so message encoders read as a plain list of fields.
type writer struct {
	b   []byte
	err error
}

func (w *writer) array(n int) {
	switch {
	case n < 16:
		w.b = append(w.b, 0x90|byte(n))
	case n <= math.MaxUint16:
		w.b = append(w.b, 0xdc, byte(n>>8), byte(n))
	default:
		w.b = append(w.b, 0xdd, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

func (w *writer) int(v int64) {
	b := slices.Grow(w.b, 9)
	n := putInt(b[:cap(b)], len(b), v)
	w.b = b[:n]
}

// str writes s, or records an error if s is longer than the max bytes decoders accept.
func (w *writer) str(what, s string, max int) {
	if len(s) > max && w.err == nil {
		w.err = fmt.Errorf("encoding %s: %d bytes, at most %d allowed", what, len(s), max)
	}
	n := len(s)
	switch {
	case n < 32:
		w.b = append(w.b, 0xa0|byte(n))
	case n <= math.MaxUint8:
		w.b = append(w.b, 0xd9, byte(n))
	case n <= math.MaxUint16:
		w.b = append(w.b, 0xda, byte(n>>8), byte(n))
	default:
		w.b = append(w.b, 0xdb, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	w.b = append(w.b, s...)
}

func (w *writer) bool(v bool) {
	if v {
		w.b = append(w.b, 0xc3)
	} else {
		w.b = append(w.b, 0xc2)
	}
}

// state writes a room state, or records an error for one decoders refuse.
func (w *writer) state(s State) {
	if !s.Valid() && w.err == nil {
		w.err = fmt.Errorf("encoding room state %d: not a known state", uint8(s))
	}
	w.b = append(w.b, byte(s))
}

// ints writes a record. Records are most of a snapshot's bytes, so this writes into spare
// capacity by index rather than appending value by value.
func (w *writer) ints(rec []int64) {
	w.array(len(rec))
	b := slices.Grow(w.b, 9*len(rec))
	n := len(b)
	b = b[:cap(b)]
	for _, v := range rec {
		n = putInt(b, n, v)
	}
	w.b = b[:n]
}

// putInt writes v at b[n:], which has room for 9 bytes, and returns the index after it.
// It is small enough to inline, so the common one-byte case costs no call.
func putInt(b []byte, n int, v int64) int {
	if uint64(v+32) <= 32+math.MaxInt8 { // a fixint, -32..127
		b[n] = byte(v)
		return n + 1
	}
	return putWide(b, n, v)
}

// putWide is putInt for the values that take a type byte and 1 to 8 bytes after it.
func putWide(b []byte, n int, v int64) int {
	var size int
	switch {
	case v >= 0 && v <= math.MaxUint8:
		b[n], size = 0xcc, 1
	case v >= math.MinInt8 && v < 0:
		b[n], size = 0xd0, 1
	case v >= 0 && v <= math.MaxUint16:
		b[n], size = 0xcd, 2
	case v >= math.MinInt16 && v < 0:
		b[n], size = 0xd1, 2
	case v >= 0 && v <= math.MaxUint32:
		b[n], size = 0xce, 4
	case v >= math.MinInt32 && v < 0:
		b[n], size = 0xd2, 4
	case v >= 0:
		b[n], size = 0xcf, 8
	default:
		b[n], size = 0xd3, 8
	}
	switch size {
	case 1:
		b[n+1] = byte(v)
	case 2:
		binary.BigEndian.PutUint16(b[n+1:], uint16(v))
	case 4:
		binary.BigEndian.PutUint32(b[n+1:], uint32(v))
	default:
		binary.BigEndian.PutUint64(b[n+1:], uint64(v))
	}
	return n + 1 + size
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
