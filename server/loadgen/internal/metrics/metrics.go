// Package metrics scrapes a Prometheus text endpoint and turns two scrapes into the figures
// of one measurement window: histogram quantiles over the window, counter deltas, gauges.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// ErrNoMetric reports that a scrape has no metric family of the wanted name.
var ErrNoMetric = errors.New("metric not exposed")

// Scrape is one parsed reading of a /metrics endpoint.
type Scrape map[string]*dto.MetricFamily

// Fetch reads and parses the Prometheus text format served at url.
func Fetch(ctx context.Context, c *http.Client, url string) (Scrape, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", url, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape %s: status %s", url, resp.Status)
	}
	return Parse(resp.Body)
}

// Parse reads the Prometheus text exposition format.
func Parse(r io.Reader) (Scrape, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parse metrics: %w", err)
	}
	return Scrape(fams), nil
}

// Find returns the name of the first family (in name order) of type typ whose name contains
// every one of parts, so the load generator can locate e.g. the tick histogram without
// hard-coding its exact name.
func (s Scrape) Find(typ dto.MetricType, parts ...string) (string, bool) {
	names := make([]string, 0, len(s))
	for name := range s {
		names = append(names, name)
	}
	sort.Strings(names)
next:
	for _, name := range names {
		if s[name].GetType() != typ {
			continue
		}
		for _, p := range parts {
			if !strings.Contains(name, p) {
				continue next
			}
		}
		return name, true
	}
	return "", false
}

// Value returns the sum over all series of a counter, gauge or untyped family.
func (s Scrape) Value(name string) (float64, error) {
	f, ok := s[name]
	if !ok {
		return 0, fmt.Errorf("%w: %s", ErrNoMetric, name)
	}
	var sum float64
	for _, m := range f.GetMetric() {
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Untyped != nil:
			sum += m.Untyped.GetValue()
		}
	}
	return sum, nil
}

// Labeled returns the sum over the series of a counter or gauge family whose label has
// value; 0 when there is none yet (a counter vector shows a series once it counts).
func (s Scrape) Labeled(name, label, value string) float64 {
	var sum float64
	for _, m := range s[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label && l.GetValue() == value {
				sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	return sum
}

// Histogram is a cumulative histogram: Counts[i] observations were at most Bounds[i]; the
// implicit last bucket (+Inf) holds Count.
type Histogram struct {
	Bounds []float64
	Counts []float64
	Count  float64
	Sum    float64
}

// Histogram sums all series of the family name (every room kind, say) into one histogram.
// Series with different bucket layouts cannot be summed and give an error.
func (s Scrape) Histogram(name string) (Histogram, error) {
	f, ok := s[name]
	if !ok {
		return Histogram{}, fmt.Errorf("%w: %s", ErrNoMetric, name)
	}
	var h Histogram
	for i, m := range f.GetMetric() {
		mh := m.GetHistogram()
		if mh == nil {
			return Histogram{}, fmt.Errorf("metric %s is not a histogram", name)
		}
		var bounds []float64
		var counts []float64
		for _, b := range mh.GetBucket() {
			if math.IsInf(b.GetUpperBound(), 1) {
				continue
			}
			bounds = append(bounds, b.GetUpperBound())
			counts = append(counts, float64(b.GetCumulativeCount()))
		}
		if i == 0 {
			h = Histogram{Bounds: bounds, Counts: make([]float64, len(counts))}
		} else if !equal(h.Bounds, bounds) {
			return Histogram{}, fmt.Errorf("metric %s: series have different buckets", name)
		}
		for j, c := range counts {
			h.Counts[j] += c
		}
		h.Count += float64(mh.GetSampleCount())
		h.Sum += mh.GetSampleSum()
	}
	return h, nil
}

// Sub returns the observations made between an earlier reading of the same histogram and h.
func (h Histogram) Sub(earlier Histogram) Histogram {
	d := Histogram{Bounds: h.Bounds, Counts: make([]float64, len(h.Counts)), Count: h.Count - earlier.Count, Sum: h.Sum - earlier.Sum}
	for i := range h.Counts {
		d.Counts[i] = h.Counts[i]
		if i < len(earlier.Counts) {
			d.Counts[i] -= earlier.Counts[i]
		}
	}
	return d
}

// Quantile estimates the q-quantile (0..1) as Prometheus's histogram_quantile does: linear
// interpolation inside the bucket that holds the rank, the first bucket starting at zero.
// A rank in the +Inf bucket returns the highest finite bound. NaN when empty.
func (h Histogram) Quantile(q float64) float64 {
	if h.Count == 0 || len(h.Bounds) == 0 {
		return math.NaN()
	}
	rank := q * h.Count
	prevBound, prevCount := 0.0, 0.0
	for i, c := range h.Counts {
		if c >= rank {
			if c == prevCount {
				return h.Bounds[i]
			}
			return prevBound + (h.Bounds[i]-prevBound)*(rank-prevCount)/(c-prevCount)
		}
		prevBound, prevCount = h.Bounds[i], c
	}
	return h.Bounds[len(h.Bounds)-1]
}

// MaxBound returns an upper bound of the largest observation: the bound of the lowest bucket
// that holds every observation, or +Inf if some fell beyond the last finite bound. NaN when
// empty.
func (h Histogram) MaxBound() float64 {
	if h.Count == 0 {
		return math.NaN()
	}
	for i, c := range h.Counts {
		if c >= h.Count {
			return h.Bounds[i]
		}
	}
	return math.Inf(1)
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
