package spectate

import (
	"testing"
	"time"

	"skirmish/game"
	"skirmish/game/protocol"
)

// BenchmarkSnapshotJSON measures the spectator snapshot of a full room (8 ships, 50 shots),
// which a watched room encodes once per spectator interval on its own goroutine.
func BenchmarkSnapshotJSON(b *testing.B) {
	m, err := game.LoadMap("arena")
	if err != nil {
		b.Fatal(err)
	}
	w := game.NewWorld(game.DefaultConfig(8, 30), m)
	for seat := range 8 {
		w.SetActive(seat, true)
	}
	for i := range 50 {
		w.Projectiles = append(w.Projectiles, game.Projectile{
			ID: uint32(i + 1), Owner: uint8(i % 8),
			Pos: game.Vec{X: int32(1000 + 97*i), Y: int32(2000 + 31*i)}, Vel: game.Vec{X: 160, Y: -27},
		})
	}
	name := mustJSON(m.Name)
	now := time.Now()
	buf := appendSnapshot(nil, w, protocol.StateRunning, name, w.Config.TickRate, now)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = appendSnapshot(buf[:0], w, protocol.StateRunning, name, w.Config.TickRate, now)
	}
}
