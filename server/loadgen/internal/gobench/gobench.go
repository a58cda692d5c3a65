// Package gobench runs Go benchmarks of other packages with `go test -bench` and reads their
// results, so the suite can quote them beside the load figures.
package gobench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
)

// Result is one benchmark line: its name without the -GOMAXPROCS suffix, the iterations and
// every reported metric by unit ("ns/op", "B/op", "allocs/op" and custom ones).
type Result struct {
	Name       string
	Iterations int64
	Metrics    map[string]float64
}

// Run benchmarks the benchmarks of pkg matching pattern for benchtime (a `go test -benchtime`
// value) with -benchmem, in dir (the module root, or "" for the current directory). A package
// without matching benchmarks gives no results and no error.
func Run(ctx context.Context, dir, pkg, pattern, benchtime string) ([]Result, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", pattern,
		"-benchmem", "-benchtime", benchtime, "-count", "1", pkg)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go test -bench %s %s: %w\n%s", pattern, pkg, err, tail(out, 20))
	}
	return Parse(bytes.NewReader(out))
}

// Parse reads the benchmark lines of `go test -bench` output and skips everything else.
func Parse(r io.Reader) ([]Result, error) {
	var results []Result
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		res := Result{Name: trimProcs(f[0]), Iterations: n, Metrics: map[string]float64{}}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("benchmark %s: metric %q: %w", f[0], f[i+1], err)
			}
			res.Metrics[f[i+1]] = v
		}
		results = append(results, res)
	}
	return results, sc.Err()
}

// trimProcs drops the -N GOMAXPROCS suffix go test adds to benchmark names.
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}

func tail(b []byte, lines int) []byte {
	all := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return bytes.Join(all, []byte("\n"))
}
