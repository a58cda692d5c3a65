// Command loadgen loads a Skirmish server with bot players and SSE spectators and reports
// what the server delivered and what it cost; with -suite it runs the whole benchmark suite
// behind `make bench` and writes BENCHMARKS.md.
//
//	go run ./server/loadgen -rooms 250 -players 4 -spectators 1000 -duration 20s
//	go run ./server/loadgen -addr 127.0.0.1:8080 -pid 4242 -rooms 10
//	go run ./server/loadgen -suite
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"skirmish/server/internal/baseline"
	"skirmish/server/loadgen/internal/load"
	"skirmish/server/loadgen/internal/serverproc"
	"skirmish/server/loadgen/internal/suite"
)

func main() {
	os.Exit(run())
}

func run() int {
	var (
		lc       load.Config
		jsonOut  string
		runSuite bool
		sc       suite.Config
		bl       suite.BaselineConfig
		blKind   string
		profile  string
		serve    bool
		dataDir  string
		profDir  string
	)
	flag.StringVar(&lc.Addr, "addr", "", "host:port of a running server; empty builds and starts one")
	flag.IntVar(&lc.Pid, "pid", 0, "process id of the -addr server, for CPU and memory from /proc (else from its /metrics)")
	flag.IntVar(&lc.Rooms, "rooms", 1, "rooms to create")
	flag.IntVar(&lc.Players, "players", 4, "bot players per room")
	flag.IntVar(&lc.Spectators, "spectators", 0, "SSE spectators, spread over the rooms")
	flag.IntVar(&lc.TickRate, "tick", 30, "tick rate of a started server in Hz")
	flag.DurationVar(&lc.Warmup, "warmup", 5*time.Second, "settling time before each measurement window")
	flag.DurationVar(&lc.Duration, "duration", 20*time.Second, "length of each measurement window")
	flag.IntVar(&lc.ServerCPU, "server-cpu", 0, "core for a started server (-1: unpinned)")
	flag.IntVar(&lc.ClientCPU, "client-cpu", 1, "core for the load generator (-1: unpinned)")
	flag.StringVar(&profile, "cpuprofile", "", "write the load generator's own CPU profile to this file")
	flag.StringVar(&lc.ProfileDir, "server-profile", "", "run the server code in a child of this program with the profiler on; write its CPU and heap profiles into this directory")
	flag.BoolVar(&serve, "serve", false, "internal: serve as the profiled server on -addr")
	flag.StringVar(&dataDir, "data", "", "internal: the profiled server's data directory")
	flag.StringVar(&profDir, "profile-dir", "", "internal: where the profiled server writes its profiles")
	flag.StringVar(&jsonOut, "json", "", "also write the report as JSON to this file (- for stdout)")
	flag.BoolVar(&runSuite, "suite", false, "run the benchmark suite of make bench and write the results file")
	flag.StringVar(&sc.Out, "out", "BENCHMARKS.md", "results file of -suite, relative to the module root")
	flag.StringVar(&blKind, "baseline", "", "internal: serve one baseline (floor, naive, gorilla) for the suite's readers")
	flag.IntVar(&bl.Conns, "conns", 1000, "internal: baseline connections")
	flag.IntVar(&bl.Rate, "rate", 30, "internal: baseline rounds per second")
	flag.IntVar(&bl.Size, "size", 0, "internal: baseline message bytes (0: a 4-seat keyframe)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "loadgen: unexpected argument %q\n", flag.Arg(0))
		flag.Usage()
		return 2
	}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	if err := raiseFileLimit(); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch {
	case serve:
		if err := serverproc.ServeProfiled(ctx, lc.Addr, dataDir, lc.TickRate, profDir); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			return 1
		}
	case blKind != "":
		kind, err := baseline.ParseKind(blKind)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			return 2
		}
		bl.Kind, bl.For = kind, lc.Duration
		if err := suite.ServeBaseline(ctx, bl, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			return 1
		}
	case runSuite:
		if err := suite.Run(ctx, sc, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			return 1
		}
	default:
		lc.Progress = os.Stderr
		rep, err := load.Run(ctx, lc)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			return 1
		}
		rep.Print(os.Stdout)
		if err := writeJSON(jsonOut, rep); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			return 1
		}
	}
	return 0
}

func writeJSON(path string, v any) error {
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if path == "-" {
		_, err = os.Stdout.Write(b)
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// raiseFileLimit lifts the open-file limit to its maximum: a scenario holds thousands of
// sockets, and the server and baseline children inherit the limit.
func raiseFileLimit() error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("read the open-file limit: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return fmt.Errorf("raise the open-file limit: %w", err)
		}
	}
	return nil
}
