package protocol

// Encoder encodes messages into a buffer it reuses, so that encoding allocates nothing once
// the buffer has grown to the largest message. The zero value is ready to use; an Encoder
// must not be used by several goroutines at once.
type Encoder struct {
	buf []byte
	// w lives here because message encoders take it through an interface, which would
	// otherwise move it to the heap on every call.
	w writer
}

// Encode returns the encoding of m. The bytes are valid until the next call; a room encodes
// each snapshot once and hands the same bytes to every connection.
func (e *Encoder) Encode(m Message) ([]byte, error) {
	b, err := e.Append(e.buf[:0], m)
	e.buf = b
	return b, err
}

// Append appends the encoding of m to dst and returns the extended slice, so that a caller
// can place the message behind a header of its own. It fails only for a message a decoder
// would refuse as a whole: an unknown room state, or a string over its length limit. Records
// are not checked: Fill and Diff build them in range.
func (e *Encoder) Append(dst []byte, m Message) ([]byte, error) {
	e.w = writer{b: dst}
	m.encode(&e.w)
	b, err := e.w.b, e.w.err
	e.w = writer{} // the caller owns dst
	return b, err
}
