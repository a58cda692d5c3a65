package replay

import "testing"

// BenchmarkNewTimeline replays a three-minute match of a player and three bots once, as the
// first watcher of a match waits for.
func BenchmarkNewTimeline(b *testing.B) {
	rec, _ := recorded(b, b.TempDir(), 3*60*30)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewTimeline(rec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSeek moves to ticks spread over a three-minute match, as a seek bar does.
func BenchmarkSeek(b *testing.B) {
	rec, _ := recorded(b, b.TempDir(), 3*60*30)
	tl, err := NewTimeline(rec)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	tick := uint32(0)
	for b.Loop() {
		tick = (tick + 997) % tl.Ticks
		tl.seek(tick)
	}
}
