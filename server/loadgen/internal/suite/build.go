package suite

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"skirmish/server/loadgen/internal/baseline"
	"skirmish/server/loadgen/internal/gobench"
	"skirmish/server/loadgen/internal/load"
)

// build lays out the table from everything the run measured; frame and event are the
// message sizes the floors were measured with.
// runs are the load scenarios of one suite run; a nil report is a scenario that failed.
type runs struct {
	a, b, c         *load.Report
	goroutineReadsA *load.Report
}

func build(m *micro, r runs, bases map[string]*baseline.Result, frame, event int) *table {
	t := &table{}
	microRows(t, m)
	scenarioARows(t, r.a, bases, frame)
	scenarioBRows(t, r.b, bases, event)
	scenarioCRows(t, r.c, bases, frame)
	ablationRows(t, m, r, bases)
	return t
}

// ablationRows show what each design step of the player path buys, each beside the floor of
// the same run: reads polled by the room, keyframes built on demand, direct writes.
func ablationRows(t *table, m *micro, r runs, bases map[string]*baseline.Result) {
	const sec = "ablation: what each step buys"
	fl := perMsgUs(bases["floor"])
	polled, goroutine := window(r.a, false), window(r.goroutineReadsA, false)
	pc, gc := float64(polled.CPUPerSnapshotUs), float64(goroutine.CPUPerSnapshotUs)
	t.add(sec, "player reads, scenario (a) without spectators: server CPU per snapshot",
		fmt.Sprintf("polled by the room once a tick (default): %s%s; a reader goroutine per player: %s%s", us(pc), ratio(pc, fl), us(gc), ratio(gc, fl)),
		fmt.Sprintf("floor %s; floor+input (a reader goroutine per connection, nothing else) %s", us(fl),
			us(perMsgUs(bases["floor+input"]))+ratio(perMsgUs(bases["floor+input"]), fl)), "polled below goroutine")
	t.add(sec, "player reads, scenario (a): server memory per player",
		fmt.Sprintf("polled: %s; goroutine: %s", serverMem(r.a, false), serverMem(r.goroutineReadsA, false)), "", "<= 6 KiB RSS")
	t.add(sec, "player reads, scenario (a): tick p50 / p99 / max, late ticks",
		fmt.Sprintf("polled: %s, %s late; goroutine: %s, %s late", tickCell(polled), count(float64(polled.LateTicks)),
			tickCell(goroutine), count(float64(goroutine.LateTicks))), "", "p99 < 2 ms")

	lazy, lazyOK := m.find("./server/internal/room", "^BenchmarkTickFrames/keyframe=lazy$")
	eager, eagerOK := m.find("./server/internal/room", "^BenchmarkTickFrames/keyframe=eager$")
	cell := na
	if lazyOK && eagerOK {
		l, e := lazy.Metrics["ns/op"], eager.Metrics["ns/op"]
		saved := (e - l) / 4 / 1000
		cell = fmt.Sprintf("on demand: %s keyframes a tick, %s a tick; every tick: %s keyframes a tick, %s a tick; %s saved per delivered snapshot%s",
			fixed(lazy.Metrics["keyframes/tick"]), ns(l), fixed(eager.Metrics["keyframes/tick"]), ns(e), us(saved), ratio(saved, fl))
	}
	t.add(sec, "keyframe built on demand vs every tick (a step and the frames of 4 players who keep up, BenchmarkTickFrames)", cell, "floor "+us(fl), "0 allocs")

	direct, directOK := m.find("./server/internal/room", "^BenchmarkFanout/players=1000$")
	queued, queuedOK := m.find("./server/internal/room", "^BenchmarkFanout/players=1000/queued-writes$")
	floorRound, floorOK := m.find("./server/loadgen/internal/baseline", "^BenchmarkRound/floor$")
	cell = na
	if directOK && queuedOK {
		cell = fmt.Sprintf("direct write(2) from the tick: %s/delivery (%s CPU), %s allocs/tick; through a writer goroutine: %s/delivery (%s CPU), %s allocs/tick",
			ns(direct.Metrics["ns/delivery"]), ns(direct.Metrics["cpu-ns/delivery"]), count(direct.Metrics["allocs/op"]),
			ns(queued.Metrics["ns/delivery"]), ns(queued.Metrics["cpu-ns/delivery"]), count(queued.Metrics["allocs/op"]))
	}
	floorCell := na
	if floorOK {
		floorCell = "floor (100 conns, in-process readers) " + ns(floorRound.Metrics["ns/msg"]) + "/msg"
	}
	t.add(sec, "writes: fan-out of a tick to 1,000 players (readers in-process, BenchmarkFanout)", cell, floorCell, "0 allocs per tick")
}

