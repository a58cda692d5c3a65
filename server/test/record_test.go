package test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
	"skirmish/server/internal/record"
	"skirmish/server/servertest"
)

// TestMatchRecordReplays: the record a room writes under -data replays the match exactly,
// the players' shots compensated for their lag as they were: the same inputs with their views
// on the same initial state end in the recorded state hash, and `skirmish replay` says so; on
// a copy whose input log was altered, a player's buttons or the view of a compensated shot, it
// fails and names the tick.
func TestMatchRecordReplays(t *testing.T) {
	s := startServer(t, func(_ *config.Config, o *app.Options) { o.Room.TimeLimit = 90 })
	id := s.createRoom(3, 1)
	a, b := s.join(id, "ada"), s.join(id, "bob")
	running := a.waitState(protocol.StateRunning, 0)
	stop := make(chan struct{})
	defer close(stop)
	a.play(stop)
	b.play(stop)
	a.waitState(protocol.StateEnded, running)

	path := record.Path(s.data, record.MatchID(id, 0))
	deadline := time.Now().Add(waitTimeout)
	for !record.Finished(path) {
		if time.Now().After(deadline) {
			t.Fatalf("no finished record at %s", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
	rec, err := record.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if rec.End == nil || !rec.End.Over {
		t.Fatalf("record end %+v, want a match that ended", rec.End)
	}
	seat := firstPlayer(rec)
	lagged, err := laggedShots(rec, seat)
	if err != nil {
		t.Fatal(err)
	}
	if len(lagged) == 0 {
		t.Fatalf("seat %d fired no shot compensated for lag in the replay", seat)
	}
	out, code := runReplay(t, path)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("ok: %d ticks", rec.End.Tick)) {
		t.Fatalf("skirmish replay on a fresh record: exit %d\n%s", code, out)
	}

	for _, alt := range []struct {
		name    string
		at      func(tick uint32) bool
		changes []func(*game.Input)
	}{
		{"buttons", func(uint32) bool { return true }, []func(*game.Input){
			func(in *game.Input) { in.Buttons = game.ButtonLeft | game.ButtonUp },
			func(in *game.Input) { in.Buttons = game.ButtonDown },
			func(in *game.Input) { in.Buttons = game.ButtonLeft | game.ButtonFire },
		}},
		{"the view of a compensated shot", func(tick uint32) bool { return lagged[tick] }, []func(*game.Input){
			func(in *game.Input) { in.View = 0 },
			func(in *game.Input) { in.View-- },
			func(in *game.Input) { in.View++ },
		}},
	} {
		altered, tick := alterInput(t, rec, seat, alt.at, alt.changes)
		bad := filepath.Join(t.TempDir(), "altered"+record.Ext)
		if err := os.WriteFile(bad, altered, 0o644); err != nil {
			t.Fatal(err)
		}
		out, code = runReplay(t, bad)
		if code != 1 || !strings.Contains(out, fmt.Sprintf("FAILED at tick %d:", tick)) {
			t.Fatalf("skirmish replay on a record whose %s was altered at tick %d: exit %d\n%s", alt.name, tick, code, out)
		}
	}
}

// firstPlayer returns the first seat the record holds a player's inputs for, -1 for none.
func firstPlayer(rec *record.Record) int {
	for _, f := range rec.Frames {
		if f.Kind == record.KindPlayer {
			return f.Seat
		}
	}
	return -1
}

// laggedShots replays rec and returns the ticks at which seat fired a shot compensated for
// its lag.
func laggedShots(rec *record.Record, seat int) (map[uint32]bool, error) {
	lagged := map[uint32]bool{}
	_, err := rec.Replay(func(w *game.World, inputs []game.Input) {
		for _, p := range w.Projectiles {
			if int(p.Owner) == seat && p.Lag > 0 && p.Seq != 0 && p.Seq == inputs[seat].Seq {
				lagged[w.Tick] = true
			}
		}
	})
	return lagged, err
}

// runReplay runs `skirmish replay path` and returns its output and exit status.
func runReplay(t *testing.T, path string) (string, int) {
	t.Helper()
	out, err := exec.Command(servertest.Build(t, "skirmish/server"), "replay", path).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	}
	t.Fatalf("skirmish replay: %v", err)
	return "", 0
}

// alterInput returns rec with the input of seat changed at one tick of its first second of
// play for which at says yes, and that tick. Of the changes it tries, it keeps one that makes
// the replay depart from the match at that very tick: a change can leave a tick's one-byte
// check as it was (by a chance of 1 in 256), and the replay then names a later tick.
func alterInput(t *testing.T, rec *record.Record, seat int, at func(tick uint32) bool, changes []func(*game.Input)) ([]byte, uint32) {
	t.Helper()
	for i := range rec.Frames {
		f := &rec.Frames[i]
		if f.Kind != record.KindTicks || seat < 0 || len(f.Inputs) < 10 {
			continue
		}
		for k := 5; k < len(f.Inputs); k++ {
			tick, in := f.Tick+uint32(k), &f.Inputs[k][seat]
			if !at(tick) {
				continue
			}
			was := *in
			for _, change := range changes {
				change(in)
				data, err := rec.Encode()
				*in = was
				if err != nil {
					t.Fatal(err)
				}
				again, err := record.Read(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				var d *record.Divergence
				if _, err := again.Replay(nil); errors.As(err, &d) && d.Tick == tick {
					return data, tick
				}
			}
			break
		}
	}
	t.Fatal("no change of a player's input makes the record depart from its match")
	return nil, 0
}
