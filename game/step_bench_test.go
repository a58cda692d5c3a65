package game

import "testing"

// benchWorld returns a running 8-ship match on arena that never ends, and the floor tile
// centres where topUp launches extra shots.
func benchWorld(b *testing.B) (*World, []Vec) {
	b.Helper()
	m, err := LoadMap("arena")
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig(8, 30)
	cfg.FragLimit, cfg.TimeLimit = 1000, 0
	w := NewWorld(cfg, m)
	for seat := range 8 {
		w.SetActive(seat, true)
	}
	var floor []Vec
	for ty := range m.Height {
		for tx := range m.Width {
			if !m.Solid(tx, ty) {
				floor = append(floor, TileCentre(tx, ty))
			}
		}
	}
	return w, floor
}

// topUp adds shots from seat 0's gun until n are in flight. Eight ships cannot keep 50 shots
// in the air by themselves, so the benchmark feeds the rest.
func topUp(w *World, floor []Vec, n int) {
	speed := w.Config.ProjectileSpeed()
	for len(w.Projectiles) < n {
		id := w.NextProjectileID
		w.NextProjectileID++
		w.Projectiles = append(w.Projectiles, Projectile{
			ID:  id,
			Pos: floor[int(id*7919)%len(floor)],
			Vel: Vec{speed * int32(id%5-2) / 2, speed * int32(id%3-1)},
			TTL: uint16(w.Config.Ticks(ProjectileLifeMS)),
		})
	}
}

// keepPlaying clears the frags of a match that just ended, so that a long benchmark keeps
// measuring a match in play: Step on an ended World does nothing.
func keepPlaying(w *World) {
	if !w.Over {
		return
	}
	for i := range w.Ships {
		w.Ships[i].Frags = 0
	}
	w.Over, w.Winner = false, -1
}

// BenchmarkStep measures one tick of an 8-ship match with 50 shots in flight: the ships move
// and fire on scripted inputs, shots fly, hit and frag. Topping the shots up is included.
func BenchmarkStep(b *testing.B) {
	w, floor := benchWorld(b)
	inputs := make([][]Input, 256)
	for tick := range inputs {
		inputs[tick] = make([]Input, 8)
		for seat := range 8 {
			inputs[tick][seat] = scripted(seat, tick)
		}
	}
	topUp(w, floor, 50)
	w.Step(inputs[0])
	shots := 0
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		keepPlaying(w)
		topUp(w, floor, 50)
		shots += len(w.Projectiles)
		w.Step(inputs[i%len(inputs)])
	}
	b.ReportMetric(float64(shots)/float64(b.N), "shots/op")
}

// BenchmarkBotThink measures one decision of a bot in an 8-ship match of bots of every level.
func BenchmarkBotThink(b *testing.B) {
	w, _ := benchWorld(b)
	bots := make([]*Bot, 8)
	inputs := make([]Input, 8)
	for seat := range bots {
		bots[seat] = NewBot(seat, uint64(seat), levels[seat%len(levels)])
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		seat := i % 8
		inputs[seat] = bots[seat].Think(w)
		if seat == 7 {
			keepPlaying(w)
			w.Step(inputs)
		}
	}
}

// BenchmarkHash measures fingerprinting an 8-ship World.
func BenchmarkHash(b *testing.B) {
	w, floor := benchWorld(b)
	topUp(w, floor, 50)
	b.ReportAllocs()
	for b.Loop() {
		w.Hash()
	}
}
