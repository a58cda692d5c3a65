package test

import (
	"testing"

	"skirmish/game/protocol"
)

// TestTwoPlayersAndTwoBotsPlay: snapshots arrive tick after tick and inputs are acknowledged.
func TestTwoPlayersAndTwoBotsPlay(t *testing.T) {
	s := startServer(t)
	id := s.createRoom(4, 2)
	a, b := s.join(id, "ada"), s.join(id, "bob")
	if a.seat() == b.seat() {
		t.Fatalf("both players got seat %d", a.seat())
	}
	a.waitState(protocol.StateRunning, 0)
	stop := make(chan struct{})
	defer close(stop)
	a.play(stop)
	b.play(stop)
	for _, p := range []*player{a, b} {
		p.waitFor("60 snapshots and an acknowledged input", func() bool { return len(p.ticks) >= 60 && p.lastSeq > 0 })
		p.mu.Lock()
		for i := 1; i < len(p.ticks); i++ {
			if p.ticks[i] <= p.ticks[i-1] {
				t.Errorf("tick %d after %d", p.ticks[i], p.ticks[i-1])
			}
		}
		p.mu.Unlock()
	}
}
