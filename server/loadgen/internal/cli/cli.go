// Package cli is the load generator's command line: it parses the flags and runs the mode
// they select (a load scenario, the make bench suite, or one of the children the suite
// starts: a baseline sender or a profiled server).
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"skirmish/server/internal/listen"
	"skirmish/server/loadgen/internal/baseline"
	"skirmish/server/loadgen/internal/load"
	"skirmish/server/loadgen/internal/serverproc"
	"skirmish/server/loadgen/internal/suite"
)

// Run runs the command with args (without the program name) and returns its exit code:
// 0 on success, 1 on failure, 2 for a bad command line.
func Run(args []string, stdout, stderr io.Writer) int {
	var (
		m  mode
		lc load.Config
		oc load.OverloadConfig
		sc suite.Config
		bl suite.BaselineConfig
	)
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&lc.Addr, "addr", "", "host:port of a running server; empty builds and starts one")
	fs.IntVar(&lc.Pid, "pid", 0, "process id of the -addr server, for CPU and memory from /proc (else from its /metrics)")
	fs.IntVar(&lc.Rooms, "rooms", 1, "rooms to create")
	fs.IntVar(&lc.Players, "players", 4, "bot players per room")
	fs.IntVar(&lc.Spectators, "spectators", 0, "SSE spectators, spread over the rooms")
	fs.BoolVar(&m.goroutineReads, "goroutine-reads", false, "start the server with -goroutine-reads")
	fs.BoolVar(&lc.Brains, "brains", false, "players are full clients steered by bots (several times the load generator's CPU per player)")
	fs.IntVar(&lc.TickRate, "tick", 30, "tick rate of a started server in Hz")
	fs.DurationVar(&lc.Warmup, "warmup", 5*time.Second, "settling time before each measurement window")
	fs.DurationVar(&lc.Duration, "duration", 20*time.Second, "length of each measurement window")
	fs.IntVar(&lc.ServerCPU, "server-cpu", 0, "core for a started server (-1: unpinned)")
	fs.IntVar(&lc.ClientCPU, "client-cpu", 1, "core for the load generator (-1: unpinned)")
	fs.StringVar(&m.profile, "cpuprofile", "", "write the load generator's own CPU profile to this file")
	fs.StringVar(&lc.ProfileDir, "server-profile", "", "run the server code in a child of this program with the profiler on; write its CPU and heap profiles into this directory")
	fs.BoolVar(&m.serve, "serve", false, "internal: serve as the profiled server on -addr")
	fs.StringVar(&m.dataDir, "data", "", "internal: the profiled server's data directory")
	fs.StringVar(&m.profDir, "profile-dir", "", "internal: where the profiled server writes its profiles")
	fs.StringVar(&m.jsonOut, "json", "", "also write the report as JSON to this file (- for stdout)")
	fs.BoolVar(&m.suite, "suite", false, "run the benchmark suite of make bench and write the results file")
	fs.BoolVar(&m.overload, "overload", false, "run the over-capacity scenario: -rooms x -players play, then newcomers arrive past capacity")
	fs.IntVar(&oc.Arrivals, "arrivals", 50, "with -overload: newcomer rooms a second")
	fs.IntVar(&oc.Bots, "bots", 3, "with -overload: server bots in a newcomer room besides its one player")
	fs.DurationVar(&oc.Push, "push", 30*time.Second, "with -overload: how long newcomers arrive")
	fs.BoolVar(&m.unprotected, "unprotected", false, "run a started server with -overload=false: it takes every newcomer")
	fs.StringVar(&sc.Out, "out", "BENCHMARKS.md", "results file of -suite, relative to the module root")
	fs.StringVar(&m.baseline, "baseline", "", "internal: serve one baseline (floor, naive, gorilla) for the suite's readers")
	fs.IntVar(&bl.Conns, "conns", 1000, "internal: baseline connections")
	fs.IntVar(&bl.Rate, "rate", 30, "internal: baseline rounds per second")
	fs.IntVar(&bl.Size, "size", 0, "internal: baseline message bytes (0: a 4-seat keyframe)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "loadgen: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	oc.Config = lc
	if err := execute(m, lc, oc, sc, bl, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "loadgen:", err)
		if errors.Is(err, baseline.ErrUnknownKind) {
			return 2
		}
		return 1
	}
	return 0
}

// mode holds the flags that choose what the command does and where its output goes.
type mode struct {
	serve                     bool
	baseline                  string
	suite                     bool
	overload, unprotected     bool
	profile, dataDir, profDir string
	jsonOut                   string
	goroutineReads            bool
}

func execute(m mode, lc load.Config, oc load.OverloadConfig, sc suite.Config, bl suite.BaselineConfig, stdout, stderr io.Writer) error {
	if m.baseline != "" {
		kind, err := baseline.ParseKind(m.baseline)
		if err != nil {
			return err
		}
		bl.Kind, bl.For = kind, lc.Duration
	}
	if m.profile != "" {
		f, err := os.Create(m.profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	// A scenario holds thousands of sockets, and the server and baseline children inherit
	// the limit.
	if _, _, err := listen.RaiseFileLimit(); err != nil {
		return fmt.Errorf("raise the open-file limit: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if m.goroutineReads {
		lc.ServerFlags = append(lc.ServerFlags, "-goroutine-reads")
	}
	switch {
	case m.serve:
		return serverproc.ServeProfiled(ctx, lc.Addr, m.dataDir, lc.TickRate, m.profDir, lc.ServerFlags...)
	case m.baseline != "":
		return suite.ServeBaseline(ctx, bl, stdout)
	case m.suite:
		return suite.Run(ctx, sc, stdout, stderr)
	}
	if m.unprotected {
		lc.ServerFlags = append(lc.ServerFlags, "-overload=false")
		oc.ServerFlags = lc.ServerFlags
	}
	lc.Progress, oc.Progress = stderr, stderr
	if m.overload {
		rep, err := load.Overload(ctx, oc)
		if err != nil {
			return err
		}
		rep.Print(stdout)
		return writeJSON(m.jsonOut, rep, stdout)
	}
	rep, err := load.Run(ctx, lc)
	if err != nil {
		return err
	}
	rep.Print(stdout)
	return writeJSON(m.jsonOut, rep, stdout)
}

func writeJSON(path string, v any, stdout io.Writer) error {
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if path == "-" {
		_, err = stdout.Write(b)
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
