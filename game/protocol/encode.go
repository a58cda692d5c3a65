package protocol

import "github.com/vmihailenco/msgpack/v5"

// Encoder encodes messages into a buffer it reuses, so that encoding allocates nothing once
// the buffer has grown to the largest message. The zero value is ready to use; an Encoder
// must not be used by several goroutines at once.
type Encoder struct {
	w   writer
	buf []byte
}

// Encode returns the encoding of m. The bytes are valid until the next call; a room encodes
// each snapshot once and hands the same bytes to every connection.
func (e *Encoder) Encode(m Message) ([]byte, error) {
	b, err := e.Append(e.buf[:0], m)
	e.buf = b
	return b, err
}

// Append appends the encoding of m to dst and returns the extended slice, so that a caller
// can place the message behind a header of its own.
func (e *Encoder) Append(dst []byte, m Message) ([]byte, error) {
	if e.w.enc == nil {
		e.w.enc = msgpack.NewEncoder(&e.w.out)
		e.w.enc.UseCompactInts(true)
	}
	e.w.out.b, e.w.err = dst, nil
	m.encode(&e.w)
	b := e.w.out.b
	e.w.out.b = nil // the caller owns dst
	return b, e.w.err
}
