package interp

import (
	"testing"
	"time"

	"skirmish/game"
)

// BenchmarkSample measures one frame's interpolation of a full room: 8 ships and 40 shots.
func BenchmarkSample(b *testing.B) {
	buf := NewBuffer(rate)
	start := time.Unix(1000, 0)
	for tick := uint32(1); tick <= bufferSize; tick++ {
		f := Frame{Tick: tick, Ships: make([]game.Ship, game.MaxSeats), Projectiles: make([]game.Projectile, 40)}
		for i := range f.Ships {
			f.Ships[i] = game.Ship{Active: true, Alive: true, Pos: game.Vec{X: int32(i*800) + int32(tick)*30, Y: 4000}, AimX: 127}
		}
		for i := range f.Projectiles {
			f.Projectiles[i] = game.Projectile{ID: uint32(i), Pos: game.Vec{X: int32(i * 100), Y: 900}, Vel: game.Vec{X: 160}}
		}
		buf.Push(f, start.Add(time.Duration(tick)*step))
	}
	now := start.Add(bufferSize * step)
	var v View
	b.ReportAllocs()
	for b.Loop() {
		buf.Sample(now, &v)
	}
}
