package load

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
	"skirmish/server/internal/room"
)

// TestSmoke runs a tiny scenario against a real server on loopback: two players play (wire
// players, then thinking clients), two spectators watch, and every figure a user of the
// report reads comes out measured.
func TestSmoke(t *testing.T) {
	for _, brains := range []bool{false, true} {
		t.Run(fmt.Sprintf("brains=%v", brains), func(t *testing.T) { smoke(t, brains) })
	}
}

func smoke(t *testing.T, brains bool) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := config.Default()
	cfg.Addr, cfg.DataDir = "127.0.0.1:0", t.TempDir()
	srv, err := app.Start(ctx, cfg, app.Options{
		Room:   room.Config{Countdown: 100 * time.Millisecond},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		<-srv.Done()
	}()

	rep, err := Run(ctx, Config{
		Addr: srv.Addr().String(), Rooms: 1, Players: 2, Spectators: 2, TickRate: cfg.TickRate,
		Warmup: time.Second, Duration: 2 * time.Second, ServerCPU: -1, ClientCPU: -1, Brains: brains,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) > 0 {
		t.Errorf("errors: %v", rep.Errors)
	}
	for _, w := range []*Window{rep.Players, rep.Watched} {
		if w == nil {
			t.Fatal("a measurement window is missing")
		}
		if w.Players != 2 || w.SnapshotsPerSec <= 0 {
			t.Errorf("players %d receiving %v snapshots/s, want 2 receiving some", w.Players, w.SnapshotsPerSec)
		}
		for name, f := range map[string]Float{"input ack p50": w.AckP50ms, "tick p99": w.TickP99us, "bytes per player": w.BytesPerPlayer} {
			if math.IsNaN(float64(f)) || f <= 0 {
				t.Errorf("%s = %v, want a measured figure", name, f)
			}
		}
	}
	if w := rep.Watched; w.Spectators != 2 || !(w.SSEEventsPerSec > 0) || math.IsNaN(float64(w.SSEDelayP50ms)) {
		t.Errorf("spectators %d at %v events/s with delay %v ms, want 2 receiving with a measured delay",
			w.Spectators, w.SSEEventsPerSec, w.SSEDelayP50ms)
	}
	var out strings.Builder
	rep.Print(&out)
	if !strings.Contains(out.String(), "snapshots/s delivered") {
		t.Errorf("the printed report lacks its rows:\n%s", out.String())
	}
}
