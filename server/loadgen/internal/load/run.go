// Package load runs one load scenario against the real server: R rooms of P players and S
// SSE spectators, and measures the server from outside: delivery rates and latencies at the
// clients, tick durations from /metrics, CPU and memory of the server process from /proc, and
// the generator's own CPU, so that a reader can tell which side was the limit. Players are
// wire players (raw sockets served by a few event loops, scripted inputs) unless they are
// asked to think: then each is a WebSocket client through client, steered by game.Bot.
package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	dto "github.com/prometheus/client_model/go"

	"skirmish/server/loadgen/internal/affinity"
	"skirmish/server/loadgen/internal/metrics"
	"skirmish/server/loadgen/internal/procstat"
	"skirmish/server/loadgen/internal/serverproc"
	"skirmish/server/loadgen/internal/spectator"
	"skirmish/server/loadgen/internal/stats"
)

// Config is one scenario.
type Config struct {
	// Addr is an external server's host:port; empty starts the real server.
	Addr string
	// ServerBin is the server binary to start; empty builds it first.
	ServerBin string
	// ProfileDir, when set, runs the server code inside this program (same code, same
	// flags) with the CPU profiler on, and writes its CPU and heap profiles there.
	ProfileDir string
	// Pid is the external server's process id for CPU and memory from /proc; 0 reads the
	// process figures from its /metrics instead.
	Pid        int
	Rooms      int
	Players    int // per room
	Spectators int // spread over the rooms
	TickRate   int
	// Brains makes every player a full client steered by a bot that rebuilds the world from
	// each snapshot, at several times the generator's CPU per player of a wire player.
	Brains bool
	// Warmup runs before each measurement window; Duration is the window's length.
	Warmup   time.Duration
	Duration time.Duration
	// ServerCPU and ClientCPU are the cores for a started server and for this process; -1
	// leaves that side unpinned.
	ServerCPU, ClientCPU int
	// Progress receives a line every few seconds; nil is quiet.
	Progress io.Writer
	// ServerFlags are more flags for a started server.
	ServerFlags []string
}

// run is the state of one scenario.
type run struct {
	cfg      Config
	base     string // http://host:port
	http     *http.Client
	pid      int
	proc     *serverproc.Process // nil for an external server
	players  playerStats
	specs    spectator.Stats
	rooms    []string
	times    []*tickTimes
	progress io.Writer
	errs     errorList
	where    string // where the server runs, for the report
}

// Run runs the scenario and returns its report. Failures that leave the figures
// meaningful (a client that could not connect, say) are listed in Report.Errors.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Rooms <= 0 || cfg.Players <= 0 {
		return nil, errors.New("a scenario needs at least one room with one player")
	}
	r, err := newRun(cfg)
	if err != nil {
		return nil, err
	}
	rep := &Report{Rooms: cfg.Rooms, Seats: cfg.Players, Spectators: cfg.Spectators, TickRate: cfg.TickRate,
		RSSPerPlayer: Missing, HeapPerPlayer: Missing, StackPerPlayer: Missing,
		RSSPerSpectator: Missing, HeapPerSpectator: Missing, StackPerSpectator: Missing}
	addr, stop, err := r.server(ctx)
	if err != nil {
		return nil, err
	}
	defer stop()
	rep.Server = r.where

	clients, stopClients := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		stopClients()
		wg.Wait()
	}()

	if err := r.createRooms(ctx); err != nil {
		return nil, err
	}
	// Rooms cost memory of their own; what follows is charged to the connections.
	r.heapProfile(ctx, serverproc.RoomsHeapProfile)
	mem0 := r.memory(ctx)
	if err := r.connectPlayers(clients, &wg, addr); err != nil {
		return nil, err
	}
	if err := r.sleep(ctx, cfg.Warmup, "warm-up"); err != nil {
		return nil, err
	}
	mem1 := r.memory(ctx)
	n := float64(cfg.Rooms * cfg.Players)
	rep.RSSPerPlayer, rep.HeapPerPlayer, rep.StackPerPlayer = mem1.sub(mem0, n)
	w, err := r.measure(ctx, "players")
	if err != nil {
		return nil, err
	}
	rep.Players = w
	r.heapProfile(ctx, serverproc.HeapProfile)

	if cfg.Spectators > 0 {
		mem2 := r.memory(ctx)
		r.connectSpectators(clients, &wg, addr)
		if err := r.sleep(ctx, cfg.Warmup, "spectator warm-up"); err != nil {
			return nil, err
		}
		mem3 := r.memory(ctx)
		rep.RSSPerSpectator, rep.HeapPerSpectator, rep.StackPerSpectator = mem3.sub(mem2, float64(cfg.Spectators))
		if rep.Watched, err = r.measure(ctx, "players and spectators"); err != nil {
			return nil, err
		}
	}
	rep.Errors = r.errs.list()
	return rep, nil
}

