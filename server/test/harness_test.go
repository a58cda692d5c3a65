package test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"skirmish/client"
	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
	"skirmish/server/internal/room"
	"skirmish/server/internal/transport"
	"skirmish/server/servertest"
)

// waitTimeout bounds every wait for something the server should do; generous because the
// machine is shared, and never an assertion on speed.
const waitTimeout = 15 * time.Second

// server is a real server on a loopback port with short timers.
type server struct {
	t    *testing.T
	addr string
	data string // the -data directory
	rec  *recorder
}

// tuning adjusts a test server's options.
type tuning func(cfg *config.Config, opts *app.Options)

func startServer(t *testing.T, tune ...tuning) *server {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.TickRate = 60
	cfg.Grace = 30 * time.Second
	cfg.DataDir = t.TempDir()
	rec := newRecorder()
	opts := app.Options{Room: quickRooms(), Observer: rec, Logger: testLogger()}
	for _, f := range tune {
		f(&cfg, &opts)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := app.Start(ctx, cfg, opts)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		<-s.Done()
	})
	return &server{t: t, addr: s.Addr().String(), data: cfg.DataDir, rec: rec}
}

// quickRooms is the room tuning of test servers: short countdowns and results, and
// connections that notice a loss within seconds.
func quickRooms() room.Config {
	return room.Config{
		Countdown: 100 * time.Millisecond,
		Results:   200 * time.Millisecond,
		Conn: transport.Options{
			PingInterval:   200 * time.Millisecond,
			ReadTimeout:    2 * time.Second,
			WriteTimeout:   500 * time.Millisecond,
			GoroutineReads: goroutineReads,
		},
	}
}

func (s *server) url() string { return "ws://" + s.addr + "/ws" }

// startProc runs the server's binary (servertest) and returns it with a harness view of it
// for joining players, for the tests that stop and restart the server as a host does.
func startProc(t *testing.T, args ...string) (*servertest.Server, *server) {
	p := servertest.Start(t, args...)
	return p, &server{t: t, addr: p.Addr, data: p.Data}
}

func TestMain(m *testing.M) {
	code := m.Run()
	servertest.Cleanup()
	os.Exit(code)
}

// createRoom creates a room through the API and returns its id.
func (s *server) createRoom(seats, bots int) string {
	s.t.Helper()
	body := fmt.Sprintf(`{"seats":%d,"bots":%d}`, seats, bots)
	resp, err := http.Post("http://"+s.addr+"/api/rooms", "application/json", bytes.NewBufferString(body))
	if err != nil {
		s.t.Fatalf("create room: %v", err)
	}
	defer resp.Body.Close()
	var out struct{ ID string }
	if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&out) != nil {
		s.t.Fatalf("create room: status %d", resp.StatusCode)
	}
	return out.ID
}

// player is a client connection that records what it receives.
type player struct {
	t  *testing.T
	c  *client.Client
	mu sync.Mutex

	welcomes []protocol.Welcome
	ticks    []uint32 // tick of every snapshot, in order
	keyTicks []uint32 // tick of every keyframe, in order
	lastSeq  uint32   // own ship's last applied input seq, from the latest snapshot
	statuses []protocol.Status
	events   []protocol.Event
	states   []client.ConnState
	errs     []protocol.Error
}

