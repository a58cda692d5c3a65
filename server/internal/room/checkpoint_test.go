package room

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/lobby"
	"skirmish/server/internal/metrics"
	"skirmish/server/internal/record"
)

// withRecords gives the fixture's room a data directory, as the server has.
func withRecords(t *testing.T, f *fixture) *record.Writer {
	t.Helper()
	w, err := record.NewWriter(t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)), record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.c.env.records = w
	f.c.setRecord(w.Begin(f.c.id, f.c.matches, f.c.world, f.now))
	for i, ship := range f.c.world.Ships { // the seats taken before the record began
		if ship.Active {
			f.c.rec.SetActive(0, i, true)
		}
	}
	return w
}

// restored decodes the room's checkpoint into a new core, as a restarted server does.
func (f *fixture) restored(final bool) *core {
	f.t.Helper()
	data, err := f.c.checkpoint(f.now, final)
	if err != nil {
		f.t.Fatal(err)
	}
	cp, err := readCheckpoint(data)
	if err != nil {
		f.t.Fatal(err)
	}
	e := f.c.env
	e.metrics, e.obs, e.dir = metrics.New(), &observerLog{}, lobby.NewMemory(nil)
	c, err := restoreCore(cp, f.c.cfg, e, f.now, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func TestCheckpointRestoresTheMatchPaused(t *testing.T) {
	f := newFixture(t, 4, 2, func(c *Config) { c.MaxRewind = 500 * time.Millisecond })
	a, b := f.mustJoin("ada"), f.mustJoin("bob")
	f.until(protocol.StateRunning, 5*time.Second)
	f.advance(5 * time.Second)
	c := f.restored(true)

	if c.world.Hash() != f.c.world.Hash() || c.world.Tick != f.c.world.Tick {
		t.Fatalf("restored world at tick %d hash %x, saved at tick %d hash %x", c.world.Tick, c.world.Hash(), f.c.world.Tick, f.c.world.Hash())
	}
	// The ships' past comes back with them, so that shots are rewound to the same places.
	if c.world.Config.Rewind != 15 || !slices.Equal(c.world.Past, f.c.world.Past) {
		t.Fatalf("restored a rewind of %d ticks over a past of %d positions, want 15 and the %d saved", c.world.Config.Rewind, len(c.world.Past), len(f.c.world.Past))
	}
	if c.state != protocol.StatePaused || !slices.Equal(c.missing(), []int{a.seat, b.seat}) {
		t.Fatalf("restored state %s missing %v, want paused for both players", c.state, c.missing())
	}
	for i := range c.seats {
		if c.seats[i].kind != f.c.seats[i].kind || c.displayName(i) != f.c.displayName(i) {
			t.Fatalf("seat %d restored as %d %q, want %d %q", i, c.seats[i].kind, c.displayName(i), f.c.seats[i].kind, f.c.displayName(i))
		}
	}

	// The restored world goes on exactly as the saved one would have, its shots rewound as
	// far as their players' views, from the first tick on.
	inputs := make([]game.Input, 4)
	rewound := 0
	for tick := range 300 {
		for i := range inputs {
			view := c.world.Tick + 1 - uint32(2+3*i+tick%3)
			inputs[i] = game.Input{Buttons: game.Buttons(tick*7+i) & (game.ButtonFire | game.ButtonUp | game.ButtonLeft), AimX: int16(tick % 50), AimY: 30, View: view}
		}
		f.c.world.Step(inputs)
		c.world.Step(inputs)
		if c.world.Hash() != f.c.world.Hash() {
			t.Fatalf("the restored world differs %d ticks after the checkpoint", tick+1)
		}
		for _, p := range c.world.Projectiles {
			if p.Lag > 0 && p.ID+1 == c.world.NextProjectileID {
				rewound++
			}
		}
	}
	if rewound == 0 {
		t.Fatal("no shot was rewound after the restore")
	}

	// The players take their seats back with their tokens; the match counts down and runs.
	f.c = c
	f.mustResume(f.token(a))
	if c.state != protocol.StatePaused {
		t.Fatalf("state %s with one player back, want paused", c.state)
	}
	back := f.mustResume(f.token(b))
	if back.seat != b.seat || c.state != protocol.StateCountdown {
		t.Fatalf("bob resumed into seat %d in state %s, want seat %d and a countdown", back.seat, c.state, b.seat)
	}
}

func TestCheckpointKeepsRoomsOutOfPlayAsTheyWere(t *testing.T) {
	t.Run("waiting", func(t *testing.T) {
		f := newFixture(t, 3, 0)
		a := f.mustJoin("ada")
		c := f.restored(true)
		if c.state != protocol.StateWaiting || !c.seats[a.seat].awaited() {
			t.Fatalf("restored %s with seat %+v, want waiting for ada", c.state, c.seats[a.seat])
		}
	})
	t.Run("results", func(t *testing.T) {
		f := newFixture(t, 2, 2, func(c *Config) { c.TimeLimit = 30 })
		f.until(protocol.StateEnded, 5*time.Second)
		f.advance(time.Second)
		c := f.restored(true)
		if left, want := c.stateEnds.Sub(f.now), f.c.stateEnds.Sub(f.now); c.state != protocol.StateEnded || left != want {
			t.Fatalf("restored %s ending in %v, want the results for the %v left", c.state, left, want)
		}
	})
	t.Run("bots only", func(t *testing.T) {
		f := newFixture(t, 2, 2)
		f.until(protocol.StateRunning, 5*time.Second)
		c := f.restored(false)
		if c.state != protocol.StateCountdown {
			t.Fatalf("restored %s, want a countdown: nobody to wait for", c.state)
		}
	})
}

func TestCheckpointContinuesTheRecord(t *testing.T) {
	f := newFixture(t, 2, 1)
	w := withRecords(t, f)
	a := f.mustJoin("ada")
	f.until(protocol.StateRunning, 5*time.Second)
	f.advance(2 * time.Second)
	data, err := f.c.checkpoint(f.now, false)
	if err != nil {
		t.Fatal(err)
	}
	// The room plays on past the checkpoint and the process dies: those ticks are lost.
	f.advance(time.Second)
	f.c.rec.Flush()
	w.Close()

	w2, err := record.NewWriter(w.Dir(), slog.New(slog.NewTextHandler(io.Discard, nil)), record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := readCheckpoint(data)
	if err != nil {
		t.Fatal(err)
	}
	e := f.c.env
	e.records, e.metrics, e.dir = w2, metrics.New(), lobby.NewMemory(nil)
	c, err := restoreCore(cp, f.c.cfg, e, f.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.c = c
	f.mustResume(f.token(a))
	f.until(protocol.StateEnded, 200*time.Second)
	w2.Close()

	file, err := os.Open(filepath.Join(w.Dir(), cp.Record.File))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	rec, err := record.Read(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Replay(nil); err != nil {
		t.Fatalf("the record of a match restored after a crash does not replay: %v", err)
	}
}

// TestCheckpointRefusesAPastThatDoesNotFit: a restored room rewinds shots to the saved past or
// not at all: a world whose past does not fit its rules is refused, and one saved before lag
// compensation, without rewind or past, plays on without it.
func TestCheckpointRefusesAPastThatDoesNotFit(t *testing.T) {
	f := newFixture(t, 2, 2, func(c *Config) { c.MaxRewind = 500 * time.Millisecond })
	f.until(protocol.StateRunning, 5*time.Second)
	f.advance(time.Second)
	restore := func(edit func(world map[string]any)) (*core, error) {
		data, err := f.c.checkpoint(f.now, true)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := readCheckpoint(data)
		if err != nil {
			t.Fatal(err)
		}
		var world map[string]any
		if err := json.Unmarshal(cp.World, &world); err != nil {
			t.Fatal(err)
		}
		edit(world)
		if cp.World, err = json.Marshal(world); err != nil {
			t.Fatal(err)
		}
		e := f.c.env
		e.metrics, e.obs, e.dir = metrics.New(), &observerLog{}, lobby.NewMemory(nil)
		return restoreCore(cp, f.c.cfg, e, f.now, nil)
	}
	for _, tt := range []struct {
		name string
		edit func(world map[string]any)
	}{
		{"no past", func(w map[string]any) { delete(w, "Past") }},
		{"a past cut short", func(w map[string]any) { w["Past"] = w["Past"].([]any)[1:] }},
		{"a past of objects", func(w map[string]any) {
			w["Past"] = []any{map[string]any{"Pos": map[string]any{"X": 1, "Y": 2}, "Alive": true}}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := restore(tt.edit); !errors.Is(err, ErrCheckpoint) {
				t.Fatalf("got %v, want a refused checkpoint", err)
			}
		})
	}
	t.Run("saved before lag compensation", func(t *testing.T) {
		c, err := restore(func(w map[string]any) {
			delete(w, "Past")
			delete(w["Config"].(map[string]any), "Rewind")
		})
		if err != nil {
			t.Fatal(err)
		}
		if c.world.Config.Rewind != 0 || len(c.world.Past) != 0 {
			t.Fatalf("restored a rewind of %d ticks over %d positions, want none", c.world.Config.Rewind, len(c.world.Past))
		}
	})
}

func TestDamagedCheckpointsAreRefused(t *testing.T) {
	f := newFixture(t, 2, 1)
	f.mustJoin("ada")
	good, err := f.c.checkpoint(f.now, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"cut short", good[:len(good)/2]},
		{"a byte changed", bytes.Replace(good, []byte(`"ada"`), []byte(`"eve"`), 1)},
		{"another version", bytes.Replace(good, []byte(checkpointMagic+" 1 "), []byte(checkpointMagic+" 99 "), 1)},
		{"no header", good[bytes.IndexByte(good, '\n')+1:]},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := readCheckpoint(tt.data); !errors.Is(err, ErrCheckpoint) {
				t.Fatalf("got %v, want a refused checkpoint", err)
			}
		})
	}
}

func TestManagerRestoresAndSetsAsideCheckpoints(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	m := NewManager(ctx, Config{DataDir: dir, Countdown: 50 * time.Millisecond}, Deps{Logger: log})
	id, err := m.Create(Settings{Seats: 2, Bots: 2})
	if err != nil {
		t.Fatal(err)
	}
	m.Drain()
	cancel() // the rooms write their last checkpoints as the server shuts down
	if err := m.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "checkpoints", "broken.json"), []byte("skirmish checkpoint 1 00\n{}"), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	m2 := NewManager(ctx2, Config{DataDir: dir}, Deps{Logger: log})
	if n := m2.Restore(); n != 1 {
		t.Fatalf("restored %d rooms, want 1", n)
	}
	if _, ok := m2.Directory().Get(id); !ok {
		t.Fatalf("room %s is not in the directory after the restore", id)
	}
	if _, err := os.Stat(filepath.Join(dir, "checkpoints", "refused", "broken.json")); err != nil {
		t.Fatalf("the damaged checkpoint was not kept aside: %v", err)
	}
	m2.Drain()
	cancel2()
	if err := m2.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
}