// bench formats a benchmark's time, allocations and optional extra metric.
func bench(r gobench.Result, ok bool, extra ...string) string {
	if !ok {
		return na
	}
	s := fmt.Sprintf("%s, %s allocs", ns(r.Metrics["ns/op"]), count(r.Metrics["allocs/op"]))
	for _, unit := range extra {
		if v, ok := r.Metrics[unit]; ok {
			s += fmt.Sprintf(", %s %s", count(v), unit)
		}
	}
	return s
}

func microRows(t *table, m *micro) {
	const sec = "micro"
	enc, encOK := m.find("./game/protocol", "^BenchmarkEncodeSnapshot$")
	ma, maOK := m.find("./server/loadgen/internal/baseline", "^BenchmarkMarshalSnapshot/msgpack-arrays$")
	mp, mpOK := m.find("./server/loadgen/internal/baseline", "^BenchmarkMarshalSnapshot/msgpack-reflect$")
	js, jsOK := m.find("./server/loadgen/internal/baseline", "^BenchmarkMarshalSnapshot/json$")
	t.add(sec, "snapshot encode, 8 ships + 50 shots", bench(enc, encOK, "msg-bytes"),
		"same bytes by the msgpack library's encoder (arrays, compact ints, reused): "+bench(ma, maOK, "msg-bytes")+
			"; other formats: msgpack.Marshal of the struct (a map with field names) "+bench(mp, mpOK, "msg-bytes")+
			", encoding/json "+bench(js, jsOK, "msg-bytes"),
		"< 2 µs, 0 allocs")
	delta, deltaOK := m.find("./game/protocol", "^BenchmarkEncodeDelta$")
	t.add(sec, "delta encode, 8 ships + 50 shots", bench(delta, deltaOK, "msg-bytes"), "keyframe: "+bench(enc, encOK, "msg-bytes"), "0 allocs")
	step, stepOK := m.find("./game", "^BenchmarkStep$")
	t.add(sec, "simulation step, 8 ships + 50 shots", bench(step, stepOK), "tick period at 30 Hz: 33.3 ms", "0 allocs")
	think, thinkOK := m.find("./game", "^BenchmarkBotThink$")
	t.add(sec, "bot decision, 8-ship match", bench(think, thinkOK), "", "")

	bw, bwOK := m.find("./game/protocol", "^BenchmarkMatchBandwidth/ships=4$")
	bwCell, keyCell := na, na
	if bwOK {
		bwCell = fmt.Sprintf("%s B/s (deltas of %s B)", count(bw.Metrics["delta-B/s@30Hz"]), count(bw.Metrics["delta-bytes"]))
		keyCell = fmt.Sprintf("keyframe every tick: %s B/s (%s B)", count((bw.Metrics["keyframe-bytes"]+2)*30), count(bw.Metrics["keyframe-bytes"]))
	}
	t.add(sec, "bytes/s per player, recorded 4-ship match, 30 Hz", bwCell, keyCell, "<= 2 KiB/s")

	var fan, rounds []string
	for _, n := range []string{"100", "1000"} {
		if r, ok := m.find("./server/internal/room", "^BenchmarkFanout/players="+n+"$"); ok {
			fan = append(fan, fmt.Sprintf("%s players: %s/delivery, %s allocs/tick", n, ns(r.Metrics["ns/delivery"]), count(r.Metrics["allocs/op"])))
		}
	}
	for _, k := range baseline.Kinds {
		if r, ok := m.find("./server/loadgen/internal/baseline", "^BenchmarkRound/"+regexp.QuoteMeta(string(k))+"$"); ok {
			rounds = append(rounds, fmt.Sprintf("%s %s/msg, %s allocs", k, ns(r.Metrics["ns/msg"]), count(r.Metrics["allocs/op"])))
		}
	}
	t.add(sec, "fan-out of one tick to N players (readers in-process)", orNA(strings.Join(fan, "; ")),
		"100 conns, per round: "+orNA(strings.Join(rounds, "; ")), "0 allocs per tick")

	for _, n := range []int{1000, 5000, 10000} {
		r, ok := m.find("./server/internal/spectate", fmt.Sprintf("^BenchmarkFanout/spectators=%d$", n))
		cell, floor := na, na
		if ok {
			x := r.Metrics
			cell = fmt.Sprintf("%s/event (%.2fx floor), %s heap/spectator, p50/p99 %s / %s, %.1f%% delivered, %s events/s",
				ns(x["ns/delivery"]), x["x-floor"], kib(x["heap-B/spectator"]), ms(x["p50-ms"]), ms(x["p99-ms"]),
				x["delivered-%"], count(x["events/s"]))
			floor = fmt.Sprintf("floor %s/write, p99 %s", ns(x["floor-ns/write"]), ms(x["floor-p99-ms"]))
		}
		t.add(sec, "SSE fan-out to "+count(float64(n))+" spectators, 10 Hz (spectate benchmark)", cell, floor,
			"<= 1.5x floor, <= 8 KiB, p99 < 50 ms")
	}
}