func (s *server) join(roomID, name string, tune ...func(*client.Config)) *player {
	s.t.Helper()
	cfg := client.Config{URL: s.url(), Room: roomID, Name: name, Backoff: client.Backoff{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond}, ReadTimeout: 4 * time.Second}
	for _, f := range tune {
		f(&cfg)
	}
	p := &player{t: s.t}
	p.c = client.Start(context.Background(), cfg, client.Handler{
		OnState: func(st client.ConnState, _ error) {
			p.mu.Lock()
			p.states = append(p.states, st)
			p.mu.Unlock()
		},
		OnWelcome: func(w *protocol.Welcome) {
			p.mu.Lock()
			p.welcomes = append(p.welcomes, *w)
			p.mu.Unlock()
		},
		OnSnapshot: func(sn *protocol.Snapshot, key bool) {
			p.mu.Lock()
			p.ticks = append(p.ticks, sn.Tick)
			if key {
				p.keyTicks = append(p.keyTicks, sn.Tick)
			}
			if n := len(p.welcomes); n > 0 {
				p.lastSeq = uint32(sn.Ships[p.welcomes[n-1].Seat][protocol.ShipLastSeq])
			}
			p.mu.Unlock()
		},
		OnStatus: func(st *protocol.Status) {
			cp := *st
			cp.Players = slices.Clone(st.Players)
			cp.Missing = slices.Clone(st.Missing)
			cp.Results = slices.Clone(st.Results)
			p.mu.Lock()
			p.statuses = append(p.statuses, cp)
			p.mu.Unlock()
		},
		OnEvents: func(evs []protocol.Event) {
			p.mu.Lock()
			p.events = append(p.events, evs...)
			p.mu.Unlock()
		},
		OnError: func(e *protocol.Error) {
			p.mu.Lock()
			p.errs = append(p.errs, *e)
			p.mu.Unlock()
		},
	})
	s.t.Cleanup(p.c.Close)
	return p
}

// seat returns the seat of the latest welcome, waiting for one.
func (p *player) seat() int {
	p.t.Helper()
	var seat int
	p.waitFor("a welcome", func() bool {
		if len(p.welcomes) == 0 {
			return false
		}
		seat = p.welcomes[len(p.welcomes)-1].Seat
		return true
	})
	return seat
}

// waitFor polls cond (called with p.mu held) until it holds.
func (p *player) waitFor(what string, cond func() bool) {
	p.t.Helper()
	p.waitWithin(waitTimeout, what, cond)
}

// waitWithin is waitFor with a deadline of its own, for what takes a match's length.
func (p *player) waitWithin(limit time.Duration, what string, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		p.mu.Lock()
		ok := cond()
		p.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.t.Fatalf("timed out waiting for %s; statuses %v, %d snapshots, errors %v", what, p.statusStates(), len(p.ticks), p.errs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitState waits for a status in state st after the first `after` statuses, and returns its index.
func (p *player) waitState(st protocol.State, after int) int {
	p.t.Helper()
	idx := -1
	p.waitFor("state "+st.String(), func() bool {
		for i := after; i < len(p.statuses); i++ {
			if p.statuses[i].State == st {
				idx = i
				return true
			}
		}
		return false
	})
	return idx
}

func (p *player) lastStatus() protocol.Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.statuses[len(p.statuses)-1]
}

func (p *player) statusCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.statuses)
}

func (p *player) statusStates() []string {
	var out []string
	for _, s := range p.statuses {
		out = append(out, s.State.String())
	}
	return out
}

func (p *player) tickCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.ticks)
}

// play sends one input per snapshot received until stop is closed.
func (p *player) play(stop <-chan struct{}) {
	go func() {
		seen := 0
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			if n := p.tickCount(); n > seen {
				seen = n
				_, _ = p.c.Input(uint8(game.ButtonRight|game.ButtonFire), 100, 0)
			}
		}
	}()
}

// closeErr waits for the client to stop and returns the server's close code.
func (p *player) closeErr() *client.CloseError {
	p.t.Helper()
	select {
	case <-p.c.Done():
	case <-time.After(waitTimeout):
		p.t.Fatal("client did not stop")
	}
	ce, ok := p.c.Err().(*client.CloseError)
	if !ok {
		p.t.Fatalf("client stopped with %v, want a close from the server", p.c.Err())
	}
	return ce
}

// recorder is an Observer that keeps the hash of the world at every tick the room shows.
type recorder struct {
	mu     sync.Mutex
	hashes map[string][]tickHash
}

type tickHash struct {
	tick  uint32
	hash  uint64
	state protocol.State
}

func newRecorder() *recorder { return &recorder{hashes: make(map[string][]tickHash)} }

func (r *recorder) Snapshot(id string, w *game.World, st protocol.State) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hashes[id] = append(r.hashes[id], tickHash{w.Tick, w.Hash(), st})
}

func (r *recorder) Status(string, *protocol.Status) {}
func (r *recorder) Events(string, []protocol.Event) {}
func (r *recorder) Closed(string)                   {}

func (r *recorder) get(id string) []tickHash {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.hashes[id])
}

// testLogger discards the server's log unless SKIRMISH_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("SKIRMISH_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
