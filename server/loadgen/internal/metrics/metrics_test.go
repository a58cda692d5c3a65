package metrics

import (
	"errors"
	"math"
	"os"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

func load(t *testing.T, name string) Scrape {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := Parse(f)
	if err != nil {
		t.Fatalf("Parse %s: %v", name, err)
	}
	return s
}

func TestWindowQuantiles(t *testing.T) {
	before, after := load(t, "before.prom"), load(t, "after.prom")
	name, ok := after.Find(dto.MetricType_HISTOGRAM, "tick", "duration")
	if !ok || name != "skirmish_tick_duration_seconds" {
		t.Fatalf("Find = %q, %v", name, ok)
	}
	h0, err := before.Histogram(name)
	if err != nil {
		t.Fatal(err)
	}
	h1, err := after.Histogram(name)
	if err != nil {
		t.Fatal(err)
	}
	// The window holds 1000 ticks: 100 up to 0.1 ms, 700 in (0.1, 0.5], 190 in (0.5, 1],
	// 5 in (1, 2] and 5 beyond the last bound.
	w := h1.Sub(h0)
	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{name: "count", got: w.Count, want: 1000},
		{name: "sum", got: w.Sum, want: 0.5},
		{name: "p50 interpolates inside (0.1, 0.5] ms", got: w.Quantile(0.5), want: 0.0001 + 0.0004*400/700},
		{name: "p99 at a bucket edge", got: w.Quantile(0.99), want: 0.001},
		{name: "p99.3 interpolates inside (1, 2] ms", got: w.Quantile(0.993), want: 0.001 + 0.001*3/5},
		{name: "p999 in +Inf returns the last bound", got: w.Quantile(0.999), want: 0.002},
		{name: "max bound beyond the buckets", got: w.MaxBound(), want: math.Inf(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if math.Abs(tt.got-tt.want) > 1e-9 && !(math.IsInf(tt.got, 1) && math.IsInf(tt.want, 1)) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestValues(t *testing.T) {
	before, after := load(t, "before.prom"), load(t, "after.prom")
	tests := []struct {
		name   string
		metric string
		want   float64
		err    error
	}{
		{name: "counter delta", metric: "skirmish_ws_bytes_out_total", want: 250000},
		{name: "gauge delta", metric: "go_memstats_heap_inuse_bytes", want: 4194304},
		{name: "missing", metric: "skirmish_nothing", err: ErrNoMetric},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v0, err0 := before.Value(tt.metric)
			v1, err1 := after.Value(tt.metric)
			if tt.err != nil {
				if !errors.Is(err0, tt.err) || !errors.Is(err1, tt.err) {
					t.Fatalf("errors %v, %v; want %v", err0, err1, tt.err)
				}
				return
			}
			if err0 != nil || err1 != nil {
				t.Fatalf("Value: %v, %v", err0, err1)
			}
			if got := v1 - v0; got != tt.want {
				t.Errorf("delta = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEmptyHistogram(t *testing.T) {
	var h Histogram
	if !math.IsNaN(h.Quantile(0.5)) || !math.IsNaN(h.MaxBound()) {
		t.Errorf("empty histogram gave %v, %v; want NaN", h.Quantile(0.5), h.MaxBound())
	}
}
