package test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"skirmish/client"
	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/record"
	"skirmish/server/internal/ssetest"
)

// chaosFor is how long TestChaos plays: SKIRMISH_CHAOS_FOR (a duration; `make chaos` sets a
// long one), 40 s by default so that `make test` runs a short version.
func chaosFor(t *testing.T) time.Duration {
	if s := os.Getenv("SKIRMISH_CHAOS_FOR"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 20*time.Second {
			t.Fatalf("SKIRMISH_CHAOS_FOR=%q: want a duration of 20s or more", s)
		}
		return d
	}
	return 40 * time.Second
}

// TestChaos plays matches on a server process while cutting players' connections at random
// and stopping the server (SIGTERM and SIGKILL, at least once each) and starting it again. It
// then checks that every match completed, that no input was applied twice, that each room's
// spectator got every frag in order across the restarts and that they add up to the final
// scores, and that the server's goroutines and heap come back to their level after the cuts.
func TestChaos(t *testing.T) {
	t.Parallel() // a long waiter: see the package doc
	span := chaosFor(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	p, s := startProc(t, "-grace", "10s")
	const rooms = 2
	type roomPlay struct {
		id      string
		cuts    []*cutter
		players []*player
		watcher *chaosSpectator
	}
	var all []*roomPlay
	stop := make(chan struct{})
	defer close(stop)
	for range rooms {
		r := &roomPlay{id: s.createRoomAt(`{"seats":4,"bots":2,"timeLimit":30,"fragLimit":100}`)}
		r.watcher = watchChaos(t, s.addr, r.id)
		for _, name := range []string{"ada", "bob"} {
			c := &cutter{}
			pl := s.join(r.id, name, c.dial)
			pl.play(stop)
			r.cuts, r.players = append(r.cuts, c), append(r.players, pl)
		}
		all = append(all, r)
	}
	for _, r := range all {
		r.players[0].waitState(protocol.StateRunning, 0)
	}

	// Chaos: a player's connection cut every two seconds or so; a SIGTERM a third of the way
	// in and a SIGKILL two thirds in, plus more restarts of either kind on a long run.
	var did []string
	start := time.Now()
	term, kill := start.Add(span/3), start.Add(2*span/3)
	for now := start; now.Sub(start) < span; now = time.Now() {
		switch {
		case !term.IsZero() && now.After(term):
			term = time.Time{}
			did = append(did, "SIGTERM")
			p.Stop(syscall.SIGTERM)
			p.Restart()
		case !kill.IsZero() && now.After(kill):
			kill = time.Time{}
			did = append(did, "SIGKILL")
			p.Stop(syscall.SIGKILL)
			p.Restart()
		case span > 2*time.Minute && rng.IntN(60) == 0:
			sig, name := syscall.SIGTERM, "SIGTERM"
			if rng.IntN(2) == 0 {
				sig, name = syscall.SIGKILL, "SIGKILL"
			}
			did = append(did, name)
			p.Stop(sig)
			p.Restart()
		default:
			r := all[rng.IntN(len(all))]
			r.cuts[rng.IntN(len(r.cuts))].cut()
			did = append(did, "cut")
		}
		time.Sleep(time.Duration(1500+rng.IntN(1500)) * time.Millisecond)
	}

	// Calm: everyone plays again. Then a few more cuts must leave nothing behind.
	calm := func() (goroutines, heap float64) {
		for _, r := range all {
			for _, pl := range r.players {
				pl.waitWithin(time.Minute, "the player playing again", func() bool {
					return len(pl.states) > 0 && pl.states[len(pl.states)-1] == client.Connected &&
						len(pl.statuses) > 0 && pl.statuses[len(pl.statuses)-1].State != protocol.StatePaused
				})
			}
		}
		time.Sleep(time.Second)
		return scrapeValue(t, s, "go_goroutines"), scrapeValue(t, s, "go_memstats_heap_inuse_bytes")
	}
	g0, h0 := calm()
	for i := range 6 {
		all[i%len(all)].cuts[i%2].cut()
		time.Sleep(300 * time.Millisecond)
	}
	g1, h1 := calm()
	if g1 > g0+4 || h1 > 1.5*h0+(4<<20) {
		t.Errorf("after cuts the server holds %.0f goroutines and %.1f MiB of heap, against %.0f and %.1f MiB before",
			g1, h1/(1<<20), g0, h0/(1<<20))
	}

	// The end: once each room has finished a match, in the chaos or after it, a last SIGTERM
	// writes every record to its last tick.
	for _, r := range all {
		a := r.players[0]
		a.waitWithin(2*time.Minute, "the end of a match", func() bool {
			return slices.ContainsFunc(a.statuses, func(st protocol.Status) bool { return st.State == protocol.StateEnded })
		})
	}
	p.Stop(syscall.SIGTERM)
	matches, frags := 0, 0
	for _, r := range all {
		kept := r.watcher.finish(t)
		replayed, n := replayRoom(t, s.data, r.id)
		matches += n
		frags += len(replayed)
		if !slices.Equal(kept, replayed) {
			t.Errorf("room %s: the spectator kept %d frags, the records hold %d:\nspectator %v\nrecords   %v",
				r.id, len(kept), len(replayed), kept, replayed)
		}
	}
	t.Logf("chaos for %v: %d actions (%d restarts: %v), %d cuts; %d matches in %d rooms checked, %d frags matched, "+
		"spectator ids rising, no input applied twice; goroutines %.0f -> %.0f, heap %.1f -> %.1f MiB",
		span, len(did), countRestarts(did), restartsOf(did), len(did)-countRestarts(did), matches, rooms, frags,
		g0, g1, h0/(1<<20), h1/(1<<20))
}

func countRestarts(did []string) int { return len(restartsOf(did)) }

func restartsOf(did []string) []string {
	return slices.DeleteFunc(slices.Clone(did), func(s string) bool { return s == "cut" })
}

// fragKey is one frag as the spectator feed and the replays both tell it.
type fragKey struct {
	Tick           uint32
	Killer, Victim int
}

// replayRoom replays every record of a room in match order and returns the frags they hold.
// Every match but the last must have ended; every seat's input seqs must rise, since the Go
// client numbers them across its reconnections and an input applied twice would repeat one.
func replayRoom(t *testing.T, data, room string) ([]fragKey, int) {
	t.Helper()
	var frags []fragKey
	for n := 0; ; n++ {
		rec, err := record.ReadFile(record.Path(data, record.MatchID(room, uint64(n))))
		if os.IsNotExist(err) {
			return frags, n
		}
		if err != nil {
			t.Fatalf("room %s match %d: %v", room, n, err)
		}
		if _, err := os.Stat(record.Path(data, record.MatchID(room, uint64(n+1)))); err == nil && (rec.End == nil || !rec.End.Over) {
			t.Errorf("room %s match %d did not complete: end %+v", room, n, rec.End)
		}
		last := make([]uint32, rec.Header.Config.Seats)
		for _, st := range rec.Frames {
			for _, tick := range st.Inputs {
				for seat, in := range tick {
					if in.Seq == 0 {
						continue
					}
					if in.Seq <= last[seat] {
						t.Errorf("room %s match %d tick %d: seat %d applied seq %d after %d", room, n, st.Tick, seat, in.Seq, last[seat])
					}
					last[seat] = in.Seq
				}
			}
		}
		if _, err := rec.Replay(func(w *game.World, _ []game.Input) {
			for _, e := range w.Events {
				if e.Kind == game.EventFrag {
					frags = append(frags, fragKey{e.Tick, int(e.A), int(e.B)})
				}
			}
		}); err != nil {
			t.Errorf("room %s match %d: %v", room, n, err)
		}
	}
}

// chaosSpectator follows a room's feed through every restart, resuming with Last-Event-ID,
// and keeps the frags it got: on a reset after a crash it forgets those the restored room
// never had.
type chaosSpectator struct {
	mu     sync.Mutex
	frags  []fragKey
	ids    []uint64 // the id of each frag
	last   uint64
	errs   []string
	resets int
	done   chan struct{}
	quit   chan struct{}
}

var validThrough = regexp.MustCompile(`"validThrough":(\d+)`)

func watchChaos(t *testing.T, addr, room string) *chaosSpectator {
	w := &chaosSpectator{done: make(chan struct{}), quit: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			select {
			case <-w.quit:
				return
			default:
			}
			w.follow(t, addr, room)
			time.Sleep(100 * time.Millisecond)
		}
	}()
	return w
}

