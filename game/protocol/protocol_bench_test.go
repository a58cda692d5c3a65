package protocol

import (
	"fmt"
	"testing"

	"skirmish/game"
)

// matchFrames records the keyframes of a real match of seats ships, from tick 301 on so that
// the ships have spread out and are shooting.
func matchFrames(b *testing.B, seats int) []Snapshot {
	var frames []Snapshot
	playWorld(b, seats, 600, func(w *game.World) {
		if w.Tick > 300 {
			var s Snapshot
			s.Fill(w, StateRunning)
			frames = append(frames, s)
		}
	})
	return frames
}

// benchSnapshot is a keyframe of 8 ships and 50 projectiles with realistic magnitudes.
func benchSnapshot() *Snapshot {
	s := &Snapshot{Tick: 54321, State: StateRunning}
	for i := range 8 {
		s.Ships = append(s.Ships, ShipRecord{int64(i), 3, 9000 + 640*int64(i), 7000 - 300*int64(i),
			-58, 41, 90, -89, 75, 4, 3, 0, 54000 + int64(i), 4})
	}
	for i := range 50 {
		s.Projectiles = append(s.Projectiles, ProjectileRecord{int64(7000 + i), int64(i % 8),
			12000 - 100*int64(i), 300 + 90*int64(i), 160, -30, int64(i % 36)})
	}
	return s
}

func BenchmarkEncodeSnapshot(b *testing.B) {
	benchEncode(b, benchSnapshot())
}

func BenchmarkEncodeDelta(b *testing.B) {
	base := benchSnapshot()
	cur := &Snapshot{}
	cur.CopyFrom(base)
	cur.Tick++
	for i := range cur.Ships {
		cur.Ships[i][ShipX] += 58
		cur.Ships[i][ShipY] -= 41
		cur.Ships[i][ShipLastSeq]++
	}
	cur.Projectiles = cur.Projectiles[2:]
	for i := range cur.Projectiles {
		cur.Projectiles[i] = advance(cur.Projectiles[i])
	}
	cur.Projectiles = append(cur.Projectiles, ProjectileRecord{8000, 3, 9000, 7000, 160, 0, 36})
	var d Delta
	if err := d.Diff(base, cur); err != nil {
		b.Fatal(err)
	}
	benchEncode(b, &d)
}

func BenchmarkEncodeInput(b *testing.B) {
	benchEncode(b, &Input{Seq: 54321, Buttons: 1 | 8 | 16, AimX: -300, AimY: 120})
}

func BenchmarkEncodePong(b *testing.B) {
	benchEncode(b, &Pong{ClientTime: 1234567, Tick: 54321})
}

func benchEncode(b *testing.B, m Message) {
	var enc Encoder
	out, err := enc.Encode(m)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(out)))
	for b.Loop() {
		if _, err := enc.Encode(m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(out)), "msg-bytes")
}

func BenchmarkDiff(b *testing.B) {
	base := benchSnapshot()
	cur := &Snapshot{}
	cur.CopyFrom(base)
	cur.Tick++
	var d Delta
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Diff(base, cur); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeInput(b *testing.B) {
	benchDecode(b, &Input{Seq: 54321, Buttons: 1 | 8 | 16, AimX: -300, AimY: 120})
}

func BenchmarkDecodeSnapshot(b *testing.B) {
	benchDecode(b, benchSnapshot())
}

func benchDecode(b *testing.B, m Message) {
	msg, err := new(Encoder).Encode(m)
	if err != nil {
		b.Fatal(err)
	}
	var r Reader
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := r.Decode(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatchBandwidth plays real matches and reports what one player receives: the mean
// keyframe and delta sizes and the bytes per second of a delta stream at 30 Hz (the
// WebSocket frame header, 2 bytes for these sizes, included). The time per op is one
// tick's Diff and delta encoding.
func BenchmarkMatchBandwidth(b *testing.B) {
	for _, seats := range []int{4, 8} {
		b.Run(fmt.Sprintf("ships=%d", seats), func(b *testing.B) {
			frames := matchFrames(b, seats)
			var enc Encoder
			var d Delta
			var keyBytes, deltaBytes int
			for i := 1; i < len(frames); i++ {
				key, _ := enc.Encode(&frames[i])
				keyBytes += len(key)
				if err := d.Diff(&frames[i-1], &frames[i]); err != nil {
					b.Fatal(err)
				}
				delta, _ := enc.Encode(&d)
				deltaBytes += len(delta)
			}
			b.ReportAllocs()
			i := 1
			for b.Loop() {
				if err := d.Diff(&frames[i-1], &frames[i]); err != nil {
					b.Fatal(err)
				}
				if _, err := enc.Encode(&d); err != nil {
					b.Fatal(err)
				}
				if i++; i == len(frames) {
					i = 1
				}
			}
			n := float64(len(frames) - 1)
			b.ReportMetric(float64(keyBytes)/n, "keyframe-bytes")
			b.ReportMetric(float64(deltaBytes)/n, "delta-bytes")
			b.ReportMetric((float64(deltaBytes)/n+2)*30, "delta-B/s@30Hz")
		})
	}
}
