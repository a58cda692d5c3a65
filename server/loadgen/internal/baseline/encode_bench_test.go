package baseline

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"skirmish/game/protocol"
)

// keyframe8x50 is a keyframe of 8 ships and 50 shots in flight with match-like magnitudes,
// the same one BenchmarkEncodeSnapshot in game/protocol encodes, so both compare like with
// like.
func keyframe8x50() *protocol.Snapshot {
	s := &protocol.Snapshot{Tick: 54321, State: protocol.StateRunning}
	for i := range int64(8) {
		s.Ships = append(s.Ships, protocol.ShipRecord{i, 3, 9000 + 640*i, 7000 - 300*i,
			-58, 41, 90, -89, 75, 4, 3, 0, 54000 + i, 4})
	}
	for i := range int64(50) {
		s.Projectiles = append(s.Projectiles, protocol.ProjectileRecord{7000 + i, i % 8,
			12000 - 100*i, 300 + 90*i, 160, -30, i % 36})
	}
	return s
}

// arrayEncoder writes a keyframe with the msgpack library's own encoder in the protocol's
// wire format (arrays of compact ints), reusing the encoder and its buffer: the like-for-like
// baseline of the protocol's hand-written encoder, whose bytes it must match.
type arrayEncoder struct {
	buf bytes.Buffer
	enc *msgpack.Encoder
}

func newArrayEncoder() *arrayEncoder {
	a := &arrayEncoder{}
	a.enc = msgpack.NewEncoder(&a.buf)
	a.enc.UseCompactInts(true)
	return a
}

func (a *arrayEncoder) marshal(v any) ([]byte, error) {
	s := v.(*protocol.Snapshot)
	a.buf.Reset()
	e := a.enc
	err := e.EncodeArrayLen(5)
	for _, x := range []int64{int64(protocol.TypeSnapshot), int64(s.Tick), int64(s.State)} {
		err = errors.Join(err, e.EncodeInt(x))
	}
	err = errors.Join(err, e.EncodeArrayLen(len(s.Ships)))
	for i := range s.Ships {
		err = errors.Join(err, a.record(s.Ships[i][:]))
	}
	err = errors.Join(err, e.EncodeArrayLen(len(s.Projectiles)))
	for i := range s.Projectiles {
		err = errors.Join(err, a.record(s.Projectiles[i][:]))
	}
	return a.buf.Bytes(), err
}

func (a *arrayEncoder) record(rec []int64) error {
	err := a.enc.EncodeArrayLen(len(rec))
	for _, x := range rec {
		if err == nil {
			err = a.enc.EncodeInt(x)
		}
	}
	return err
}

// snapshotEncoders are the baselines of the protocol's snapshot encoding. msgpack-arrays is
// the honest one: the same arrays and compact ints, so the same bytes, through the library's
// encoder. The reflection-driven ones show what a server that does not design its wire
// format sends: a map with field names (a different, larger format).
var snapshotEncoders = []struct {
	name    string
	marshal func(any) ([]byte, error)
}{
	{name: "msgpack-arrays", marshal: newArrayEncoder().marshal},
	{name: "msgpack-reflect", marshal: msgpack.Marshal},
	{name: "json", marshal: json.Marshal},
}

// BenchmarkMarshalSnapshot is the baseline for the protocol's snapshot encoding: the same
// keyframe through the library encoders. Compare BenchmarkEncodeSnapshot in game/protocol.
func BenchmarkMarshalSnapshot(b *testing.B) {
	snap := keyframe8x50()
	encoders := snapshotEncoders
	for _, e := range encoders {
		b.Run(e.name, func(b *testing.B) {
			out, err := e.marshal(snap)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(out)))
			for b.Loop() {
				if _, err := e.marshal(snap); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(out)), "msg-bytes")
		})
	}
}

// TestArrayEncoderMatchesProtocol checks that the like-for-like codec baseline writes the
// protocol's bytes, so that its benchmark compares the same work.
func TestArrayEncoderMatchesProtocol(t *testing.T) {
	snap := keyframe8x50()
	var pe protocol.Encoder
	want, err := pe.Encode(snap)
	if err != nil {
		t.Fatal(err)
	}
	got, err := newArrayEncoder().marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("library encoder wrote %d bytes % x\nprotocol wrote %d bytes % x", len(got), got, len(want), want)
	}
}