func scenarioARows(t *table, a *load.Report, bases map[string]*baseline.Result, frame int) {
	sec := fmt.Sprintf("(a) %d rooms x %d players, %d Hz", scenarioA.Rooms, scenarioA.Players, scenarioA.TickRate)
	w := window(a, false)
	floor := bases["floor"]
	fl := perMsgUs(floor)

	t.add(sec, "players connected", fmt.Sprintf("%s of %s", count(float64(w.Players)), count(float64(scenarioA.Rooms*scenarioA.Players))), "", "all")
	t.add(sec, "snapshots delivered per second", count(w.SnapshotsPerSec), "", count(float64(scenarioA.Rooms*scenarioA.Players*scenarioA.TickRate)))
	cpu := float64(w.CPUPerSnapshotUs)
	t.add(sec, "server CPU per delivered snapshot", us(cpu)+ratio(cpu, fl),
		fmt.Sprintf("floor %s (%s B frames); ", us(fl), count(float64(frame)))+
			comparedCells(bases, map[string]string{"gobwas": "gobwas prepared frame"}, func(r *baseline.Result) string {
				return us(perMsgUs(r)) + ratio(perMsgUs(r), fl)
			}),
		"<= 2x floor (goal 1.5x), below gobwas")
	t.add(sec, "players per core at 30 Hz (from CPU)", count(float64(w.PlayersPerCore)),
		"floor "+count(perCore(fl))+"; "+comparedCells(bases, nil, func(r *baseline.Result) string { return count(perCore(perMsgUs(r))) }),
		">= 3,000")
	t.add(sec, "tick duration p50 / p99 / max", tickCell(w), "", "p99 < 2 ms")
	t.add(sec, "late ticks", count(float64(w.LateTicks)), "", "0")
	t.add(sec, "server memory per connected player", serverMem(a, false),
		"floor "+baseMem(floor)+"; "+comparedCells(bases, nil, baseMem),
		"<= 6 KiB RSS (goal 4 KiB)")
	t.add(sec, "bytes per second per player", fmt.Sprintf("%s B/s (%s B per snapshot)", count(float64(w.BytesPerPlayer)), count(float64(w.FrameBytes))), "", "<= 2 KiB/s")
	t.add(sec, "input -> ack latency p50 / p99 (client side)", ms(float64(w.AckP50ms))+" / "+ms(float64(w.AckP99ms)), "tick period 33.3 ms", "")
	t.add(sec, "snapshots dropped for slow clients", count(float64(w.Dropped)), "", "0")
	runRows(t, sec, w)

	sec = fmt.Sprintf("(a) + %d SSE spectators", scenarioA.Spectators)
	v := window(a, true)
	t.add(sec, "spectators connected", fmt.Sprintf("%s of %s", count(float64(v.Spectators)), count(float64(scenarioA.Spectators))), "", "all")
	t.add(sec, "SSE events delivered per second", count(float64(v.SSEEventsPerSec)), "", "~"+count(float64(scenarioA.Spectators*10))+" (10 Hz each)")
	t.add(sec, "SSE delivery delay p50 / p99", ms(float64(v.SSEDelayP50ms))+" / "+ms(float64(v.SSEDelayP99ms)), "", "")
	msg := float64(v.CPUPerMessageUs)
	t.add(sec, "server CPU per delivered message (snapshots + events)", us(msg)+ratio(msg, fl), "floor "+us(fl), "<= 1.5x floor")
	t.add(sec, "tick duration p50 / p99 / max", tickCell(v), "", "p99 < 2 ms")
	t.add(sec, "late ticks", count(float64(v.LateTicks)), "", "0")
	t.add(sec, "server memory per spectator", serverMem(a, true), "floor at 5,000: "+baseMem(bases["floor-sse"]), "<= 8 KiB")
	t.add(sec, "SSE ids skipped / reconnects", fmt.Sprintf("%d / %d", v.SSEGaps, v.SSEReconnects), "", "0 / 0")
	runRows(t, sec, v)
}

