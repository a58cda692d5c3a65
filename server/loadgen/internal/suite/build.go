package suite

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"skirmish/server/internal/baseline"
	"skirmish/server/loadgen/internal/gobench"
	"skirmish/server/loadgen/internal/load"
)

// build lays out the table from everything the run measured; frame and event are the
// message sizes the floors were measured with.
func build(m *micro, a, b *load.Report, bases map[string]*baseline.Result, frame, event int) *table {
	t := &table{}
	microRows(t, m)
	scenarioARows(t, a, bases, frame)
	scenarioBRows(t, b, bases, event)
	return t
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
	mp, mpOK := m.find("./server/internal/baseline", "^BenchmarkMarshalSnapshot/msgpack-reflect$")
	js, jsOK := m.find("./server/internal/baseline", "^BenchmarkMarshalSnapshot/json$")
	t.add(sec, "snapshot encode, 8 ships + 50 shots", bench(enc, encOK, "msg-bytes"),
		"msgpack.Marshal (reflection): "+bench(mp, mpOK, "msg-bytes")+"; encoding/json: "+bench(js, jsOK, "msg-bytes"),
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

	var fan []string
	for _, pkg := range []string{"./server/internal/room", "./server/internal/transport"} {
		if r, ok := m.find(pkg, "(?i)fan.?out|broadcast"); ok {
			fan = append(fan, strings.TrimPrefix(r.Name, "Benchmark")+": "+bench(r, true, "players", "conns"))
		}
	}
	fanCell := na
	if len(fan) > 0 {
		fanCell = strings.Join(fan, "; ")
	}
	var rounds []string
	for _, k := range baseline.Kinds {
		r, ok := m.find("./server/internal/baseline", "^BenchmarkRound/"+string(k)+"$")
		if ok {
			rounds = append(rounds, fmt.Sprintf("%s %s allocs", k, count(r.Metrics["allocs/op"])))
		}
	}
	t.add(sec, "fan-out of one tick to N players", fanCell, "per round to 100 conns: "+orNA(strings.Join(rounds, ", ")), "0 allocs per tick")

	sse, sseOK := m.find("./server/internal/spectate", "(?i)fan.?out|broadcast")
	sseCell := na
	if sseOK {
		var parts []string
		for unit, v := range sse.Metrics {
			parts = append(parts, fmt.Sprintf("%.4g %s", v, unit))
		}
		sseCell = strings.TrimPrefix(sse.Name, "Benchmark") + ": " + strings.Join(slices.Sorted(slices.Values(parts)), ", ")
	}
	t.add(sec, "SSE event fan-out (spectate benchmark)", sseCell, "see the scenario (b) floor below", "<= 1.5x floor")
}

func scenarioARows(t *table, a *load.Report, bases map[string]*baseline.Result, frame int) {
	sec := fmt.Sprintf("(a) %d rooms x %d players, %d Hz", scenarioA.Rooms, scenarioA.Players, scenarioA.TickRate)
	w := window(a, false)
	floor, naive, gorilla := bases["floor"], bases["naive"], bases["gorilla"]
	fl := perMsgUs(floor)

	t.add(sec, "players connected", fmt.Sprintf("%s of %s", count(float64(w.Players)), count(float64(scenarioA.Rooms*scenarioA.Players))), "", "all")
	t.add(sec, "snapshots delivered per second", count(w.SnapshotsPerSec), "", count(float64(scenarioA.Rooms*scenarioA.Players*scenarioA.TickRate)))
	cpu := float64(w.CPUPerSnapshotUs)
	t.add(sec, "server CPU per delivered snapshot", us(cpu)+ratio(cpu, fl),
		fmt.Sprintf("floor %s (%s B frames); naive %s; gorilla %s", us(fl), count(float64(frame)),
			us(perMsgUs(naive))+ratio(perMsgUs(naive), fl), us(perMsgUs(gorilla))+ratio(perMsgUs(gorilla), fl)),
		"<= 1.5x floor, below gorilla")
	t.add(sec, "players per core at 30 Hz (from CPU)", count(float64(w.PlayersPerCore)),
		fmt.Sprintf("floor %s; naive %s; gorilla %s", count(perCore(fl)), count(perCore(perMsgUs(naive))), count(perCore(perMsgUs(gorilla)))),
		">= 3,000")
	t.add(sec, "tick duration p50 / p99 / max", tickCell(w), "", "p99 < 2 ms")
	t.add(sec, "late ticks", count(float64(w.LateTicks)), "", "0")
	t.add(sec, "server memory per connected player", memCell(field(a, func(r *load.Report) load.Float { return r.HeapPerPlayer }), field(a, func(r *load.Report) load.Float { return r.RSSPerPlayer })),
		fmt.Sprintf("floor %s; naive %s; gorilla %s", baseMem(floor), baseMem(naive), baseMem(gorilla)), "<= 8 KiB")
	t.add(sec, "bytes per second per player", fmt.Sprintf("%s B/s (%s B per snapshot)", count(float64(w.BytesPerPlayer)), count(float64(w.FrameBytes))), "", "<= 2 KiB/s")
	t.add(sec, "input -> ack latency p50 / p99 (client side)", ms(float64(w.AckP50ms))+" / "+ms(float64(w.AckP99ms)), "tick period 33.3 ms", "")
	t.add(sec, "snapshots dropped for slow clients", count(float64(w.Dropped)), "", "0")

	sec = fmt.Sprintf("(a) + %d SSE spectators", scenarioA.Spectators)
	v := window(a, true)
	t.add(sec, "spectators connected", fmt.Sprintf("%s of %s", count(float64(v.Spectators)), count(float64(scenarioA.Spectators))), "", "all")
	t.add(sec, "SSE events delivered per second", count(float64(v.SSEEventsPerSec)), "", "~"+count(float64(scenarioA.Spectators*10))+" (10 Hz each)")
	t.add(sec, "SSE delay p50 / p99 (after the first player)", ms(float64(v.SSEDelayP50ms))+" / "+ms(float64(v.SSEDelayP99ms)), "", "")
	msg := float64(v.CPUPerMessageUs)
	t.add(sec, "server CPU per delivered message (snapshots + events)", us(msg)+ratio(msg, fl), "floor "+us(fl), "<= 1.5x floor")
	t.add(sec, "tick duration p50 / p99 / max", tickCell(v), "", "p99 < 2 ms")
	t.add(sec, "late ticks", count(float64(v.LateTicks)), "", "0")
	t.add(sec, "server memory per spectator", spectatorMem(a), "floor at 5,000: "+baseMem(bases["floor-sse"]), "<= 8 KiB")
	t.add(sec, "SSE ids skipped / reconnects", fmt.Sprintf("%d / %d", v.SSEGaps, v.SSEReconnects), "", "0 / 0")
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
	t.add(sec, "SSE delay p50 / p99 (after the first player)", ms(float64(v.SSEDelayP50ms))+" / "+ms(float64(v.SSEDelayP99ms)), "", "p99 < 50 ms")
	t.add(sec, "server memory per spectator", spectatorMem(b), "floor "+baseMem(floor), "<= 8 KiB")
	t.add(sec, "tick duration p50 / p99 / max", tickCell(v), "", "p99 < 2 ms")
	t.add(sec, "player snapshots delivered per second", count(v.SnapshotsPerSec), "", count(float64(scenarioB.Players*scenarioB.TickRate)))
	t.add(sec, "SSE ids skipped / reconnects", fmt.Sprintf("%d / %d", v.SSEGaps, v.SSEReconnects), "", "0 / 0")
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

func memCell(heap, rss float64) string {
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

func spectatorMem(r *load.Report) string {
	return memCell(field(r, func(r *load.Report) load.Float { return r.HeapPerSpectator }),
		field(r, func(r *load.Report) load.Float { return r.RSSPerSpectator }))
}

func orNA(s string) string {
	if s == "" {
		return na
	}
	return s
}
