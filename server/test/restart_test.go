package test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"syscall"
	"testing"
	"time"

	"skirmish/game/protocol"
	"skirmish/server/internal/record"
)

// createRoomAt creates a room with the settings in body and returns its id.
func (s *server) createRoomAt(body string) string {
	s.t.Helper()
	resp, err := http.Post("http://"+s.addr+"/api/rooms", "application/json", bytes.NewBufferString(body))
	if err != nil {
		s.t.Fatalf("create room: %v", err)
	}
	defer resp.Body.Close()
	var out struct{ ID string }
	if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&out) != nil {
		s.t.Fatalf("create room %s: status %d", body, resp.StatusCode)
	}
	return out.ID
}

// TestMatchSurvivesARestart: bots and two players play; the server process is stopped
// (SIGTERM: a last checkpoint as it goes; SIGKILL: the last periodic one) and started again
// on the same data directory. Both players come back by themselves to the same seats, the
// match goes on to its end, and its final score is the frags counted before the restart (up
// to the tick the match went on from) plus those after. The match record replays.
func TestMatchSurvivesARestart(t *testing.T) {
	t.Parallel() // a long waiter: see the package doc
	for _, tt := range []struct {
		name string
		sig  syscall.Signal
	}{{"SIGTERM", syscall.SIGTERM}, {"SIGKILL", syscall.SIGKILL}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, s := startProc(t, "-grace", "30s")
			id := s.createRoomAt(`{"seats":4,"bots":2,"timeLimit":30,"fragLimit":100}`)
			a, b := s.join(id, "ada"), s.join(id, "bob")
			seatA, seatB := a.seat(), b.seat()
			running := a.waitState(protocol.StateRunning, 0)
			stop := make(chan struct{})
			defer close(stop)
			a.play(stop)
			b.play(stop)
			// Long enough to have passed a periodic checkpoint and then some.
			start := a.tickCount()
			a.waitFor("three seconds of play", func() bool { return len(a.ticks) > start+90 })

			a.mu.Lock()
			eventsBefore, keysBefore := len(a.events), len(a.keyTicks)
			a.mu.Unlock()
			p.Stop(tt.sig)
			a.mu.Lock()
			lastSeen := a.ticks[len(a.ticks)-1]
			a.mu.Unlock()
			p.Restart()

			for _, pl := range []struct {
				p    *player
				seat int
			}{{a, seatA}, {b, seatB}} {
				pl.p.waitFor("a welcome after the restart", func() bool { return len(pl.p.welcomes) >= 2 })
				if got := pl.p.seat(); got != pl.seat {
					t.Fatalf("back in seat %d after the restart, want %d", got, pl.seat)
				}
			}
			a.waitFor("the restored keyframe", func() bool { return len(a.keyTicks) > keysBefore })
			ended := a.waitState(protocol.StateRunning, running+1)
			a.waitWithin(90*time.Second, "the end of the match", func() bool {
				for _, st := range a.statuses[ended:] {
					if st.State == protocol.StateEnded {
						return true
					}
				}
				return false
			})

			a.mu.Lock()
			restoredAt := a.keyTicks[keysBefore]
			frags := map[int]int{}
			for i, e := range a.events {
				if e.Kind == protocol.EventFrag && (i >= eventsBefore || e.Tick <= restoredAt) {
					frags[e.A]++
				}
			}
			var results []protocol.Result
			for _, st := range a.statuses {
				if st.State == protocol.StateEnded {
					results = st.Results
				}
			}
			a.mu.Unlock()
			// A stop loses nothing; a crash loses what came after the last checkpoint on the
			// disk: one period (2 s, 60 ticks) and the time a checkpoint takes to reach the disk,
			// which a loaded machine can stretch to the next period.
			if lost := int(lastSeen) - int(restoredAt); tt.sig == syscall.SIGTERM && lost > 0 || lost > 120 {
				t.Errorf("the match went on from tick %d after the player saw tick %d", restoredAt, lastSeen)
			}
			total := 0
			for _, r := range results {
				total += r.Frags
				if frags[r.Seat] != r.Frags {
					t.Errorf("seat %d ends with %d frags, the frags counted before and after the restart make %d", r.Seat, r.Frags, frags[r.Seat])
				}
			}
			if total == 0 {
				t.Errorf("a match of bots without a frag: %+v", results)
			}
			t.Logf("%s: the match went on from tick %d; final frags %+v", tt.name, restoredAt, results)
			assertRecordReplays(t, s.data, id)
		})
	}
}

// assertRecordReplays replays the first match record of room and checks it ends where the
// record says.
func assertRecordReplays(t *testing.T, data, room string) {
	t.Helper()
	path := record.Path(data, record.MatchID(room, 0))
	var rec *record.Record
	deadline := time.Now().Add(waitTimeout)
	for {
		var err error
		if record.Finished(path) {
			if rec, err = record.ReadFile(path); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no finished record at %s: %v", path, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := rec.Replay(nil); err != nil {
		t.Fatalf("the record of a match that lived through a restart: %v", err)
	}
}