// compared are the baselines scenario (a) is set beside after the floor, in the order of their
// cells.
var compared = []string{"floor+input", "naive", "gorilla", "gobwas", "gobwas+input"}

// comparedCells formats one figure of each compared baseline as "name figure", joined by "; ";
// labels renames some of them.
func comparedCells(bases map[string]*baseline.Result, labels map[string]string, figure func(*baseline.Result) string) string {
	cells := make([]string, len(compared))
	for i, name := range compared {
		label := cmp.Or(labels[name], name)
		cells[i] = label + " " + figure(bases[name])
	}
	return strings.Join(cells, "; ")
}

// runRows say how trustworthy a window is: whether the clients kept their connections, and
// how much of the cores other processes on the machine took.
func runRows(t *table, sec string, w *load.Window) {
	t.add(sec, "player reconnects during the window", count(float64(w.PlayerReconnects)), "", "0")
	t.add(sec, "CPU wait, server / load generator (others' load)",
		count(float64(w.ServerWaitMsPerSec))+" / "+count(float64(w.ClientWaitMsPerSec))+" ms per s", "", "~0")
	t.add(sec, "cores busy, server / load generator", fixed(w.CPUCores)+" / "+fixed(float64(w.ClientCores)), "", "")
}

func scenarioBRows(t *table, b *load.Report, bases map[string]*baseline.Result, event int) {
	sec := fmt.Sprintf("(b) %d room x %d players + %d SSE spectators", scenarioB.Rooms, scenarioB.Players, scenarioB.Spectators)
	v := window(b, true)
	floor := bases["floor-sse"]
	fl := perMsgUs(floor)
	t.add(sec, "spectators connected", fmt.Sprintf("%s of %s", count(float64(v.Spectators)), count(float64(scenarioB.Spectators))), "", "all")
	t.add(sec, "SSE events delivered per second", count(float64(v.SSEEventsPerSec)), "", "~"+count(float64(scenarioB.Spectators*10))+" (10 Hz each)")
	msg := float64(v.CPUPerMessageUs)
	t.add(sec, "server CPU per delivered event", us(msg)+ratio(msg, fl),
		fmt.Sprintf("floor %s (%s B events, 5,000 conns, 10 Hz)", us(fl), count(float64(event))), "<= 1.5x floor")
	t.add(sec, "SSE delivery delay p50 / p99", ms(float64(v.SSEDelayP50ms))+" / "+ms(float64(v.SSEDelayP99ms)), "", "p99 < 50 ms")
	t.add(sec, "server memory per spectator", serverMem(b, true), "floor "+baseMem(floor), "<= 8 KiB")
	t.add(sec, "tick duration p50 / p99 / max", tickCell(v), roundCell(bases["floor-tick"]), "p99 < 2 ms")
	t.add(sec, "player snapshots delivered per second", count(v.SnapshotsPerSec), "", count(float64(scenarioB.Players*scenarioB.TickRate)))
	t.add(sec, "SSE ids skipped / reconnects", fmt.Sprintf("%d / %d", v.SSEGaps, v.SSEReconnects), "", "0 / 0")
	runRows(t, sec, v)
}

func scenarioCRows(t *table, c *load.Report, bases map[string]*baseline.Result, frame int) {
	cfg := scenarioC
	sec := fmt.Sprintf("(c) %d rooms x %d players, %d Hz", cfg.Rooms, cfg.Players, cfg.TickRate)
	w := window(c, false)
	players := cfg.Rooms * cfg.Players
	want := float64(players * cfg.TickRate)
	fl := perMsgUs(bases["floor"])
	t.add(sec, "players connected", fmt.Sprintf("%s of %s", count(float64(w.Players)), count(float64(players))), "", "all")
	t.add(sec, "snapshots delivered per second", fmt.Sprintf("%s (%.1f%%)", count(w.SnapshotsPerSec), 100*w.SnapshotsPerSec/want), "", count(want)+" (>= 99%)")
	cpu := float64(w.CPUPerSnapshotUs)
	t.add(sec, "server CPU per delivered snapshot", us(cpu)+ratio(cpu, fl),
		fmt.Sprintf("floor %s (%s B frames): one core sends %s snapshots a second at the floor", us(fl), count(float64(frame)), count(1e6/fl)), "")
	t.add(sec, "tick duration p50 / p99 / max", tickCell(w), "", "p99 < 2 ms")
	t.add(sec, "late ticks", count(float64(w.LateTicks)), "", "0")
	t.add(sec, "input -> ack latency p50 / p99 (client side)", ms(float64(w.AckP50ms))+" / "+ms(float64(w.AckP99ms)), "tick period 33.3 ms", "p99 < 50 ms")
	t.add(sec, "server memory per connected player", serverMem(c, false), "", "<= 6 KiB RSS")
	t.add(sec, "snapshots dropped for slow clients", count(float64(w.Dropped)), "", "0")
	runRows(t, sec, w)
	t.add(sec, "load generator CPU per snapshot received", us(float64(w.ClientCores)*1e6/w.SnapshotsPerSec), "server: "+us(cpu), "< 0.6 core")
}

