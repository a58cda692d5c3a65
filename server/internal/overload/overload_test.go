package overload

import (
	"runtime"
	"testing"
	"time"
)

// TestVerdict: the monitor turns short only after a second of a figure past its limit (ticks
// taking more than their share of the cores, or starting late; a blip does not count), and
// takes newcomers again only after Hold of good figures.
func TestVerdict(t *testing.T) {
	type step struct {
		name         string
		busy, late   float64 // share of the cores spent in ticks, share of ticks late
		samples      int
		wantOverload bool
	}
	healthy := 0.3
	tests := []struct {
		name  string
		rooms int // ticking at 30 Hz
		steps []step
	}{
		{"ticks take the cores", 120, []step{
			{"healthy", healthy, 0, 8, false},
			{"a blip", 0.95, 0, 1, false},
			{"healthy again", healthy, 0, 4, false},
			{"busy for almost a second", 0.95, 0, overFor - 1, false},
			{"busy for a second", 0.95, 0, 1, true},
			{"still busy", 0.95, 0, 4, true},
			{"recovering, within the hold", healthy, 0, 7, true},
			{"recovered for the hold", healthy, 0, 1, false},
		}},
		{"ticks start late", 120, []step{
			{"healthy", healthy, 0, 8, false},
			{"a few late", healthy, 0.05, 8, false},
			{"many late for a second", healthy, 0.5, overFor, true},
			{"on time again, for the hold", healthy, 0, 8, false},
		}},
		{"few ticks late", 4, []step{
			{"a few rooms starved by a neighbour", healthy, 0.9, 8, false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ticks Ticks
			m := New(Options{Hold: 2 * time.Second, Ticks: func() Ticks { return ticks }})
			now := time.Now()
			m.read(m.cur, now)
			cores := time.Duration(runtime.GOMAXPROCS(0))
			for _, st := range tt.steps {
				for range st.samples {
					// A quarter second of the rooms at 30 Hz.
					n := float64(tt.rooms) * 30 / 4
					ticks.Count += n
					ticks.Late += n * st.late
					ticks.Time += time.Duration(st.busy * float64(sampleEvery*cores))
					now = now.Add(sampleEvery)
					m.step(now)
				}
				if got := m.Overloaded(); got != st.wantOverload {
					t.Fatalf("%s: overloaded %v, want %v", st.name, got, st.wantOverload)
				}
			}
		})
	}
}

// TestQuantile: the scheduler delay is read from the histogram between two readings.
func TestQuantile(t *testing.T) {
	buckets := []float64{0, 0.001, 0.01, 0.1, 1}
	from := []uint64{10, 10, 10, 10}
	tests := []struct {
		name string
		to   []uint64
		want time.Duration
	}{
		{"too few events to judge", []uint64{20, 10, 10, 10}, 0},
		{"all fast", []uint64{210, 10, 10, 10}, time.Millisecond},
		{"a slow tail of more than 1%", []uint64{110, 107, 10, 13}, time.Second},
		{"a slow tail of 1%", []uint64{110, 108, 10, 12}, 10 * time.Millisecond},
		{"mostly slow", []uint64{10, 10, 210, 10}, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := quantile(buckets, from, tt.to, 0.99); got != tt.want {
				t.Fatalf("quantile = %v, want %v", got, tt.want)
			}
		})
	}
}
