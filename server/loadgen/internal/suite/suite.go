// Package suite is `make bench`: it runs the Go micro-benchmarks of the game, protocol and
// server packages, the two load scenarios and the baselines, and prints one table (written
// to the results file too) with every figure beside its baselines from the same run.
package suite

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"skirmish/server/loadgen/internal/affinity"
	"skirmish/server/loadgen/internal/baseline"
	"skirmish/server/loadgen/internal/load"
	"skirmish/server/loadgen/internal/serverproc"
)

// Config is how the suite runs.
type Config struct {
	// Out is the results file, relative to the module root.
	Out string
}

// The cores: the server (and each baseline sender) gets one, the load generator the other.
const (
	serverCPU = 0
	clientCPU = 1
)

// The load scenarios of DESIGN.md section 7, sized to finish well within ten minutes.
var (
	scenarioA = load.Config{Rooms: 250, Players: 4, Spectators: 1000, TickRate: 30,
		Warmup: 5 * time.Second, Duration: 30 * time.Second, ServerCPU: serverCPU, ClientCPU: clientCPU}
	scenarioB = load.Config{Rooms: 1, Players: 8, Spectators: 5000, TickRate: 30,
		Warmup: 5 * time.Second, Duration: 20 * time.Second, ServerCPU: serverCPU, ClientCPU: clientCPU}
	scenarioC = load.Config{Rooms: 1250, Players: 4, TickRate: 30,
		Warmup: 5 * time.Second, Duration: 20 * time.Second, ServerCPU: serverCPU, ClientCPU: clientCPU}
	// goroutineReadsA is scenario (a) without spectators on a server that reads each player on
	// a goroutine of its own, instead of from its room once a tick.
	goroutineReadsA = load.Config{Rooms: 250, Players: 4, TickRate: 30, ServerFlags: []string{"-goroutine-reads"},
		Warmup: 5 * time.Second, Duration: 20 * time.Second, ServerCPU: serverCPU, ClientCPU: clientCPU}
)

// baselineFor is how long each baseline sends.
const baselineFor = 8 * time.Second

