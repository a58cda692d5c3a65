package room

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"skirmish/client"
	"skirmish/game/protocol"
	"skirmish/server/internal/transport"
)

// startManager runs a Manager with cfg and deps until the test ends, then drains it and waits
// for its rooms and sessions.
func startManager(t *testing.T, cfg Config, deps Deps) *Manager {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	deps.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	m := NewManager(ctx, cfg, deps)
	t.Cleanup(func() {
		m.Drain()
		cancel()
		wait, stop := context.WithTimeout(context.Background(), 5*time.Second)
		defer stop()
		if err := m.Wait(wait); err != nil {
			t.Errorf("rooms and sessions did not end: %v", err)
		}
	})
	return m
}

// serveManager runs a Manager behind a bare WebSocket listener on loopback: the driver and
// the sessions of the room package, on real sockets, without the rest of the server.
func serveManager(t *testing.T) (*Manager, string) {
	t.Helper()
	// Cleanups run last first: the listener closes, then the Manager stops, then the
	// connections' goroutines are awaited.
	var conns sync.WaitGroup
	t.Cleanup(conns.Wait)
	m := startManager(t, Config{
		TickRate: 60, Countdown: 100 * time.Millisecond, HelloTimeout: 500 * time.Millisecond, DataDir: t.TempDir(),
		Conn: transport.Options{PingInterval: 100 * time.Millisecond, ReadTimeout: time.Second},
	}, Deps{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer conns.Done()
				if _, err := ws.Upgrade(nc); err != nil {
					nc.Close()
					return
				}
				m.Serve(transport.Wrap(nc, m.cfg.Conn))
			}()
		}
	}()
	return m, "ws://" + ln.Addr().String() + "/ws"
}

// events collects what a client sees.
type events struct {
	mu      sync.Mutex
	states  []protocol.State
	cheers  []string
	lastSeq uint32
	seat    int
}

func (e *events) handler() client.Handler {
	return client.Handler{
		OnWelcome: func(w *protocol.Welcome) { e.mu.Lock(); e.seat = w.Seat; e.mu.Unlock() },
		OnStatus: func(st *protocol.Status) {
			e.mu.Lock()
			e.states = append(e.states, st.State)
			e.mu.Unlock()
		},
		OnEvents: func(evs []protocol.Event) {
			e.mu.Lock()
			defer e.mu.Unlock()
			for _, ev := range evs {
				if ev.Kind == protocol.EventCheer {
					e.cheers = append(e.cheers, ev.Text)
				}
			}
		},
		OnSnapshot: func(sn *protocol.Snapshot, _ bool) {
			e.mu.Lock()
			e.lastSeq = uint32(sn.Ships[e.seat][protocol.ShipLastSeq])
			e.mu.Unlock()
		},
	}
}

func (e *events) wait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		e.mu.Lock()
		ok := cond()
		e.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (states %v)", what, e.states)
		}
	}
}

// waitState waits for a status in state s after the first `after` statuses and returns its
// index.
func (e *events) waitState(t *testing.T, s protocol.State, after int) int {
	t.Helper()
	idx := -1
	e.wait(t, s.String(), func() bool {
		for i := after; i < len(e.states); i++ {
			if e.states[i] == s {
				idx = i
				return true
			}
		}
		return false
	})
	return idx
}

func TestManagerServesAMatch(t *testing.T) {
	m, url := serveManager(t)
	id, err := m.Create(Settings{Seats: 2, Bots: 1})
	if err != nil {
		t.Fatal(err)
	}
	var ev events
	var mu sync.Mutex
	var conn net.Conn
	c := client.Start(context.Background(), client.Config{
		URL: url, Room: id, Name: "ada", Backoff: client.Backoff{Min: 10 * time.Millisecond, Max: 50 * time.Millisecond},
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			mu.Lock()
			conn = nc
			mu.Unlock()
			return nc, err
		},
	}, ev.handler())
	defer c.Close()
	running := ev.waitState(t, protocol.StateRunning, 0)

	// Inputs reach the ship.
	ev.wait(t, "an input applied", func() bool {
		if _, err := c.Input(uint8(8), 100, 0); err != nil {
			t.Fatal(err)
		}
		return ev.lastSeq > 0
	})
	if tick, _, ok := m.Live(id); !ok || tick == 0 {
		t.Fatalf("Live: tick %d, %v", tick, ok)
	}

	// A cheer reaches the player.
	if err := m.Cheer(id, "gg"); err != nil {
		t.Fatal(err)
	}
	ev.wait(t, "the cheer", func() bool { return len(ev.cheers) == 1 })
	if err := m.Cheer("nosuchroom", "gg"); !errors.Is(err, ErrNoRoom) {
		t.Fatalf("cheer to no room: %v", err)
	}

	// A lost connection pauses the room; the client comes back by itself with its token.
	mu.Lock()
	conn.Close()
	mu.Unlock()
	paused := ev.waitState(t, protocol.StatePaused, running)
	ev.waitState(t, protocol.StateRunning, paused)

	// A bye leaves without pausing: the client stops, a bot takes the seat.
	c.Bye()
	<-c.Done()
	ev.wait(t, "a bot in the seat left", func() bool {
		info, ok := m.Directory().Get(id)
		return ok && info.Players[0].Bot && info.Players[0].Name == "ada (bot)"
	})
	if info, _ := m.Directory().Get(id); info.State != "running" {
		t.Fatalf("room after the bye: %+v, want running on", info)
	}
}

func TestManagerRefusals(t *testing.T) {
	m, url := serveManager(t)
	id, err := m.Create(Settings{Seats: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		room string
		code protocol.Code
	}{
		{"unknown room", "nosuchroom", protocol.CodeNoRoom},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := client.Start(context.Background(), client.Config{URL: url, Room: tt.room, Name: "eve", NoReconnect: true}, client.Handler{})
			<-c.Done()
			var ce *client.CloseError
			if !errors.As(c.Err(), &ce) || ce.Code != tt.code {
				t.Fatalf("got %v, want close %d", c.Err(), tt.code)
			}
		})
	}
	if _, err := m.Create(Settings{Seats: 9}); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("nine seats: %v", err)
	}
	m.Drain()
	if _, err := m.Create(Settings{Seats: 2}); !errors.Is(err, ErrDraining) {
		t.Fatalf("create while draining: %v", err)
	}
	c := client.Start(context.Background(), client.Config{URL: url, Room: id, Name: "eve", NoReconnect: true}, client.Handler{})
	<-c.Done()
	var ce *client.CloseError
	if !errors.As(c.Err(), &ce) || ce.Code != protocol.CodeGoingAway {
		t.Fatalf("join while draining: %v, want 1001", c.Err())
	}
}