// heapProfile has a profiled server write its heap profile under name.
func (r *run) heapProfile(ctx context.Context, name string) {
	if r.cfg.ProfileDir == "" || r.proc == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := r.proc.HeapNow(ctx, r.cfg.ProfileDir, name); err != nil {
		r.errs.add(err)
	}
}

// newRun pins the load generator as cfg says and returns the state of a scenario.
func newRun(cfg Config) (*run, error) {
	if cfg.ClientCPU >= 0 {
		if err := affinity.Pin(cfg.ClientCPU); err != nil {
			return nil, err
		}
	}
	// Scrapes ask for no compression: a gzipped answer has the server make a compressor of
	// some 800 KB, which a heap reading would charge to the players.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableCompression: true}}
	r := &run{cfg: cfg, http: client, progress: cfg.Progress, pid: cfg.Pid}
	if r.progress == nil {
		r.progress = io.Discard
	}
	return r, nil
}

// server starts the server unless the scenario has an external one, and returns its address
// and what stops it; r.where says which it is.
func (r *run) server(ctx context.Context) (addr string, stop func(), err error) {
	if r.cfg.Addr != "" {
		r.base, r.where = "http://"+r.cfg.Addr, "external at "+r.cfg.Addr
		return r.cfg.Addr, func() {}, nil
	}
	if stop, err = r.startServer(ctx); err != nil {
		return "", nil, err
	}
	r.where = "started here, " + placement("server", r.cfg.ServerCPU) + "; " + placement("clients", r.cfg.ClientCPU)
	return r.base[len("http://"):], stop, nil
}

func (r *run) startServer(ctx context.Context) (stop func(), err error) {
	dir, err := os.MkdirTemp("", "skirmish-load-")
	if err != nil {
		return nil, fmt.Errorf("make a scratch directory: %w", err)
	}
	bin, flags := r.cfg.ServerBin, append([]string{"-tick", fmt.Sprint(r.cfg.TickRate)}, r.cfg.ServerFlags...)
	if r.cfg.ProfileDir != "" {
		if bin, err = os.Executable(); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("find own binary: %w", err)
		}
		flags = append(flags, serverproc.ProfiledArgs(r.cfg.ProfileDir)...)
	} else {
		flags = append(flags, serverproc.LoadFlags...)
		if bin == "" {
			fmt.Fprintln(r.progress, "building the server")
			if bin, err = serverproc.Build(ctx, dir); err != nil {
				os.RemoveAll(dir)
				return nil, err
			}
		}
	}
	p, err := serverproc.Start(ctx, bin, r.cfg.ServerCPU, dir, flags...)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	r.base, r.pid, r.proc = "http://"+p.Addr, p.Pid(), p
	return func() {
		if err := p.Stop(); err != nil {
			fmt.Fprintln(r.progress, "warning:", err)
		}
		os.RemoveAll(dir)
	}, nil
}

func (r *run) createRooms(ctx context.Context) error {
	for i := range r.cfg.Rooms {
		id, err := createRoom(ctx, r.http, r.base, r.cfg.Players, 0)
		if err != nil {
			return fmt.Errorf("room %d of %d: %w", i+1, r.cfg.Rooms, err)
		}
		r.rooms = append(r.rooms, id)
		r.times = append(r.times, &tickTimes{})
	}
	return nil
}

// placement says where a side of the run runs.
func placement(who string, cpu int) string {
	if cpu < 0 {
		return who + " unpinned"
	}
	return fmt.Sprintf("%s pinned to cpu %d", who, cpu)
}

// connectParallel bounds how many clients connect at once, so the server's accept queue
// does not overflow while a thousand clients arrive.
const connectParallel = 64