// window returns the players-only or the watched window of a report, or an empty one whose
// figures are all missing.
func window(r *load.Report, watched bool) *load.Window {
	if r != nil {
		if w := r.Players; !watched && w != nil {
			return w
		}
		if w := r.Watched; watched && w != nil {
			return w
		}
	}
	m := load.Missing
	return &load.Window{SnapshotsPerSec: math.NaN(), AckP50ms: m, AckP99ms: m, BytesPerPlayer: m, FrameBytes: m,
		Ticks: m, TickP50us: m, TickP99us: m, TickMaxUs: m, LateTicks: m, CPUPerSnapshotUs: m, CPUPerMessageUs: m,
		PlayersPerCore: m, ClientCores: m, ServerWaitMsPerSec: m, ClientWaitMsPerSec: m, SSEEventsPerSec: m, SSEBytesPerEvent: m, SSEDelayP50ms: m, SSEDelayP99ms: m, Dropped: m}
}

func tickCell(w *load.Window) string {
	return fmt.Sprintf("%s / %s / <= %s", us(float64(w.TickP50us)), us(float64(w.TickP99us)), us(float64(w.TickMaxUs)))
}

// roundCell shows how long a baseline's rounds took: for the floor, the shortest tick.
func roundCell(r *baseline.Result) string {
	if r == nil {
		return na
	}
	d := func(v time.Duration) string { return us(float64(v) / float64(time.Microsecond)) }
	return fmt.Sprintf("floor, a round writing a ready frame to each of %d players, %d Hz for %s: %s / %s / %s",
		r.Conns, r.Rate, time.Duration(r.Rounds)*time.Second/time.Duration(r.Rate), d(r.RoundP50), d(r.RoundP99), d(r.RoundMax))
}

func memCell(heap, rss float64) string {
	if bad(heap) && bad(rss) {
		return na
	}
	return fmt.Sprintf("%s heap+stack, %s RSS", kib(heap), kib(rss))
}

func baseMem(r *baseline.Result) string {
	if r == nil {
		return na
	}
	return memCell(r.HeapStackPerConn(), r.RSSPerConn())
}

// perMsgUs is a baseline's CPU per delivered message in µs, NaN when it did not run.
func perMsgUs(r *baseline.Result) float64 {
	if r == nil || r.Messages == 0 {
		return math.NaN()
	}
	return float64(r.PerMessage()) / float64(time.Microsecond)
}

// perCore is how many 30 Hz players one core serves at cpuUs per delivered snapshot.
func perCore(cpuUs float64) float64 { return 1e6 / (cpuUs * 30) }

// field reads one figure of a report that may be missing altogether.
func field(r *load.Report, f func(*load.Report) load.Float) float64 {
	if r == nil {
		return math.NaN()
	}
	return float64(f(r))
}

// serverMem formats the server's memory per player or per spectator: heap and stacks, the
// stacks' share, and the resident set.
func serverMem(r *load.Report, spectators bool) string {
	heap := field(r, func(r *load.Report) load.Float { return r.HeapPerPlayer })
	stack := field(r, func(r *load.Report) load.Float { return r.StackPerPlayer })
	rss := field(r, func(r *load.Report) load.Float { return r.RSSPerPlayer })
	if spectators {
		heap = field(r, func(r *load.Report) load.Float { return r.HeapPerSpectator })
		stack = field(r, func(r *load.Report) load.Float { return r.StackPerSpectator })
		rss = field(r, func(r *load.Report) load.Float { return r.RSSPerSpectator })
	}
	if bad(heap) && bad(rss) {
		return na
	}
	return fmt.Sprintf("%s heap+stack (%s of it stacks), %s RSS", kib(heap), kib(stack), kib(rss))
}

func orNA(s string) string {
	if s == "" {
		return na
	}
	return s
}
