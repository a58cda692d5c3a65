package load

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
	"skirmish/server/loadgen/internal/testserver"
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
	addr, tickRate := testserver.Start(t, nil)
	rep, err := Run(ctx, Config{
		Addr: addr, Rooms: 1, Players: 2, Spectators: 2, TickRate: tickRate,
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

// TestOverloadSmoke runs the over-capacity scenario in miniature against a server that says
// it is short of headroom once it has let in three newcomer rooms: those get in, the later
// ones are refused and counted, and the running players play on. The long run against a
// real server pinned to one core is make overload.
func TestOverloadSmoke(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The server asks once per room created and once per new player: 2 rooms and 4 players
	// run, then each newcomer room brings one player.
	const running, newcomers = 2 + 4, 3
	var asked atomic.Int64
	addr, tickRate := testserver.Start(t, func(cfg *config.Config, o *app.Options) {
		cfg.RoomsPerIP, cfg.MaxConnsPerIP = 0, 0
		o.Overloaded = func() bool { return asked.Add(1) > running+2*newcomers }
	})
	rep, err := Overload(ctx, OverloadConfig{
		Config: Config{Addr: addr, Rooms: 2, Players: 2, TickRate: tickRate,
			Warmup: time.Second, Duration: 2 * time.Second, ServerCPU: -1, ClientCPU: -1},
		Arrivals: 5, Bots: 1, Push: 3 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Running != 4 || !(rep.Before.Rate > 0) || !(rep.During.Rate > 0) {
		t.Errorf("%d running players at %v then %v snapshots/s each, want 4 playing throughout", rep.Running, rep.Before.Rate, rep.During.Rate)
	}
	if rep.RoomsCreated != newcomers || rep.RoomsRefused == 0 || rep.RoomsCreated+rep.RoomsRefused != rep.RoomsTried {
		t.Errorf("new rooms: %d tried, %d created, %d refused; want %d created and the rest refused", rep.RoomsTried, rep.RoomsCreated, rep.RoomsRefused, newcomers)
	}
	if rep.PlayersSeated != newcomers || math.IsNaN(float64(rep.FirstRefusal)) {
		t.Errorf("%d newcomers seated, first refusal after %v s; want %d seated and a refusal", rep.PlayersSeated, rep.FirstRefusal, newcomers)
	}
	if len(rep.Errors) > 0 {
		t.Errorf("errors: %v", rep.Errors)
	}
	var out strings.Builder
	rep.Print(&out)
	if !strings.Contains(out.String(), "refused (503)") {
		t.Errorf("the printed report lacks its lines:\n%s", out.String())
	}
}