func (r *run) connectPlayers(ctx context.Context, wg *sync.WaitGroup, addr string) error {
	total := r.cfg.Rooms * r.cfg.Players
	if !r.cfg.Brains {
		swarm, err := newWireSwarm(ctx, wg, &r.players, &r.errs)
		if err != nil {
			return err
		}
		r.connectAll(ctx, wg, "players", total, &r.players.connected, func(i int, connected func()) {
			room := i / r.cfg.Players
			var times *tickTimes
			if i%r.cfg.Players == 0 {
				times = r.times[room]
			}
			if err := swarm.join(ctx, addr, r.rooms[room], fmt.Sprintf("bot%d", i), times, connected); err != nil && ctx.Err() == nil {
				r.errs.add(fmt.Errorf("player: %w", err))
			}
		})
		return nil
	}
	r.connectAll(ctx, wg, "players", total, &r.players.connected, func(i int, connected func()) {
		room := i / r.cfg.Players
		if err := runPlayer(ctx, addr, r.rooms[room], i, &r.players, r.times[room], &r.errs, connected, false); err != nil && ctx.Err() == nil {
			r.errs.add(fmt.Errorf("player: %w", err))
		}
	})
	return nil
}

func (r *run) connectSpectators(ctx context.Context, wg *sync.WaitGroup, addr string) {
	r.connectAll(ctx, wg, "spectators", r.cfg.Spectators, &r.specs.Connected, func(i int, connected func()) {
		room := i % len(r.rooms)
		connected()
		if err := spectator.Watch(ctx, addr, r.rooms[room], &r.specs, r.times[room]); err != nil {
			r.errs.add(fmt.Errorf("spectator: %w", err))
		}
	})
}

// connectAll starts n clients, at most connectParallel connecting at a time, and waits until
// all are connected or a minute has passed. Each client calls connected once it is in.
func (r *run) connectAll(ctx context.Context, wg *sync.WaitGroup, what string, n int, gauge *atomic.Int64, client func(i int, connected func())) {
	slots := make(chan struct{}, connectParallel)
	for i := range n {
		slots <- struct{}{}
		var once sync.Once
		release := func() { once.Do(func() { <-slots }) }
		wg.Go(func() {
			defer release()
			client(i, release)
		})
	}
	deadline := time.Now().Add(time.Minute)
	for gauge.Load() < int64(n) && time.Now().Before(deadline) && ctx.Err() == nil {
		fmt.Fprintf(r.progress, "connecting %s: %d/%d\n", what, gauge.Load(), n)
		time.Sleep(time.Second)
	}
	fmt.Fprintf(r.progress, "%s connected: %d/%d\n", what, gauge.Load(), n)
}

