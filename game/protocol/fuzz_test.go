package protocol

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// sentinels are the errors every decoding error wraps one of.
var sentinels = []error{ErrMalformed, ErrUnknownType, ErrTooBig, ErrVersion, ErrBadName, ErrBadToken}

// FuzzDecode feeds arbitrary bytes to every decoder. Whatever they get, they must not panic,
// they must agree with each other, an error must wrap a sentinel (so the server can choose a
// close code), and an accepted message must be valid msgpack that re-encodes to itself.
func FuzzDecode(f *testing.F) {
	var enc Encoder
	for _, tc := range messageCases {
		b, err := enc.Encode(tc.msg)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]byte(nil), b...))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		var r Reader
		typ, rerr := r.Decode(b)
		if (err == nil) != (rerr == nil) {
			t.Fatalf("Decode error %v, Reader.Decode error %v", err, rerr)
		}
		if _, cerr := r.DecodeClient(b); cerr == nil && (err != nil || !typ.FromClient()) {
			t.Fatalf("DecodeClient accepted what Decode refused (%v) or a %v", err, typ)
		}
		if err != nil {
			for _, s := range sentinels {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("error %v wraps no sentinel", err)
		}
		// The reference library must see exactly one well-formed value. (Skip, not
		// Unmarshal: decoding into Go values refuses msgpack that is valid, such as maps with
		// integer keys, which a later version may append as an extra field.)
		ref := bytes.NewReader(b)
		if err := msgpack.NewDecoder(ref).Skip(); err != nil || ref.Len() != 0 {
			t.Fatalf("Decode accepted what msgpack refuses: %v, %d bytes left", err, ref.Len())
		}
		again, err := new(Encoder).Encode(m)
		if err != nil {
			t.Fatalf("decoded %+v does not encode: %v", m, err)
		}
		m2, err := Decode(again)
		if err != nil || !reflect.DeepEqual(m, m2) {
			t.Fatalf("re-encoding %+v gives %+v, %v", m, m2, err)
		}
	})
}

// FuzzApply applies arbitrary deltas to arbitrary keyframes: Apply must refuse or succeed
// without panicking, and a keyframe it returns must still be one a peer accepts.
func FuzzApply(f *testing.F) {
	var enc Encoder
	for _, tc := range messageCases {
		if s, ok := tc.msg.(*Snapshot); ok {
			key, _ := enc.Encode(s)
			key = append([]byte(nil), key...)
			var d Delta
			next := &Snapshot{}
			next.CopyFrom(s)
			next.Tick++
			if len(next.Projectiles) > 0 {
				next.Projectiles = next.Projectiles[1:]
			}
			if err := d.Diff(s, next); err != nil {
				f.Fatal(err)
			}
			delta, _ := enc.Encode(&d)
			f.Add(key, append([]byte(nil), delta...))
		}
	}
	f.Fuzz(func(t *testing.T, key, delta []byte) {
		var r Reader
		if typ, err := r.Decode(key); err != nil || typ != TypeSnapshot {
			return
		}
		var d Reader
		if typ, err := d.Decode(delta); err != nil || typ != TypeDelta {
			return
		}
		if err := r.Snapshot.Apply(&d.Delta); err != nil {
			if !errors.Is(err, ErrBase) {
				t.Fatalf("Apply error %v does not wrap ErrBase", err)
			}
			return
		}
		b, err := new(Encoder).Encode(&r.Snapshot)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Decode(b); err != nil {
			t.Fatalf("Apply produced a keyframe peers refuse: %v", err)
		}
	})
}
