package test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
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
	t       *testing.T
	addr    string
	metrics string // the address of /metrics when it has one of its own
	data    string // the -data directory
	rec     *recorder
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
	opts := app.Options{Room: quickRooms(), Observer: rec, Logger: testLogger(), Overloaded: neverOverloaded}
	if overTLS {
		cert := testCert(t)
		cfg.TLSCert, cfg.TLSKey = cert.certFile, cert.keyFile
	}
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
	srv := &server{t: t, addr: s.Addr().String(), data: cfg.DataDir, rec: rec}
	if a := s.MetricsAddr(); a != nil {
		srv.metrics = a.String()
	}
	return srv
}

// neverOverloaded stands in for the server's headroom monitor, which measures the whole
// process: in these tests that holds the clients and often other servers too. The tests of
// overload decide it themselves.
func neverOverloaded() bool { return false }

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

func (s *server) url() string { return wsURL(s.addr) }

// wsURL is the player endpoint at addr (the server's, or a proxy's in front of it).
func wsURL(addr string) string {
	if overTLS {
		return "wss://" + addr + "/ws"
	}
	return "ws://" + addr + "/ws"
}

// base is the server's URL for HTTP requests.
func (s *server) base() string {
	if overTLS {
		return "https://" + s.addr
	}
	return "http://" + s.addr
}

// overTLS makes the test servers speak https and wss on their port with testCert, which the
// tests' clients trust (clientTLS, httpClient): a TLS connection is read by a goroutine of its
// own, the fallback of rooms that read their players themselves.
var overTLS bool

// testCert is the test process's certificate for 127.0.0.1, made once.
func testCert(t *testing.T) *certFiles {
	t.Helper()
	c, err := makeTestCert()
	if err != nil {
		t.Fatalf("test certificate: %v", err)
	}
	return c
}

type certFiles struct {
	certFile, keyFile string
	roots             *x509.CertPool
}

// testCertDir holds testCert's files until the tests end; empty until it is made.
var testCertDir string

var makeTestCert = sync.OnceValues(func() (*certFiles, error) {
	dir, err := os.MkdirTemp("", "skirmish-test-cert")
	if err != nil {
		return nil, err
	}
	testCertDir = dir
	c := &certFiles{}
	c.certFile, c.keyFile, c.roots, err = writeSelfSigned(dir)
	return c, err
})

// clientTLS is the TLS configuration of the tests' WebSocket clients; nil unless overTLS.
func clientTLS() *tls.Config {
	if !overTLS {
		return nil
	}
	c, err := makeTestCert()
	if err != nil {
		return nil
	}
	return &tls.Config{RootCAs: c.roots, NextProtos: []string{"http/1.1"}}
}

// httpClient is the tests' HTTP client, which trusts testCert when overTLS.
func httpClient() *http.Client {
	if !overTLS {
		return http.DefaultClient
	}
	return tlsClient()
}

// tlsClient is one client for every request over TLS, so that they share its connections.
var tlsClient = sync.OnceValue(func() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: clientTLS(), ForceAttemptHTTP2: true}}
})

// startProc runs the server's binary (servertest) and returns it with a harness view of it
// for joining players, for the tests that stop and restart the server as a host does.
func startProc(t *testing.T, args ...string) (*servertest.Server, *server) {
	p := servertest.Start(t, args...)
	return p, &server{t: t, addr: p.Addr, data: p.Data}
}

func TestMain(m *testing.M) {
	code := m.Run()
	servertest.Cleanup()
	if testCertDir != "" {
		_ = os.RemoveAll(testCertDir)
	}
	os.Exit(code)
}

// createRoom creates a room through the API and returns its id.
func (s *server) createRoom(seats, bots int) string {
	s.t.Helper()
	return s.createRoomFrom(fmt.Sprintf(`{"seats":%d,"bots":%d}`, seats, bots))
}

// createRoomFrom creates a room with the request body and returns its id.
func (s *server) createRoomFrom(body string) string {
	s.t.Helper()
	resp, err := httpClient().Post(s.base()+"/api/rooms", "application/json", bytes.NewBufferString(body))
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
	cfg := client.Config{URL: s.url(), Room: roomID, Name: name, Backoff: client.Backoff{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond}, ReadTimeout: 4 * time.Second,
		TLS: clientTLS()}
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

// lastTick returns the tick of the newest snapshot received, 0 before any.
func (p *player) lastTick() uint32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.ticks) == 0 {
		return 0
	}
	return p.ticks[len(p.ticks)-1]
}

// play sends one input per snapshot received until stop is closed, seeing the others a few
// ticks late so that its shots are compensated for lag.
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
				view := max(p.lastTick(), 3) - 3
				_, _ = p.c.SendInput(protocol.Input{Buttons: uint8(game.ButtonRight | game.ButtonFire), AimX: 100, View: view})
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

// bystander is a player in a running room of its own, beside whatever a test attacks: its
// room must keep its tick rate through the attack.
type bystander struct {
	s    *server
	p    *player
	rate int // the server's tick rate
}

func (s *server) bystander(tickRate int) *bystander {
	s.t.Helper()
	// A long match, whatever the test's own: the room must step all through the attack.
	id := s.createRoomFrom(`{"seats":2,"bots":1,"timeLimit":600}`)
	p := s.join(id, "bystander")
	p.waitState(protocol.StateRunning, 0)
	return &bystander{s: s, p: p, rate: tickRate}
}

// lastTick returns the tick of the newest snapshot.
func (b *bystander) lastTick() uint32 {
	b.p.mu.Lock()
	defer b.p.mu.Unlock()
	if len(b.p.ticks) == 0 {
		return 0
	}
	return b.p.ticks[len(b.p.ticks)-1]
}

// during runs attack and fails t (the test or subtest that attacks) unless the bystander's
// room stepped at no less than three quarters of its tick rate meanwhile (the margin is for a
// loaded test machine; a starved server falls far below it).
func (b *bystander) during(t *testing.T, attack func()) {
	t.Helper()
	start, t0 := b.lastTick(), time.Now()
	attack()
	// An attack that ends quickly still gets a second of ticks to measure.
	if rest := time.Second - time.Since(t0); rest > 0 {
		time.Sleep(rest)
	}
	end, elapsed := b.lastTick(), time.Since(t0)
	if got, want := float64(end-start)/elapsed.Seconds(), 0.75*float64(b.rate); got < want {
		t.Fatalf("the bystander's room stepped %.1f times a second during the attack, want at least %.0f", got, want)
	}
}

// resources is what the test process (server and clients) holds: goroutines and heap.
type resources struct {
	goroutines int
	heap       uint64
}

func measure() resources {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return resources{goroutines: runtime.NumGoroutine(), heap: ms.HeapInuse}
}

// settles waits until goroutines and heap are back to the baseline (within a few goroutines
// of the test's own and 8 MiB of heap) and fails the test if they never are.
func (base resources) settles(t *testing.T) {
	t.Helper()
	const goroutineSlack, heapSlack = 5, 8 << 20
	deadline := time.Now().Add(waitTimeout)
	for {
		now := measure()
		if now.goroutines <= base.goroutines+goroutineSlack && now.heap <= base.heap+heapSlack {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("resources did not return to the baseline: %d goroutines (baseline %d), %d MiB heap (baseline %d MiB)",
				now.goroutines, base.goroutines, now.heap>>20, base.heap>>20)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
