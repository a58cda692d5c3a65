package suite

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"time"

	"skirmish/server/loadgen/internal/gobench"
)

// benchRun is one `go test -bench` invocation.
type benchRun struct {
	pkg, pattern, benchtime string
}

// benchRuns are the micro-benchmarks the table quotes. A package or benchmark that does not
// exist (yet) leaves its rows "not available" instead of failing the suite.
var benchRuns = []benchRun{
	{pkg: "./game/protocol", pattern: "^Benchmark(EncodeSnapshot|EncodeDelta|MatchBandwidth)$", benchtime: "1s"},
	{pkg: "./game", pattern: "^Benchmark(Step|BotThink)$", benchtime: "1s"},
	{pkg: "./server/loadgen/internal/baseline", pattern: "^Benchmark(MarshalSnapshot|Round)$", benchtime: "1s"},
	{pkg: "./server/internal/room", pattern: "^Benchmark(Fanout|TickFrames)$", benchtime: "1s"},
	// Three seconds of events at 10 Hz per audience size: enough for a p99.
	{pkg: "./server/internal/spectate", pattern: "^BenchmarkFanout$", benchtime: "30x"},
}

// micro holds every benchmark result of the run by package and name.
type micro struct {
	results map[string]gobench.Result // by "pkg Name"
	errs    []string
}

// runMicro runs benchRuns in dir, the module root.
func runMicro(ctx context.Context, dir string, progress io.Writer) *micro {
	m := &micro{results: map[string]gobench.Result{}}
	for _, br := range benchRuns {
		fmt.Fprintf(progress, "benchmarks %s (%s)\n", br.pkg, br.pattern)
		runCtx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		res, err := gobench.Run(runCtx, dir, br.pkg, br.pattern, br.benchtime)
		cancel()
		if err != nil {
			m.errs = append(m.errs, err.Error())
			continue
		}
		for _, r := range res {
			m.results[br.pkg+" "+r.Name] = r
		}
	}
	return m
}

// find returns the first result of pkg whose name matches the regular expression.
func (m *micro) find(pkg, name string) (gobench.Result, bool) {
	re := regexp.MustCompile(name)
	best := ""
	for key := range m.results {
		if len(key) > len(pkg) && key[:len(pkg)+1] == pkg+" " && re.MatchString(key[len(pkg)+1:]) {
			if best == "" || key < best {
				best = key
			}
		}
	}
	if best == "" {
		return gobench.Result{}, false
	}
	return m.results[best], true
}
