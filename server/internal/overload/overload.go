// Package overload measures the server's own headroom and says when it is short, so that the
// server refuses newcomers (new players, new rooms) before the matches it already runs lose
// their tick rate. Every quarter second it samples three figures:
//
//   - the CPU the process used against what its cores (GOMAXPROCS) allow;
//   - the time the rooms spent in their ticks against the same budget;
//   - the scheduler delay: how long goroutines waited to run (the runtime's
//     /sched/latencies histogram, its 99th percentile), which every room's tick and every
//     connection's reader pays;
//   - the share of room ticks that started more than a period late, which also shows a
//     core that other processes take from the server (the runtime does not see that).
//
// The server is short when a figure has been past its limit for a second (every sample in
// it: a pause of the garbage collector or a neighbour's burst is not a shortage), and stays
// short until every figure has been within its limit for Options.Hold.
package overload

import (
	"context"
	"math"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"syscall"
	"time"
)

// Options tune a Monitor. Zero values mean the defaults.
type Options struct {
	// MaxCPU is the share of the cores the process may keep busy (default 0.85).
	MaxCPU float64
	// MaxTicks is the share of the cores the rooms' ticks may keep busy (default 0.7).
	MaxTicks float64
	// MaxDelay is the 99th percentile scheduler delay allowed (default 30 ms).
	MaxDelay time.Duration
	// MaxLate is the share of ticks that may start late (default 0.1).
	MaxLate float64
	// Hold is how long every figure must be back within its limit before newcomers are taken
	// again (default 5 s).
	Hold time.Duration
	// Ticks returns the rooms' ticks since the start; nil leaves the ticks out.
	Ticks func() Ticks
	// OnChange, when set, is called with the new state whenever it changes, and with the
	// figures of the sample that decided it.
	OnChange func(short bool, f Figures)
	// Sample, when set, is called with every sample's figures (for metrics).
	Sample func(f Figures)
}

func (o Options) withDefaults() Options {
	if o.MaxCPU <= 0 {
		o.MaxCPU = 0.85
	}
	if o.MaxTicks <= 0 {
		o.MaxTicks = 0.7
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = 30 * time.Millisecond
	}
	if o.MaxLate <= 0 {
		o.MaxLate = 0.1
	}
	if o.Hold <= 0 {
		o.Hold = 5 * time.Second
	}
	return o
}

// Ticks are the rooms' ticks since the start.
type Ticks struct {
	Count, Late float64       // ticks run, and those of them that started late
	Time        time.Duration // time spent in them
}

// Figures are one sample's measures since the sample before.
type Figures struct {
	CPU   float64       // share of the cores the process kept busy
	Ticks float64       // share of the cores the rooms' ticks kept busy
	Delay time.Duration // 99th percentile scheduler delay
	Late  float64       // share of the ticks that started late
}

// Monitor samples the figures and keeps the verdict. Overloaded is safe for concurrent use.
type Monitor struct {
	opts  Options
	short atomic.Bool

	// Owned by Run.
	prev, cur *reading
	over      int       // samples in a row past a limit
	clearAt   time.Time // when the figures were last past a limit
	hist      metrics.Sample
	buckets   []float64 // the boundaries of the scheduler latency histogram
}

// sampleEvery is the sampling period; overFor samples in a row past a limit make a shortage.
const (
	sampleEvery = 250 * time.Millisecond
	overFor     = 4
)

// reading is the cumulative state at one sample.
type reading struct {
	at    time.Time
	cpu   time.Duration
	ticks Ticks
	sched []uint64 // cumulative counts of the scheduler latency histogram
}

// New returns a monitor; Run makes it sample.
func New(opts Options) *Monitor {
	m := &Monitor{opts: opts.withDefaults(), prev: &reading{}, cur: &reading{}}
	m.hist.Name = "/sched/latencies:seconds"
	return m
}

// Overloaded reports whether the server is short of headroom.
func (m *Monitor) Overloaded() bool { return m.short.Load() }

// Run samples until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	t := time.NewTicker(sampleEvery)
	defer t.Stop()
	m.read(m.cur, time.Now())
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			m.step(now)
		}
	}
}

// step takes a sample and updates the verdict.
func (m *Monitor) step(now time.Time) {
	m.prev, m.cur = m.cur, m.prev
	m.read(m.cur, now)
	f := figures(m.prev, m.cur, m.buckets)
	if m.opts.Sample != nil {
		m.opts.Sample(f)
	}
	past := f.CPU > m.opts.MaxCPU || f.Ticks > m.opts.MaxTicks || f.Delay > m.opts.MaxDelay || f.Late > m.opts.MaxLate
	if past {
		m.over++
		m.clearAt = now
	} else {
		m.over = 0
	}
	short := m.short.Load()
	switch {
	case !short && m.over >= overFor:
		m.set(true, f)
	case short && !past && now.Sub(m.clearAt) >= m.opts.Hold:
		m.set(false, f)
	}
}

func (m *Monitor) set(short bool, f Figures) {
	m.short.Store(short)
	if m.opts.OnChange != nil {
		m.opts.OnChange(short, f)
	}
}

// read records the cumulative state at now in r.
func (m *Monitor) read(r *reading, now time.Time) {
	r.at = now
	r.cpu = processCPU()
	metrics.Read([]metrics.Sample{m.hist})
	if m.hist.Value.Kind() == metrics.KindFloat64Histogram {
		h := m.hist.Value.Float64Histogram()
		r.sched = append(r.sched[:0], h.Counts...)
		m.buckets = h.Buckets
	}
	if m.opts.Ticks != nil {
		r.ticks = m.opts.Ticks()
	}
}

// figures are the measures between two readings; buckets are the boundaries of the
// scheduler latency histogram.
func figures(from, to *reading, buckets []float64) Figures {
	var f Figures
	if budget := float64(to.at.Sub(from.at)) * float64(runtime.GOMAXPROCS(0)); budget > 0 {
		f.CPU = float64(to.cpu-from.cpu) / budget
		f.Ticks = float64(to.ticks.Time-from.ticks.Time) / budget
	}
	f.Delay = quantile(buckets, from.sched, to.sched, 0.99)
	if n := to.ticks.Count - from.ticks.Count; n >= minLateSamples {
		f.Late = (to.ticks.Late - from.ticks.Late) / n
	}
	return f
}

// minLateSamples is how many ticks a sample must see before their lateness counts: a few
// rooms late behind a busy neighbour on the machine are no load of the server's own, and
// refusing newcomers would not help them.
const minLateSamples = 100

// minDelaySamples is how many scheduling events a sample must see before its delay counts:
// an idle process's few wakeups say nothing.
const minDelaySamples = 50

// quantile returns the q quantile of the latencies counted between two cumulative readings
// of the scheduler histogram (the upper bound of the bucket it falls in).
func quantile(buckets []float64, from, to []uint64, q float64) time.Duration {
	if len(from) != len(to) || len(to) == 0 || len(buckets) != len(to)+1 {
		return 0
	}
	var total uint64
	for i := range to {
		total += to[i] - from[i]
	}
	if total < minDelaySamples {
		return 0
	}
	want := uint64(math.Ceil(q * float64(total)))
	var seen uint64
	for i := range to {
		seen += to[i] - from[i]
		if seen >= want {
			upper := buckets[i+1]
			if math.IsInf(upper, 1) {
				upper = buckets[i]
			}
			return time.Duration(upper * float64(time.Second))
		}
	}
	return 0
}

// processCPU returns the user and system time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
