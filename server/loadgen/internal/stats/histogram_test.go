package stats

import (
	"sync"
	"testing"
	"time"
)

func TestIndexBoundsRoundTrip(t *testing.T) {
	for _, v := range []uint64{0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 1000, 123456789, 1 << 62} {
		lo, hi := bounds(index(v))
		if v < lo || v > hi {
			t.Errorf("value %d landed in bucket [%d, %d]", v, lo, hi)
		}
		if hi-lo > v/subCount {
			t.Errorf("bucket [%d, %d] for %d is wider than 1/%d of the value", lo, hi, v, subCount)
		}
	}
}

func TestQuantile(t *testing.T) {
	tests := []struct {
		name    string
		samples []time.Duration
		q       float64
		want    time.Duration
	}{
		{name: "empty", q: 0.5, want: 0},
		{name: "one sample", samples: []time.Duration{3 * time.Millisecond}, q: 0.99, want: 3 * time.Millisecond},
		{name: "median of 1..100 ms", samples: ramp(100, time.Millisecond), q: 0.5, want: 50 * time.Millisecond},
		{name: "p99 of 1..100 ms", samples: ramp(100, time.Millisecond), q: 0.99, want: 99 * time.Millisecond},
		{name: "p99 with one outlier", samples: append(ramp(1000, time.Microsecond), time.Second), q: 0.99, want: 990 * time.Microsecond},
		{name: "top is the exact max", samples: append(ramp(10, time.Microsecond), 777*time.Millisecond), q: 1, want: 777 * time.Millisecond},
		{name: "negative counts as zero", samples: []time.Duration{-time.Second}, q: 0.5, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Histogram
			for _, s := range tt.samples {
				h.Add(s)
			}
			got := h.Quantile(tt.q)
			if diff := got - tt.want; diff < -tt.want/subCount || diff > tt.want/subCount {
				t.Errorf("Quantile(%v) = %v, want %v within 1/%d", tt.q, got, tt.want, subCount)
			}
		})
	}
}

func TestConcurrentAdd(t *testing.T) {
	var h Histogram
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				h.Add(time.Duration(g*1000+i) * time.Microsecond)
			}
		})
	}
	wg.Wait()
	if h.Count() != 8000 {
		t.Errorf("Count = %d, want 8000", h.Count())
	}
	if h.Max() != 7999*time.Microsecond {
		t.Errorf("Max = %v, want 7.999ms", h.Max())
	}
}

func ramp(n int, unit time.Duration) []time.Duration {
	s := make([]time.Duration, n)
	for i := range s {
		s[i] = time.Duration(i+1) * unit
	}
	return s
}
