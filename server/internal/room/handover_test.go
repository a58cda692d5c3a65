package room

import (
	"errors"
	"testing"
	"time"
)

// soloFleet is a fleet of one node whose leases always hold.
type soloFleet struct{}

func (soloFleet) Acquire(string) (Lease, error)        { return heldLease{}, nil }
func (soloFleet) Locate(string) (string, bool, bool)   { return "", false, false }
func (soloFleet) Left(string)                          {}
func (soloFleet) Record(string, int64) ([]byte, error) { return nil, errors.New("no records") }
func (soloFleet) Short(string) bool                    { return false }

// heldLease always holds.
type heldLease struct{}

func (heldLease) Held(time.Time) bool          { return true }
func (heldLease) Lost() <-chan struct{}        { return nil }
func (heldLease) Record(string, int64, []byte) {}
func (heldLease) Checkpoint([]byte, bool) bool { return true }
func (heldLease) Abandon()                     {}

// A room being handed over stands still while the move runs, and the other rooms of its
// ticker go on; a move that fails leaves the room playing here, one that works takes it away.
func TestHandoverFreezesOnlyItsRoom(t *testing.T) {
	m := startManager(t, Config{TickRate: 60, Countdown: 100 * time.Millisecond}, Deps{Fleet: soloFleet{}})
	moving, other := mustCreate(t, m), mustCreate(t, m)
	tick := func(id string) uint32 {
		n, _, ok := m.Live(id)
		if !ok {
			t.Fatalf("room %s is gone", id)
		}
		return n
	}
	waitTicks := func(id string, from uint32) uint32 {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); tick(id) < from+10; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("room %s stuck at tick %d, want 10 past %d", id, tick(id), from)
			}
		}
		return tick(id)
	}
	waitTicks(moving, 0)

	for _, fail := range []bool{true, false} {
		inMove, release := make(chan uint32), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- m.Handover(moving, func([]byte) (string, error) {
				inMove <- tick(moving)
				<-release
				if fail {
					return "", errors.New("no node takes it")
				}
				return "ws://elsewhere/ws", nil
			})
		}()
		frozenAt := <-inMove
		waitTicks(other, tick(other))
		if now := tick(moving); now != frozenAt {
			t.Fatalf("the room being handed over ticked from %d to %d during the move", frozenAt, now)
		}
		close(release)
		err := <-done
		if fail {
			if err == nil {
				t.Fatal("a failed move was reported as done")
			}
			waitTicks(moving, frozenAt)
			continue
		}
		if err != nil {
			t.Fatalf("handover: %v", err)
		}
		for deadline := time.Now().Add(10 * time.Second); m.get(moving) != nil; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the room handed over is still here")
			}
		}
	}
	waitTicks(other, tick(other))
}

func mustCreate(t *testing.T, m *Manager) string {
	t.Helper()
	id, err := m.Create(Settings{Seats: 2, Bots: 2})
	if err != nil {
		t.Fatal(err)
	}
	return id
}
