package room

import (
	"testing"
	"time"
)

// Rooms share their tickers: each keeps its own clock, a command runs between two ticks, and
// a room that a command closes leaves its ticker without stopping the others.
func TestRoomsShareTickers(t *testing.T) {
	m, _ := serveManager(t)
	ids := make([]string, 6)
	for i := range ids {
		id, err := m.Create(Settings{Seats: 2, Bots: 2})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	ticks := func() []uint32 {
		var at []uint32
		for _, id := range ids[1:] {
			tick, _, ok := m.Live(id)
			if !ok {
				t.Fatalf("room %s is gone", id)
			}
			at = append(at, tick)
		}
		return at
	}
	advanced := func(what string, from []uint32) []uint32 {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			now, all := ticks(), true
			for i := range now {
				all = all && now[i] >= from[i]+10
			}
			if all {
				return now
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: rooms at ticks %v, want 10 past %v", what, now, from)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	at := advanced("rooms of bots play", make([]uint32, len(ids)-1))

	if err := m.Close(ids[0], "closed by a test"); err != nil {
		t.Fatalf("close: %v", err)
	}
	for deadline := time.Now().Add(10 * time.Second); m.get(ids[0]) != nil; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a room closed by a command is still listed")
		}
	}
	if err := m.Close(ids[0], "again"); err != ErrNoRoom {
		t.Fatalf("closing a closed room: %v, want ErrNoRoom", err)
	}
	advanced("the other rooms after one closed", at)
}

// Rooms past a ticker's share go to another ticker, and a ticker ends with its last room.
func TestTickersComeAndGo(t *testing.T) {
	m, _ := serveManager(t)
	tickers := func() int {
		m.tickers.mu.Lock()
		defer m.tickers.mu.Unlock()
		return len(m.tickers.all)
	}
	ids := make([]string, roomsPerTicker+1)
	for i := range ids {
		id, err := m.Create(Settings{Seats: 2, Bots: 2})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	if n := tickers(); n != 2 {
		t.Fatalf("%d rooms run on %d tickers, want 2", len(ids), n)
	}
	for _, id := range ids {
		if err := m.Close(id, "closed by a test"); err != nil {
			t.Fatalf("close: %v", err)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); tickers() != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d tickers left after their rooms closed", tickers())
		}
	}
	if _, err := m.Create(Settings{Seats: 2, Bots: 2}); err != nil || tickers() != 1 {
		t.Fatalf("a room after the tickers ended: %v, on %d tickers", err, tickers())
	}
}
