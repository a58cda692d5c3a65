package overload

import (
	"runtime"
	"testing"
	"time"
)

// TestVerdict: the monitor turns short only after a second of ticks taking more than their
// share of the cores (a blip does not count), and takes newcomers again only after Hold of
// good figures.
func TestVerdict(t *testing.T) {
	var ticks time.Duration
	m := New(Options{Hold: 2 * time.Second, TickTime: func() time.Duration { return ticks }})
	now := time.Now()
	m.read(m.cur, now)
	cores := time.Duration(runtime.GOMAXPROCS(0))
	sample := func(share float64) bool {
		ticks += time.Duration(share * float64(sampleEvery*cores))
		now = now.Add(sampleEvery)
		m.step(now)
		return m.Overloaded()
	}
	steps := []struct {
		name    string
		share   float64 // of the cores, spent in ticks
		samples int
		want    bool
	}{
		{"healthy", 0.3, 8, false},
		{"a blip", 0.95, 1, false},
		{"healthy again", 0.3, 4, false},
		{"busy for almost a second", 0.95, overFor - 1, false},
		{"busy for a second", 0.95, 1, true},
		{"still busy", 0.95, 4, true},
		{"recovering, within the hold", 0.3, 7, true},
		{"recovered for the hold", 0.3, 1, false},
	}
	for _, st := range steps {
		var got bool
		for range st.samples {
			got = sample(st.share)
		}
		if got != st.want {
			t.Fatalf("%s: overloaded %v, want %v", st.name, got, st.want)
		}
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
