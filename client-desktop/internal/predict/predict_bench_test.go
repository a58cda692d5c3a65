package predict

import (
	"testing"

	"skirmish/game"
)

// BenchmarkReconcile measures the work a snapshot costs the client at a 200 ms round trip at
// 30 Hz: six inputs replayed through game.MoveShip.
func BenchmarkReconcile(b *testing.B) {
	m, err := game.LoadMap("arena")
	if err != nil {
		b.Fatal(err)
	}
	cfg := game.DefaultConfig(4, 30)
	w := game.NewWorld(cfg, m)
	w.SetActive(0, true)
	p := New(m, cfg)
	p.Reconcile(w.Ships[0])
	seq := uint32(0)
	b.ReportAllocs()
	for b.Loop() {
		seq++
		p.Input(steer(seq))
		server := w.Ships[0]
		server.LastSeq = max(seq, 6) - 6
		p.Reconcile(server)
	}
}
