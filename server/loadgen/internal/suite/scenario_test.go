package suite

import (
	"context"
	"testing"
	"time"

	"skirmish/server/loadgen/internal/load"
	"skirmish/server/loadgen/internal/testserver"
)

// short scales a scenario of make bench down to a few seconds and a fiftieth of its rooms
// and a hundredth of its spectators, unpinned.
func short(c load.Config) load.Config {
	c.Rooms = max(1, c.Rooms/50)
	c.Spectators /= 100
	c.Warmup, c.Duration = time.Second, 2*time.Second
	c.ServerCPU, c.ClientCPU = -1, -1
	return c
}

// TestScenariosShort runs the scenarios of make bench scaled down against a server in this
// process, so that make test keeps them working; make bench runs them at full size.
func TestScenariosShort(t *testing.T) {
	for _, sc := range []struct {
		name string
		cfg  load.Config
	}{
		{"a", short(scenarioA)}, {"b", short(scenarioB)}, {"c", short(scenarioC)},
	} {
		t.Run(sc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			c := sc.cfg
			c.Addr, c.TickRate = testserver.Start(t, nil)
			rep, err := load.Run(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Errors) > 0 {
				t.Errorf("errors: %v", rep.Errors)
			}
			players := int64(c.Rooms * c.Players)
			for _, w := range []*load.Window{rep.Players, rep.Watched} {
				if w == nil {
					continue
				}
				if w.Players != players || w.SnapshotsPerSec <= 0 || w.PlayerReconnects != 0 {
					t.Errorf("%d players of %d at %.0f snapshots/s with %d reconnects, want all receiving and none lost",
						w.Players, players, w.SnapshotsPerSec, w.PlayerReconnects)
				}
			}
			if w := rep.Watched; c.Spectators > 0 && (w == nil || w.Spectators != int64(c.Spectators) || !(w.SSEEventsPerSec > 0)) {
				t.Errorf("spectators: %+v, want %d receiving", w, c.Spectators)
			}
		})
	}
}