// follow reads one connection of the feed until it ends.
func (w *chaosSpectator) follow(t *testing.T, addr, room string) {
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/rooms/"+room+"/events", nil)
	w.mu.Lock()
	if w.last > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatUint(w.last, 10))
	}
	w.mu.Unlock()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return // the server is down: try again
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return
	}
	stream := ssetest.Read(t, bufio.NewReader(resp.Body))
	for {
		ev, err := stream.Next(false)
		if err != nil {
			return
		}
		w.take(t, ev)
	}
}

func (w *chaosSpectator) take(t *testing.T, ev ssetest.Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if ev.Type == "reset" {
		m := validThrough.FindStringSubmatch(ev.Data)
		if m == nil {
			w.errs = append(w.errs, "a reset that does not say which events hold: "+ev.Data)
			return
		}
		valid, _ := strconv.ParseUint(m[1], 10, 64)
		cut := len(w.ids)
		for cut > 0 && w.ids[cut-1] > valid {
			cut--
		}
		w.frags, w.ids = w.frags[:cut], w.ids[:cut]
		w.resets++
		return
	}
	id, err := strconv.ParseUint(ev.ID, 10, 64)
	if err != nil {
		w.errs = append(w.errs, fmt.Sprintf("%s event without an id: %q", ev.Type, ev.ID))
		return
	}
	if id <= w.last && ev.Type != "snapshot" && ev.Type != "status" {
		w.errs = append(w.errs, fmt.Sprintf("%s event id %d after id %d", ev.Type, id, w.last))
	}
	w.last = max(w.last, id)
	if ev.Type == "frag" {
		f := ssetest.Decode[struct{ Tick, Killer, Victim int }](t, ev)
		w.frags = append(w.frags, fragKey{uint32(f.Tick), f.Killer, f.Victim})
		w.ids = append(w.ids, id)
	}
}

// finish stops following (the server is stopped) and returns the frags kept.
func (w *chaosSpectator) finish(t *testing.T) []fragKey {
	t.Helper()
	close(w.quit)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, e := range w.errs {
		t.Error("spectator: " + e)
	}
	return w.frags
}

// scrapeValue reads one unlabelled series from the server's /metrics.
func scrapeValue(t *testing.T, s *server, series string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(scrape(t, s, series), 64)
	if err != nil {
		t.Fatalf("%s in /metrics: %v", series, err)
	}
	return v
}
