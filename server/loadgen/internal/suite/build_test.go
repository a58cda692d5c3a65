package suite

import (
	"bytes"
	"flag"
	"os"
	"testing"
	"time"

	"skirmish/server/loadgen/internal/baseline"
	"skirmish/server/loadgen/internal/gobench"
	"skirmish/server/loadgen/internal/load"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestTable lays out a run with made-up figures, one benchmark missing and scenario (b)
// failed, and compares the table with the golden file a reader would see.
func TestTable(t *testing.T) {
	m := &micro{results: map[string]gobench.Result{
		"./game/protocol BenchmarkEncodeSnapshot":                                     {Name: "BenchmarkEncodeSnapshot", Metrics: map[string]float64{"ns/op": 1800, "allocs/op": 0, "msg-bytes": 944}},
		"./game/protocol BenchmarkEncodeDelta":                                        {Name: "BenchmarkEncodeDelta", Metrics: map[string]float64{"ns/op": 540, "allocs/op": 0, "msg-bytes": 161}},
		"./game/protocol BenchmarkMatchBandwidth/ships=4":                             {Name: "BenchmarkMatchBandwidth/ships=4", Metrics: map[string]float64{"delta-B/s@30Hz": 1900, "delta-bytes": 61, "keyframe-bytes": 157}},
		"./game BenchmarkStep":                                                        {Name: "BenchmarkStep", Metrics: map[string]float64{"ns/op": 6500, "allocs/op": 0}},
		"./server/loadgen/internal/baseline BenchmarkMarshalSnapshot/msgpack-arrays":  {Name: "BenchmarkMarshalSnapshot/msgpack-arrays", Metrics: map[string]float64{"ns/op": 3300, "allocs/op": 0, "msg-bytes": 944}},
		"./server/loadgen/internal/baseline BenchmarkMarshalSnapshot/msgpack-reflect": {Name: "BenchmarkMarshalSnapshot/msgpack-reflect", Metrics: map[string]float64{"ns/op": 63000, "allocs/op": 9, "msg-bytes": 4257}},
		"./server/loadgen/internal/baseline BenchmarkRound/floor":                     {Name: "BenchmarkRound/floor", Metrics: map[string]float64{"ns/msg": 4800, "allocs/op": 0}},
		"./server/internal/room BenchmarkFanout/players=1000":                         {Name: "BenchmarkFanout/players=1000", Metrics: map[string]float64{"ns/delivery": 5100, "cpu-ns/delivery": 9000, "allocs/op": 0}},
		"./server/internal/room BenchmarkFanout/players=1000/queued-writes":           {Name: "BenchmarkFanout/players=1000/queued-writes", Metrics: map[string]float64{"ns/delivery": 6100, "cpu-ns/delivery": 11000, "allocs/op": 1000}},
		"./server/internal/room BenchmarkTickFrames/keyframe=lazy":                    {Name: "BenchmarkTickFrames/keyframe=lazy", Metrics: map[string]float64{"ns/op": 840, "allocs/op": 0, "keyframes/tick": 0}},
		"./server/internal/room BenchmarkTickFrames/keyframe=eager":                   {Name: "BenchmarkTickFrames/keyframe=eager", Metrics: map[string]float64{"ns/op": 1240, "allocs/op": 0, "keyframes/tick": 1}},
		"./server/internal/spectate BenchmarkFanout/spectators=5000": {Name: "BenchmarkFanout/spectators=5000", Metrics: map[string]float64{
			"ns/delivery": 6000, "x-floor": 1.2, "heap-B/spectator": 3000, "p50-ms": 4, "p99-ms": 20, "delivered-%": 100, "events/s": 50000, "floor-ns/write": 5000, "floor-p99-ms": 15}},
	}}
	a := &load.Report{
		Rooms: 250, Seats: 4, Spectators: 1000, TickRate: 30,
		RSSPerPlayer: 9000, HeapPerPlayer: 7000, StackPerPlayer: 4096, RSSPerSpectator: 5000, HeapPerSpectator: 3000,
		Players: &load.Window{
			Players: 1000, SnapshotsPerSec: 29990, AckP50ms: 34, AckP99ms: 40, BytesPerPlayer: 1900, FrameBytes: 63,
			TickP50us: 30, TickP99us: 400, TickMaxUs: 1000, LateTicks: 0, CPUCores: 0.15, CPUPerSnapshotUs: 5.5,
			CPUPerMessageUs: 5.5, PlayersPerCore: 6060, ClientCores: 0.6, ServerWaitMsPerSec: 3, ClientWaitMsPerSec: 9,
			SSEEventsPerSec: load.Missing, SSEBytesPerEvent: load.Missing, SSEDelayP50ms: load.Missing, SSEDelayP99ms: load.Missing,
		},
		Watched: &load.Window{
			Players: 1000, Spectators: 1000, SnapshotsPerSec: 29990, AckP50ms: 34, AckP99ms: 41, BytesPerPlayer: 1900, FrameBytes: 63,
			TickP50us: 35, TickP99us: 500, TickMaxUs: 2000, LateTicks: 2, CPUCores: 0.2, CPUPerSnapshotUs: 6.6,
			CPUPerMessageUs: 5, PlayersPerCore: 5000, ClientCores: 0.7, ServerWaitMsPerSec: 4, ClientWaitMsPerSec: 12,
			SSEEventsPerSec: 10100, SSEBytesPerEvent: 700, SSEDelayP50ms: 0.4, SSEDelayP99ms: 3, Dropped: 0,
		},
	}
	bases := map[string]*baseline.Result{
		"floor":     {Kind: baseline.Floor, Conns: 1000, Messages: 150000, CPU: 150000 * 4500 * time.Nanosecond, HeapStack: 300000, RSS: 1200000},
		"gorilla":   {Kind: baseline.Gorilla, Conns: 1000, Messages: 150000, CPU: 150000 * 8 * time.Microsecond, HeapStack: 19000000, RSS: 22000000},
		"floor-sse": {Kind: baseline.Floor, Conns: 5000, Messages: 250000, CPU: 250000 * 5 * time.Microsecond, HeapStack: 1500000, RSS: 6000000},
		"floor-tick": {Kind: baseline.Floor, Conns: 8, Rounds: 600, Rate: 30, Messages: 4800, CPU: 4800 * 9 * time.Microsecond,
			RoundP50: 61 * time.Microsecond, RoundP99: 180 * time.Microsecond, RoundMax: 2300 * time.Microsecond},
	}
	ga := &load.Report{Rooms: 250, Seats: 4, TickRate: 30, RSSPerPlayer: 16000, HeapPerPlayer: 12000, StackPerPlayer: 5000,
		Players: &load.Window{Players: 1000, SnapshotsPerSec: 29990, TickP50us: 40, TickP99us: 450, TickMaxUs: 2000, LateTicks: 3,
			CPUPerSnapshotUs: 6.2, CPUPerMessageUs: 6.2}}
	var got bytes.Buffer
	build(m, runs{a: a, goroutineReadsA: ga}, bases, 65, 700).markdown(&got)

	const golden = "testdata/table.golden"
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("table differs from %s (go test -update rewrites it):\n%s", golden, got.String())
	}
}