// Run runs the suite, printing the table to out and progress to progress.
func Run(ctx context.Context, cfg Config, out, progress io.Writer) error {
	start, loadBefore := time.Now(), loadAverage()
	root := serverproc.ModuleRoot(ctx)
	dir, err := os.MkdirTemp("", "skirmish-bench-")
	if err != nil {
		return fmt.Errorf("make a scratch directory: %w", err)
	}
	defer os.RemoveAll(dir)
	scrub := strings.NewReplacer(dir, "<scratch>", root+string(filepath.Separator), "", os.TempDir(), "<tmp>")

	// Compiling and the micro-benchmarks use both cores; the rest keeps this process on one.
	fmt.Fprintln(progress, "building the server")
	bin, err := serverproc.Build(ctx, dir)
	if err != nil {
		return err
	}
	m := runMicro(ctx, root, progress)
	if err := affinity.Pin(clientCPU); err != nil {
		return err
	}

	var errs []string
	scenario := func(name string, c load.Config) *load.Report {
		c.ServerBin, c.Progress = bin, progress
		fmt.Fprintf(progress, "scenario %s: %d rooms x %d players, %d spectators\n", name, c.Rooms, c.Players, c.Spectators)
		rep, err := load.Run(ctx, c)
		if err != nil {
			errs = append(errs, fmt.Sprintf("scenario %s: %v", name, err))
			return nil
		}
		for _, e := range rep.Errors {
			errs = append(errs, fmt.Sprintf("scenario %s: %s", name, e))
		}
		return rep
	}
	a := scenario("a", scenarioA)
	b := scenario("b", scenarioB)
	c := scenario("c", scenarioC)
	ga := scenario("a with goroutine reads", goroutineReadsA)

	frame, event := 0, 300
	if a != nil && a.Players != nil && !bad(float64(a.Players.FrameBytes)) {
		frame = int(a.Players.FrameBytes + 0.5)
	}
	if b != nil && b.Watched != nil && !bad(float64(b.Watched.SSEBytesPerEvent)) {
		event = int(b.Watched.SSEBytesPerEvent + 0.5)
	}
	bases := map[string]*baseline.Result{}
	for _, bc := range []struct {
		key string
		cfg BaselineConfig
	}{
		{"floor", BaselineConfig{Kind: baseline.Floor, Conns: 1000, Rate: 30, For: baselineFor, Size: frame}},
		{"floor+input", BaselineConfig{Kind: baseline.FloorInput, Conns: 1000, Rate: 30, For: baselineFor, Size: frame}},
		{"naive", BaselineConfig{Kind: baseline.Naive, Conns: 1000, Rate: 30, For: baselineFor}},
		{"gorilla", BaselineConfig{Kind: baseline.Gorilla, Conns: 1000, Rate: 30, For: baselineFor, Size: frame}},
		{"gobwas", BaselineConfig{Kind: baseline.Gobwas, Conns: 1000, Rate: 30, For: baselineFor, Size: frame}},
		{"gobwas+input", BaselineConfig{Kind: baseline.GobwasInput, Conns: 1000, Rate: 30, For: baselineFor, Size: frame}},
		{"floor-sse", BaselineConfig{Kind: baseline.Floor, Conns: 5000, Rate: 10, For: baselineFor, Size: event}},
		// The shortest tick (b)'s room could have: its players' frames written and nothing else,
		// for as long as (b) measures, so that its worst rounds show what the machine adds.
		{"floor-tick", BaselineConfig{Kind: baseline.Floor, Conns: scenarioB.Players, Rate: scenarioB.TickRate, For: scenarioB.Duration, Size: frame}},
	} {
		fmt.Fprintf(progress, "baseline %s: %d connections at %d Hz\n", bc.key, bc.cfg.Conns, bc.cfg.Rate)
		res, err := runBaseline(ctx, bc.cfg, serverCPU)
		if err != nil {
			errs = append(errs, fmt.Sprintf("baseline %s: %v", bc.key, err))
			continue
		}
		bases[bc.key] = &res
	}

	var doc bytes.Buffer
	fmt.Fprintf(&doc, "# Benchmarks\n\n")
	fmt.Fprintf(&doc, "Written by `make bench` (`go run ./server/loadgen -suite`) on %s in %s.\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), time.Since(start).Round(time.Second))
	fmt.Fprintf(&doc, "Machine: %s, %d cores, %s. In the load scenarios and baselines the server (or the\n"+
		"baseline sender) runs alone on cpu %d (`taskset`) and every client on cpu %d, so the CPU figures\n"+
		"are the server's own; CPU is shown as a ratio to the write(2) floor measured in the same run.\n\n",
		cpuModel(), runtime.NumCPU(), runtime.Version(), serverCPU, clientCPU)
	if g := autogroup(); g != "" {
		fmt.Fprintf(&doc, "Scheduling: %s.\n\n", g)
	}
	fmt.Fprintf(&doc, "Load average (1, 5, 15 min) when the run began: %s; when it ended: %s. Other work on\n"+
		"the machine takes CPU from both sides; the rows \"CPU wait\" say how much.\n\n", loadBefore, loadAverage())
	t := build(m, runs{a: a, b: b, c: c, goroutineReadsA: ga}, bases, frame, event)
	t.markdown(&doc)
	if len(m.errs)+len(errs) > 0 {
		fmt.Fprintf(&doc, "\nProblems during the run:\n\n")
		for _, e := range append(m.errs, errs...) {
			fmt.Fprintf(&doc, "- %s\n", strings.ReplaceAll(strings.TrimSpace(scrub.Replace(e)), "\n", "\n  "))
		}
	}
	fmt.Fprintf(&doc, "\n%s", notes)
	if _, err := out.Write(doc.Bytes()); err != nil {
		return err
	}
	path := cfg.Out
	if !filepath.IsAbs(path) {
		path = filepath.Join(root, path)
	}
	if err := os.WriteFile(path, doc.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	fmt.Fprintf(progress, "wrote %s in %v\n", cfg.Out, time.Since(start).Round(time.Second))
	return nil
}

// notes explain the figures' method under the table.
const notes = `How the figures are measured:

- Server CPU is user+system time of the server process from /proc/<pid>/stat over the
  measurement window, divided by what the clients received in that window (player snapshots,
  plus SSE events where spectators are connected). Baselines time their own process with
  getrusage over paced rounds; their readers run in the load generator on the other core.
- The floor writes one prepared frame per connection with one write(2) and nothing else, with
  as many bytes as the server's mean snapshot frame (or SSE event). floor+input adds what a game
  server cannot avoid either: every client answers each frame with a 14-byte message, read by a
  goroutine per connection with one read(2). The naive baseline encodes a
  4-seat keyframe for every player and sends it with wsutil.WriteServerMessage. The gorilla
  baseline is the chat-example hub (a buffered channel and a writer goroutine per connection);
  the gobwas baseline compiles one frame a round and shares it, with a writer and a reader
  goroutine per connection; gobwas+input is the same with clients that answer every frame as
  floor+input's do, each input read by the reader goroutine with wsutil.ReadClientData.
- Players per core = 1 s / (CPU per delivered snapshot x 30 Hz).
- Players in the scenarios are wire players: raw sockets served by two epoll loops in the load
  generator, which read what a socket holds with one read(2) and answer each new tick with a
  scripted input in one write(2), with no goroutine, client or bot per player. What is left is
  the kernel's loopback cost, about what the server pays per player and tick too, so "cores
  busy" shows which side ran out first.
- Scenario (c) asks for 150,000 snapshots and 150,000 inputs a second through loopback TCP on
  one core a side. On this machine a small write(2) costs about the floor above and a read(2)
  about half of it, and a profile of the server under (a) is three quarters read(2) and
  write(2): 5,000 players at 30 Hz need more than one core on each side, so (c) shows where
  both cores saturate (its delivery share, reconnects and latencies are those of an overloaded
  machine), not a pass.
- The ablation runs scenario (a) again, without spectators, on a server started with
  -goroutine-reads (a goroutine per player reads its socket, as TLS connections are read;
  by default each room reads its players' sockets itself, once a tick, without blocking).
  Polling saves the reader goroutines' stacks and their wake-ups; nearly every poll finds an
  input, so a readiness set per room would add a system call a tick and skip almost no read.
  The keyframe and write rows are micro-benchmarks of the room package
  (BenchmarkTickFrames, BenchmarkFanout) run beside the floor in the same suite.
- Memory per connection: growth of the server's resident set (RSS) and of its live Go heap plus
  goroutine stacks from before the clients connected to after the warm-up, divided by the
  clients. The live heap is the GC goal over (1 + GOGC/100), both from /metrics: the heap as
  the last collection left it, without the garbage of the moment. Baselines read the heap in
  use and stacks right after a forced collection. The resident set grows by more than the
  heap and stacks: the runtime keeps freed pages, up to a tenth of the heap in use, before
  it returns them; slots freed during the connect burst stay empty in spans that objects
  still alive hold; every socket has a poll descriptor outside the heap; and the burst's
  goroutines fill the runtime's cache of dead goroutines, up to 64 a processor with their
  stacks, a fixed cost that makes a player of (c) cheaper than one of (a).
- Late ticks are ticks that started more than a period after their deadline. Most of them on
  this machine wait for the disk: a thread of the server in a file system call that waits
  (the checkpoints' and records' writes, the sync of a commit) keeps the only processor of a
  server pinned to one core until the runtime's monitor takes it back, up to tens of
  milliseconds, and the rooms due meanwhile start late. With the data directory on tmpfs the
  same scenario (a) counted 30-181 late ticks in 15 s against 1,000-9,600 on the disk.
- Tick durations come from the server's skirmish_tick_duration_seconds histogram, scraped before
  and after the window (p50/p99 interpolated within buckets; max is the upper bound of the highest
  non-empty bucket).
- A slow tick of scenario (b) is rarely the server's. Traced with the kernel's scheduler and
  soft-interrupt events (ftrace) in a players-only run, the slow ticks had the server's core to
  themselves: the time went to the loopback receive work each write(2) does for its reader
  (the NET_RX soft interrupt), 0.2-0.9 ms for one small segment instead of about 4 µs, several
  writes in a row, as when a virtual processor waits for its physical one. The row's baseline
  times the floor's rounds of 8 writes in the same run, though not at the same moment: such
  spells come and go with the machine, so some runs of the floor have them and some do not.
- The server reads and writes its players' non-blocking sockets with system calls the Go
  scheduler does not see (RawSyscall). Through syscall.Read and syscall.Write, a call still in
  the kernel at the runtime monitor's tick handed the only processor to another thread, which
  then took the core from the ticker mid-broadcast: an idle 8-player room's tick took
  239-348 µs at the median instead of 183-233 µs.
- Input->ack latency is client-side: from sending input seq to the first snapshot whose lastSeq
  for the player's seat is at least seq. SSE delivery delay runs from the clock stamp the server
  puts in each snapshot event ("now", Unix milliseconds, so up to 1 ms high) to its receipt; a
  snapshot without one is timed from the moment the first player of the room received its tick.
  The clients share one core: at the sizes here their own reading adds to both latencies.
`

// autogroup describes this process's scheduler autogroup when its nice value is not 0: on
// a machine shared with other sessions, a run in its own session with a raised autogroup
// priority keeps their load off the measurement, and the results should say so.
func autogroup() string {
	b, err := os.ReadFile("/proc/self/autogroup")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) == 3 && f[1] == "nice" && f[2] != "0" {
		return "this run's session had scheduler autogroup nice " + f[2] + " against other sessions on the machine"
	}
	return ""
}

// loadAverage returns the machine's load averages over 1, 5 and 15 minutes, from /proc/loadavg.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// cpuModel returns the processor's model name from /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown cpu"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown cpu"
}