func (r *run) sleep(ctx context.Context, d time.Duration, what string) error {
	fmt.Fprintf(r.progress, "%s: %v\n", what, d)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// sample is the server-side reading at one instant.
type sample struct {
	at      time.Time
	cpu     time.Duration
	rss     float64
	scrape  metrics.Scrape
	cpuOK   bool
	scraped bool
	// wait is the server's run-queue wait so far, and waitOK whether it was read.
	wait   time.Duration
	waitOK bool
}

// The server's CPU time is read from /proc first, at the sample's instant, and /metrics after
// it: an overloaded server may take seconds to answer, and a CPU reading taken after that
// would span more than the window the clients counted.
func (r *run) read(ctx context.Context) sample {
	s := sample{at: time.Now(), rss: math.NaN()}
	if r.pid != 0 {
		if p, err := procstat.Read(r.pid); err == nil {
			s.cpu, s.rss, s.cpuOK = p.CPU, float64(p.RSS), true
		} else {
			r.errs.add(err)
		}
		var err error
		s.wait, err = procstat.RunQueueWait(r.pid)
		s.waitOK = err == nil
	}
	if sc, err := metrics.Fetch(ctx, r.http, r.base+"/metrics"); err == nil {
		s.scrape, s.scraped = sc, true
	} else {
		r.errs.add(err)
	}
	if r.pid == 0 && s.scraped {
		// An external server without a pid: its own process collector reads the same /proc.
		if v, err := s.scrape.Value("process_cpu_seconds_total"); err == nil {
			s.cpu, s.cpuOK = time.Duration(v*float64(time.Second)), true
		}
		if v, err := s.scrape.Value("process_resident_memory_bytes"); err == nil {
			s.rss = v
		}
	}
	return s
}

// memSample is the server's memory at one instant.
type memSample struct{ rss, heap, stack float64 }

func (r *run) memory(ctx context.Context) memSample {
	s := r.read(ctx)
	m := memSample{rss: s.rss, heap: math.NaN(), stack: math.NaN()}
	if s.scraped {
		// The heap in use right now includes garbage awaiting collection, which makes the
		// difference of two readings noise. The GC goal is the heap live after the last
		// collection grown by GOGC percent, so it yields the live heap without a collection.
		goal, err1 := s.scrape.Value("go_memstats_next_gc_bytes")
		gogc, err2 := s.scrape.Value("go_gc_gogc_percent")
		if err1 == nil && err2 == nil && gogc > 0 {
			m.heap = goal / (1 + gogc/100)
		}
		if v, err := s.scrape.Value("go_memstats_stack_inuse_bytes"); err == nil {
			m.stack = v
		}
	}
	return m
}

// sub returns the growth per connection from an earlier sample, for n connections: of the
// resident set, of the live Go heap plus stacks, and of the stacks alone.
func (m memSample) sub(earlier memSample, n float64) (rss, heapStack, stack Float) {
	return Float((m.rss - earlier.rss) / n),
		Float((m.heap + m.stack - earlier.heap - earlier.stack) / n),
		Float((m.stack - earlier.stack) / n)
}

// progressEvery is how often a long window reports.
const progressEvery = 5 * time.Second

// measure runs one window of cfg.Duration and returns its figures.
func (r *run) measure(ctx context.Context, what string) (*Window, error) {
	fmt.Fprintf(r.progress, "measuring %s for %v\n", what, r.cfg.Duration)
	r.players.ack.Swap(new(stats.Histogram))
	r.specs.SwapDelay()
	snaps0, bytes0 := r.players.snapshots.Load(), r.players.bytes.Load()
	events0, gaps0, rec0 := r.specs.Events.Load(), r.specs.Gaps.Load(), r.specs.Reconnects.Load()
	sseBytes0, reconnects0 := r.specs.Bytes.Load(), r.players.reconnects.Load()
	self0, selfErr0 := procstat.Read(0)
	selfWait0, selfWaitErr0 := procstat.RunQueueWait(0)
	s0 := r.read(ctx)
	end := s0.at.Add(r.cfg.Duration)
	for t := time.Now(); t.Before(end); t = time.Now() {
		wait := min(progressEvery, end.Sub(t))
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		el := time.Since(s0.at).Seconds()
		fmt.Fprintf(r.progress, "  %4.0fs: %d players, %.0f snapshots/s, %d spectators, %.0f SSE events/s\n", el,
			r.players.connected.Load(), float64(r.players.snapshots.Load()-snaps0)/el,
			r.specs.Connected.Load(), float64(r.specs.Events.Load()-events0)/el)
	}
	// The clients' counts end where the server's sample begins, before its scrape.
	snaps := float64(r.players.snapshots.Load() - snaps0)
	events := float64(r.specs.Events.Load() - events0)
	sentBytes, sseBytes := r.players.bytes.Load()-bytes0, r.specs.Bytes.Load()-sseBytes0
	gaps, rec, reconnects := r.specs.Gaps.Load()-gaps0, r.specs.Reconnects.Load()-rec0, r.players.reconnects.Load()-reconnects0
	ackH := r.players.ack.Swap(new(stats.Histogram))
	delayH := r.specs.SwapDelay()
	self1, selfErr1 := procstat.Read(0)
	selfWait1, selfWaitErr1 := procstat.RunQueueWait(0)
	s1 := r.read(ctx)

	secs := s1.at.Sub(s0.at).Seconds()
	players := r.players.connected.Load()
	w := &Window{
		Seconds:         secs,
		Players:         players,
		Spectators:      r.specs.Connected.Load(),
		SnapshotsPerSec: snaps / secs,
		AckP50ms:        ms(ackH, 0.5),
		AckP99ms:        ms(ackH, 0.99),
		BytesPerPlayer:  Float(float64(sentBytes) / secs / float64(max(players, 1))),
		FrameBytes:      Float(float64(sentBytes) / max(snaps, 1)),
		SSEGaps:         gaps,
		SSEReconnects:   rec,
		Ticks:           Missing, TickP50us: Missing, TickP99us: Missing, TickMaxUs: Missing, LateTicks: Missing,
		CPUPerSnapshotUs: Missing, CPUPerMessageUs: Missing, PlayersPerCore: Missing, ClientCores: Missing,
		ServerWaitMsPerSec: Missing, ClientWaitMsPerSec: Missing,
		SSEEventsPerSec: Missing, SSEBytesPerEvent: Missing, SSEDelayP50ms: Missing, SSEDelayP99ms: Missing, Dropped: Missing,
	}
	if selfErr0 == nil && selfErr1 == nil {
		w.ClientCores = Float((self1.CPU - self0.CPU).Seconds() / secs)
	}
	if selfWaitErr0 == nil && selfWaitErr1 == nil {
		w.ClientWaitMsPerSec = Float((selfWait1 - selfWait0).Seconds() * 1000 / secs)
	}
	if s0.waitOK && s1.waitOK {
		w.ServerWaitMsPerSec = Float((s1.wait - s0.wait).Seconds() * 1000 / secs)
	}
	w.PlayerReconnects = reconnects
	if r.cfg.Spectators > 0 && w.Spectators > 0 {
		w.SSEEventsPerSec = Float(events / secs)
		w.SSEBytesPerEvent = Float(float64(sseBytes) / max(events, 1))
		w.SSEDelayP50ms, w.SSEDelayP99ms = ms(delayH, 0.5), ms(delayH, 0.99)
	} else {
		events = 0
	}
	if s0.cpuOK && s1.cpuOK {
		cpu := (s1.cpu - s0.cpu).Seconds()
		w.CPUSeconds, w.CPUCores = cpu, cpu/secs
		if snaps > 0 {
			w.CPUPerSnapshotUs = Float(cpu / snaps * 1e6)
			w.CPUPerMessageUs = Float(cpu / (snaps + events) * 1e6)
			// A player costs CPUPerSnapshot every tick; a core holds 1s / (that x rate).
			w.PlayersPerCore = Float(1 / (cpu / snaps * float64(r.cfg.TickRate)))
		}
	}
	if s0.scraped && s1.scraped {
		r.tickFigures(w, s0.scrape, s1.scrape)
	}
	return w, nil
}

// tickFigures fills the tick duration quantiles, late ticks and drops from two scrapes.
func (r *run) tickFigures(w *Window, before, after metrics.Scrape) {
	if name, ok := after.Find(dto.MetricType_HISTOGRAM, "tick", "seconds"); ok {
		h0, err0 := before.Histogram(name)
		h1, err1 := after.Histogram(name)
		if err := errors.Join(err0, err1); err != nil {
			r.errs.add(err)
		} else {
			d := h1.Sub(h0)
			w.Ticks = Float(d.Count)
			w.TickP50us, w.TickP99us = Float(d.Quantile(0.5)*1e6), Float(d.Quantile(0.99)*1e6)
			w.TickMaxUs = Float(d.MaxBound() * 1e6)
		}
	} else {
		r.errs.add(errors.New("the server exposes no tick duration histogram"))
	}
	w.LateTicks = delta(before, after, "skirmish_late_ticks_total")
	w.Dropped = delta(before, after, "skirmish_snapshots_dropped_total")
}

func delta(before, after metrics.Scrape, name string) Float {
	v0, err0 := before.Value(name)
	v1, err1 := after.Value(name)
	if err0 != nil || err1 != nil {
		return Missing
	}
	return Float(v1 - v0)
}

func ms(h *stats.Histogram, q float64) Float {
	if h == nil || h.Count() == 0 {
		return Missing
	}
	return Float(float64(h.Quantile(q)) / float64(time.Millisecond))
}

// errorList collects distinct client errors; a thousand clients failing the same way make
// one line with a count.
type errorList struct {
	mu     sync.Mutex
	counts map[string]int
	order  []string
}

// ports are the client side of loopback addresses in error messages, different for every
// connection; dropping them lets equal failures collapse into one line.
var ports = regexp.MustCompile(`(127\.0\.0\.1):\d+->`)

func (e *errorList) add(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.counts == nil {
		e.counts = map[string]int{}
	}
	msg := ports.ReplaceAllString(err.Error(), "$1->")
	if e.counts[msg] == 0 {
		e.order = append(e.order, msg)
	}
	e.counts[msg]++
}

func (e *errorList) list() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, len(e.order))
	for i, m := range e.order {
		out[i] = m
		if n := e.counts[m]; n > 1 {
			out[i] = fmt.Sprintf("%s (x%d)", m, n)
		}
	}
	return out
}
