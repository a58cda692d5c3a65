package baseline

import (
	"encoding/json"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"skirmish/game/protocol"
)

// keyframe8x50 is a keyframe of 8 ships and 50 shots in flight with match-like magnitudes,
// the size the snapshot encoding target is set for.
func keyframe8x50() *protocol.Snapshot {
	s := &protocol.Snapshot{Tick: 4321, State: protocol.StateRunning}
	for seat := range int64(8) {
		s.Ships = append(s.Ships, protocol.ShipRecord{
			protocol.ShipSeat: seat, protocol.ShipFlags: protocol.FlagActive | protocol.FlagAlive,
			protocol.ShipX: 2400 + 1700*seat, protocol.ShipY: 9800 - 900*seat,
			protocol.ShipVX: 40 - 11*seat, protocol.ShipVY: 13 * seat, protocol.ShipAimX: 90, protocol.ShipAimY: -89,
			protocol.ShipHealth: 100 - 10*seat, protocol.ShipFrags: seat, protocol.ShipDeaths: 2,
			protocol.ShipLastSeq: 4000 + seat, protocol.ShipCooldown: seat % 3,
		})
	}
	for id := range int64(50) {
		s.Projectiles = append(s.Projectiles, protocol.ProjectileRecord{
			protocol.ProjID: 900 + id, protocol.ProjOwner: id % 8,
			protocol.ProjX: 3000 + 211*id, protocol.ProjY: 12000 - 157*id,
			protocol.ProjVX: 160 - 7*id, protocol.ProjVY: 3*id - 75, protocol.ProjTTL: 5 + id%40,
		})
	}
	return s
}

// BenchmarkMarshalSnapshot is the baseline for the protocol's snapshot encoding: the same
// keyframe through the libraries' reflection-driven encoders, as a server that does not
// hand-write its wire format would send it. Compare BenchmarkEncodeSnapshot in game/protocol.
func BenchmarkMarshalSnapshot(b *testing.B) {
	snap := keyframe8x50()
	encoders := []struct {
		name    string
		marshal func(any) ([]byte, error)
	}{
		{name: "msgpack-reflect", marshal: msgpack.Marshal},
		{name: "json", marshal: json.Marshal},
	}
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
