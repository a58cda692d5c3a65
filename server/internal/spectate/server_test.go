package spectate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"skirmish/game/client"
	"skirmish/game/protocol"
	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
	"skirmish/server/internal/room"
	"skirmish/server/internal/transport"
)

// startRealServer runs the whole server on a loopback port with short countdowns.
func startRealServer(t *testing.T) string {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.TickRate = 60
	cfg.Grace = 30 * time.Second
	cfg.DataDir = t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := app.Start(ctx, cfg, app.Options{
		Room: room.Config{
			Countdown: 100 * time.Millisecond,
			Conn: transport.Options{
				PingInterval: 100 * time.Millisecond,
				ReadTimeout:  700 * time.Millisecond,
				WriteTimeout: 500 * time.Millisecond,
			},
		},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		<-s.Done()
	})
	return s.Addr().String()
}

// createRealRoom creates a room through the API and waits until the room has announced
// itself, which it does from its own goroutine a moment after its id is returned.
func createRealRoom(t *testing.T, addr, body string) string {
	t.Helper()
	resp, err := http.Post("http://"+addr+"/api/rooms", "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/api/rooms/" + created.ID)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return created.ID
		}
		if time.Now().After(deadline) {
			t.Fatalf("room %q never appeared: %s", created.ID, resp.Status)
		}
	}
}

// cuttablePlayer joins a room with the game client and can cut its socket the way a failing
// network does (no close frame); the client then reconnects with its token by itself.
type cuttablePlayer struct {
	c    *client.Client
	mu   sync.Mutex
	conn net.Conn
}

func joinPlayer(t *testing.T, addr, roomID string, h client.Handler) *cuttablePlayer {
	p := &cuttablePlayer{}
	p.c = client.Start(context.Background(), client.Config{
		URL: "ws://" + addr + "/ws", Room: roomID, Name: "alpha",
		Backoff: client.Backoff{Min: 50 * time.Millisecond, Max: 200 * time.Millisecond},
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			p.mu.Lock()
			p.conn = c
			p.mu.Unlock()
			return c, err
		},
	}, h)
	t.Cleanup(p.c.Close)
	return p
}

func (p *cuttablePlayer) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conn.Close()
}

func TestResumeAgainstRealServer(t *testing.T) {
	addr := startRealServer(t)
	id := createRealRoom(t, addr, `{"seats":4,"bots":3}`)
	feed := "http://" + addr + "/rooms/" + id + "/events"

	player := joinPlayer(t, addr, id, client.Handler{})
	witness := open(t, feed, dialOpts{})
	es := open(t, feed, dialOpts{})
	untilState(t, es, "running")
	resumeAt := es.lastID
	es.close()

	// While the spectator is away: the bots frag each other or the idle player, the player's
	// socket is cut (the room pauses), the player comes back by itself, the room runs again.
	var seen []sseEvent
	seen = append(seen, untilState(t, witness, "running")...)
	seen = append(seen, witness.until("frag")...)
	player.cut()
	seen = append(seen, untilState(t, witness, "paused")...)
	seen = append(seen, untilState(t, witness, "running")...)
	var missed []sseEvent
	for _, ev := range seen {
		if ev.Type != "snapshot" && mustAtoi(t, ev.ID) > mustAtoi(t, resumeAt) {
			missed = append(missed, ev)
		}
	}

	back := open(t, feed, dialOpts{header: http.Header{"Last-Event-ID": {resumeAt}}})
	var got []sseEvent
	keyframes := 0
	for last := mustAtoi(t, witness.lastID); ; {
		ev := back.must()
		if ev.Type == "snapshot" {
			keyframes++
		} else if mustAtoi(t, ev.ID) <= last {
			got = append(got, ev)
		}
		if mustAtoi(t, ev.ID) >= last && keyframes > 0 {
			break
		}
	}
	if !slices.Equal(got, missed) {
		t.Fatalf("resumed with\n%v\nwant\n%v", got, missed)
	}
	var states []string
	for _, ev := range got {
		if ev.Type == "status" {
			states = append(states, decode[struct{ State string }](t, ev).State)
		}
	}
	if !slices.Contains(states, "paused") || states[len(states)-1] != "running" {
		t.Fatalf("missed statuses %v, want a pause and running again", states)
	}
}

// untilState reads until a status reports the room in state, and returns what it read.
func untilState(t *testing.T, es *eventSource, state string) []sseEvent {
	t.Helper()
	var evs []sseEvent
	for {
		ev := es.must()
		evs = append(evs, ev)
		if ev.Type == "status" && decode[struct{ State string }](t, ev).State == state {
			return evs
		}
	}
}

func TestCheerReachesPlayersAndSpectators(t *testing.T) {
	addr := startRealServer(t)
	id := createRealRoom(t, addr, `{"seats":2,"bots":1}`)
	cheers := make(chan string, 8)
	joinPlayer(t, addr, id, client.Handler{OnEvents: func(evs []protocol.Event) {
		for _, e := range evs {
			if e.Kind == protocol.EventCheer {
				cheers <- e.Text
			}
		}
	}})
	es := open(t, "http://"+addr+"/rooms/"+id+"/events", dialOpts{})
	untilState(t, es, "running")

	if status, code, _ := post(t, "http://"+addr+"/api/rooms/"+id+"/cheers", `{"text":"🎯"}`, nil); status != http.StatusAccepted {
		t.Fatalf("cheer: %d %s", status, code)
	}
	evs := es.until("cheer")
	if got := decode[struct{ Text string }](t, evs[len(evs)-1]).Text; got != "🎯" {
		t.Fatalf("spectator saw cheer %q", got)
	}
	select {
	case got := <-cheers:
		if got != "🎯" {
			t.Fatalf("player saw cheer %q", got)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the player never got the cheer")
	}
}
