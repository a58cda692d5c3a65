package protocol

import "math"

// Decode decodes one message of any type into a newly allocated value. It returns an error,
// never panics, for anything but exactly one well-formed message.
func Decode(b []byte) (Message, error) {
	p := &parser{b: b}
	t, n, err := p.header()
	if err != nil {
		return nil, err
	}
	m := newMessage(t)
	if m == nil {
		return nil, unknownType(t)
	}
	if err := p.body(m, n); err != nil {
		return nil, err
	}
	return m, nil
}

// Reader decodes messages into its own fields, reusing them and their slices from one message
// to the next, so that decoding allocates nothing in steady state apart from the strings of
// the rare messages that carry them. The server keeps one per connection; a message's
// contents are valid until the next Decode.
type Reader struct {
	Hello    Hello
	Input    Input
	Ping     Ping
	Bye      Bye
	Start    Start
	Welcome  Welcome
	Snapshot Snapshot
	Delta    Delta
	Events   Events
	Status   Status
	Pong     Pong
	Error    Error

	// p lives here because message decoders take it through an interface, which would
	// otherwise move it to the heap on every call.
	p parser
}

// Decode decodes a message of any type into the field of r its type names and returns the
// type. After an error the fields may hold partial contents.
func (r *Reader) Decode(b []byte) (Type, error) {
	r.p = parser{b: b}
	t, n, err := r.p.header()
	if err != nil {
		return 0, err
	}
	m := r.Message(t)
	if m == nil {
		return t, unknownType(t)
	}
	return t, r.p.body(m, n)
}

// DecodeClient is Decode for the server's side of a connection: it refuses messages over
// MaxClientMessage bytes with ErrTooBig and server -> client types with ErrUnknownType.
func (r *Reader) DecodeClient(b []byte) (Type, error) {
	if len(b) > MaxClientMessage {
		return 0, wrapf(ErrTooBig, "%d bytes, at most %d allowed", len(b), MaxClientMessage)
	}
	r.p = parser{b: b}
	t, n, err := r.p.header()
	if err != nil {
		return 0, err
	}
	if !t.FromClient() {
		return t, unknownType(t)
	}
	return t, r.p.body(r.Message(t), n)
}

// Message returns the field of r that holds messages of type t, or nil for an unknown type.
func (r *Reader) Message(t Type) Message {
	switch t {
	case TypeHello:
		return &r.Hello
	case TypeInput:
		return &r.Input
	case TypePing:
		return &r.Ping
	case TypeBye:
		return &r.Bye
	case TypeStart:
		return &r.Start
	case TypeWelcome:
		return &r.Welcome
	case TypeSnapshot:
		return &r.Snapshot
	case TypeDelta:
		return &r.Delta
	case TypeEvents:
		return &r.Events
	case TypeStatus:
		return &r.Status
	case TypePong:
		return &r.Pong
	case TypeError:
		return &r.Error
	}
	return nil
}

func newMessage(t Type) Message {
	switch t {
	case TypeHello:
		return new(Hello)
	case TypeInput:
		return new(Input)
	case TypePing:
		return new(Ping)
	case TypeBye:
		return new(Bye)
	case TypeStart:
		return new(Start)
	case TypeWelcome:
		return new(Welcome)
	case TypeSnapshot:
		return new(Snapshot)
	case TypeDelta:
		return new(Delta)
	case TypeEvents:
		return new(Events)
	case TypeStatus:
		return new(Status)
	case TypePong:
		return new(Pong)
	case TypeError:
		return new(Error)
	}
	return nil
}

func unknownType(t Type) error { return wrapf(ErrUnknownType, "type tag %d", uint8(t)) }

// header reads a message's array header and type tag; n is the number of elements after
// the tag.
func (p *parser) header() (Type, int, error) {
	n, err := p.arrayLen("message")
	if err != nil {
		return 0, 0, err
	}
	if n == 0 {
		return 0, 0, p.errorf("message: empty array, want a type tag")
	}
	// A tag too big for a Type is as unknown as any other.
	tag, err := p.int("message type", 0, math.MaxInt64)
	if err != nil {
		return 0, 0, err
	}
	if tag > math.MaxUint8 {
		return 0, 0, wrapf(ErrUnknownType, "type tag %d", tag)
	}
	return Type(tag), n - 1, nil
}

// body decodes the n elements of m's array after the tag and requires the message to end there.
func (p *parser) body(m Message, n int) error {
	if err := m.decode(p, n); err != nil {
		return err
	}
	if p.left() > 0 {
		return p.errorf("%d trailing bytes after the %s message", p.left(), m.Type())
	}
	return nil
}
