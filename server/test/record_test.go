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

// TestMatchRecordReplays: the record a room writes under -data replays the match exactly:
// the same inputs on the same initial state end in the recorded state hash, and `skirmish
// replay` says so; on a copy whose input log was altered, it fails and names the tick.
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
	if _, err := rec.Replay(nil); err != nil {
		t.Fatal(err)
	}
	out, code := runReplay(t, path)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("ok: %d ticks", rec.End.Tick)) {
		t.Fatalf("skirmish replay on a fresh record: exit %d\n%s", code, out)
	}

	altered, tick := alterInput(t, rec)
	bad := filepath.Join(t.TempDir(), "altered"+record.Ext)
	if err := os.WriteFile(bad, altered, 0o644); err != nil {
		t.Fatal(err)
	}
	out, code = runReplay(t, bad)
	if code != 1 || !strings.Contains(out, fmt.Sprintf("FAILED at tick %d:", tick)) {
		t.Fatalf("skirmish replay on a record altered at tick %d: exit %d\n%s", tick, code, out)
	}
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

// alterInput returns rec with a player's buttons changed at one tick of its first second of
// play, and that tick. Of the changes it tries, it keeps one that makes the replay depart
// from the match at that very tick: a change can leave a tick's one-byte check as it was
// (by a chance of 1 in 256), and the replay then names a later tick.
func alterInput(t *testing.T, rec *record.Record) ([]byte, uint32) {
	t.Helper()
	seat := -1
	for _, f := range rec.Frames {
		if f.Kind == record.KindPlayer {
			seat = f.Seat
			break
		}
	}
	for i := range rec.Frames {
		f := &rec.Frames[i]
		if f.Kind != record.KindTicks || seat < 0 || len(f.Inputs) < 10 {
			continue
		}
		tick := f.Tick + 5
		was := f.Inputs[5][seat].Buttons
		for _, b := range []game.Buttons{game.ButtonLeft | game.ButtonUp, game.ButtonDown, game.ButtonLeft | game.ButtonFire} {
			f.Inputs[5][seat].Buttons = b
			data, err := rec.Encode()
			if err != nil {
				t.Fatal(err)
			}
			again, err := record.Read(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			var d *record.Divergence
			if _, err := again.Replay(nil); errors.As(err, &d) && d.Tick == tick {
				f.Inputs[5][seat].Buttons = was
				return data, tick
			}
		}
		f.Inputs[5][seat].Buttons = was
	}
	t.Fatal("no change of a player's input makes the record depart from its match")
	return nil, 0
}
