package serverproc

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"

	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
)

// The profiles a profiled server writes into its profile directory. The heap is profiled
// twice: once the rooms are up, before any player joins, and at the end of the players'
// window; `go tool pprof -diff_base` on the two shows what the players cost.
const (
	CPUProfile       = "server-cpu.pprof"
	RoomsHeapProfile = "server-heap-rooms.pprof"
	HeapProfile      = "server-heap.pprof"
)

// ServeProfiled runs the real server in this process on addr until ctx ends, with the CPU
// profiler on from start to end, and writes a heap profile of the moment whenever the
// process gets SIGUSR1 (the load generator sends it at the end of the players' window).
// The server binary itself carries no profiler; this is the same code behind the same flags,
// flags among them (-goroutine-reads).
func ServeProfiled(ctx context.Context, addr, dataDir string, tickRate int, profileDir string, flags ...string) error {
	args := append([]string{"-addr", addr, "-data", dataDir, "-tick", strconv.Itoa(tickRate)}, LoadFlags...)
	args = append(args, flags...)
	cfg, err := config.Parse(args, func(string) string { return "" }, io.Discard)
	if err != nil {
		return err
	}
	// The default sampling, one sample per 512 KiB allocated, gives a heap of a few MiB a
	// handful of samples; the question a heap profile answers here is where each connection's
	// few KiB go.
	runtime.MemProfileRate = heapSampleBytes
	f, err := os.Create(filepath.Join(profileDir, CPUProfile))
	if err != nil {
		return fmt.Errorf("create cpu profile: %w", err)
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return fmt.Errorf("start cpu profile: %w", err)
	}
	defer pprof.StopCPUProfile()

	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	srv, err := app.Start(ctx, cfg, app.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	name := RoomsHeapProfile
	for {
		select {
		case <-srv.Done():
			return srv.Err()
		case <-usr1:
			if err := writeHeap(filepath.Join(profileDir, name)); err != nil {
				return err
			}
			name = HeapProfile
		}
	}
}

// heapSampleBytes is the profiled server's heap sampling interval.
const heapSampleBytes = 256

// writeHeap writes the profile under a temporary name and renames it, so that a reader
// waiting for path never sees half a profile.
func writeHeap(path string) error {
	runtime.GC()
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return fmt.Errorf("create heap profile: %w", err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		return fmt.Errorf("write heap profile: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write heap profile: %w", err)
	}
	return os.Rename(path+".tmp", path)
}

// ProfiledArgs returns the load generator flags that make it serve as a profiled server;
// Start adds the address and data directory.
func ProfiledArgs(profileDir string) []string { return []string{"-serve", "-profile-dir", profileDir} }

// HeapNow asks a profiled server to write its next heap profile, into dir under name, and
// waits until it is there: the heap is to be read before the load goes on.
func (p *Process) HeapNow(ctx context.Context, dir, name string) error {
	path := filepath.Join(dir, name)
	os.Remove(path)
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		return err
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("heap profile %s: %w", name, ctx.Err())
		case <-tick.C:
		}
	}
}
