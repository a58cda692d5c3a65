package protocol

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// TestWriterMatchesMsgpack holds the writer to the reference encoder: every integer, string
// and array length at the edges of msgpack's size classes encodes to the same bytes as
// msgpack.Encoder with compact integers, which is what clients in other languages produce too.
func TestWriterMatchesMsgpack(t *testing.T) {
	var ints []int64
	for _, edge := range []int64{0, 31, 32, 127, 128, 255, 256, math.MaxInt16, math.MaxUint16,
		math.MaxInt32, math.MaxUint32, math.MaxInt64} {
		ints = append(ints, edge, edge+1, -edge, -edge-1)
	}
	ints = append(ints, math.MinInt64)
	lengths := []int{0, 1, 15, 16, 31, 32, 255, 256, math.MaxUint16, math.MaxUint16 + 1}

	var ref bytes.Buffer
	enc := msgpack.NewEncoder(&ref)
	enc.UseCompactInts(true)
	w := writer{}
	for _, v := range ints {
		w.int(v)
		if err := enc.EncodeInt(v); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range lengths {
		w.array(n)
		s := strings.Repeat("x", n)
		w.str("s", s, math.MaxInt)
		if err := enc.EncodeArrayLen(n); err != nil {
			t.Fatal(err)
		}
		if err := enc.EncodeString(s); err != nil {
			t.Fatal(err)
		}
	}
	w.bool(true)
	w.bool(false)
	if err := enc.EncodeMulti(true, false); err != nil {
		t.Fatal(err)
	}
	if w.err != nil {
		t.Fatal(w.err)
	}
	if !bytes.Equal(w.b, ref.Bytes()) {
		t.Fatalf("writer and msgpack.Encoder differ: %d and %d bytes", len(w.b), ref.Len())
	}

	// And the parser reads all of it back.
	p := parser{b: w.b}
	for _, v := range ints {
		if got, err := p.int("int", math.MinInt64, math.MaxInt64); err != nil || got != v {
			t.Fatalf("parsed %d, %v; want %d", got, err, v)
		}
	}
	for _, n := range lengths {
		if got, err := p.arrayLen("array"); err != nil && n <= p.left() || err == nil && got != n {
			t.Fatalf("parsed array of %d, %v; want %d", got, err, n)
		}
		if s, err := p.bytes("string", math.MaxInt); err != nil || len(s) != n {
			t.Fatalf("parsed string of %d, %v; want %d", len(s), err, n)
		}
	}
}

func TestEncodeRefuses(t *testing.T) {
	cases := []struct {
		name string
		msg  Message
	}{
		{"snapshot without state", &Snapshot{Tick: 1}},
		{"status with unknown state", &Status{State: 6}},
		{"hello with long room", &Hello{Version: Version, Name: "a", Room: strings.Repeat("r", MaxRoom+1)}},
		{"error with long text", &Error{Code: CodeInternal, Message: strings.Repeat("x", maxText+1)}},
		{"delta entry that changes nothing", &Delta{Tick: 2, BaseTick: 1, State: StateRunning, Ships: []ShipRecord{{3}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var enc Encoder
			if _, err := enc.Encode(tc.msg); err == nil {
				t.Fatal("Encode succeeded")
			}
			if b, err := enc.Encode(&Bye{}); err != nil || !bytes.Equal(b, []byte{0x91, 0x04}) {
				t.Fatalf("after a failure Encode(bye) = %x, %v", b, err)
			}
		})
	}
	if _, err := new(Encoder).Encode(&Snapshot{Tick: 1}); errors.Is(err, ErrMalformed) {
		t.Fatalf("an encoding error is not a decoding error: %v", err)
	}
}
