package room

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"skirmish/game/protocol"
	"skirmish/server/internal/lobby"
	"skirmish/server/internal/metrics"
	"skirmish/server/internal/transport"
)

// fakePeer is a player connection that decodes and keeps everything the room sends it.
type fakePeer struct {
	t      *testing.T
	msgs   []protocol.Message
	keyed  bool // a keyframe has been delivered, so deltas apply
	closed bool
	code   protocol.Code
	reason string
}

func (p *fakePeer) record(f *transport.Frame) {
	p.t.Helper()
	r := bytes.NewReader(f.Bytes())
	h, err := ws.ReadHeader(r)
	if err != nil || h.OpCode != ws.OpBinary {
		p.t.Fatalf("frame %x: header %+v, %v", f.Bytes(), h, err)
	}
	payload, _ := io.ReadAll(r)
	m, err := protocol.Decode(payload)
	if err != nil {
		p.t.Fatalf("decoding what the room sent: %v", err)
	}
	p.msgs = append(p.msgs, m)
}

func (p *fakePeer) Send(f *transport.Frame) {
	if !p.closed {
		p.record(f)
	}
}

func (p *fakePeer) SendOwned(f *transport.Frame) {
	p.Send(f)
	f.Release()
}

func (p *fakePeer) SendSnapshot(key transport.KeySource, delta *transport.Frame, _ uint32) {
	switch {
	case p.closed:
	case p.keyed && delta != nil:
		p.record(delta)
	default:
		p.record(key.Keyframe())
		p.keyed = true
	}
}

func (p *fakePeer) Close(msg *transport.Frame, code uint16, reason string) {
	if msg != nil {
		p.Send(msg)
		msg.Release()
	}
	if !p.closed {
		p.closed, p.code, p.reason = true, protocol.Code(code), reason
	}
}

// last returns the latest message of type T the peer got, if any.
func last[T protocol.Message](p *fakePeer) (T, bool) {
	for i := len(p.msgs) - 1; i >= 0; i-- {
		if m, ok := p.msgs[i].(T); ok {
			return m, true
		}
	}
	var zero T
	return zero, false
}

// types lists the types of the messages the peer got after the first skip.
func (p *fakePeer) types(skip int) []protocol.Type {
	var ts []protocol.Type
	for _, m := range p.msgs[skip:] {
		ts = append(ts, m.Type())
	}
	return ts
}

// observerLog keeps the states a room reports, in order.
type observerLog struct {
	NopObserver
	states []protocol.State
	events []protocol.Event
	closed bool
}

func (o *observerLog) Status(_ string, st *protocol.Status) {
	if n := len(o.states); n == 0 || o.states[n-1] != st.State {
		o.states = append(o.states, st.State)
	}
}

func (o *observerLog) Events(_ string, evs []protocol.Event) { o.events = append(o.events, evs...) }
func (o *observerLog) Closed(string)                         { o.closed = true }

// logSink collects log lines so that a test can fail on an error.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// fixture is one room core on a fake clock.
type fixture struct {
	t          *testing.T
	c          *core
	now        time.Time
	obs        *observerLog
	log        *logSink
	spectators int
}

const testRate = 30

func newFixture(t *testing.T, seats, bots int, tune ...func(*Config)) *fixture {
	t.Helper()
	cfg := Config{
		TickRate:  testRate,
		Grace:     10 * time.Second,
		Countdown: time.Second,
		Results:   2 * time.Second,
		Idle:      time.Minute,
	}
	for _, fn := range tune {
		fn(&cfg)
	}
	f := &fixture{t: t, now: time.Unix(1_700_000_000, 0), obs: &observerLog{}, log: &logSink{}}
	e := env{
		metrics:    metrics.New(),
		obs:        f.obs,
		dir:        lobby.NewMemory(nil),
		spectators: func(string) int { return f.spectators },
		log:        slog.New(slog.NewTextHandler(f.log, nil)),
	}
	c, err := newCore("testroom", cfg.withDefaults(), e, seats, bots, f.now)
	if err != nil {
		t.Fatal(err)
	}
	f.c = c
	c.maybeStart(f.now)
	t.Cleanup(f.checkEdges)
	return f
}

// checkEdges fails the test if the room went through a change of state that the table does
// not have, or refused one.
func (f *fixture) checkEdges() {
	for i := 1; i < len(f.obs.states); i++ {
		from, to := f.obs.states[i-1], f.obs.states[i]
		if !slices.Contains(edges[from], to) {
			f.t.Errorf("the room went %s -> %s, which the life-cycle table does not have (states %v)", from, to, f.obs.states)
		}
	}
	if strings.Contains(f.log.buf.String(), "level=ERROR") {
		f.t.Errorf("the room logged an error:\n%s", f.log.buf.String())
	}
}

// advance runs the room's clock for d, one tick at a time.
func (f *fixture) advance(d time.Duration) {
	period := time.Second / testRate
	for end := f.now.Add(d); f.now.Before(end); {
		f.now = f.now.Add(period)
		f.c.tick(f.now)
	}
}

// until advances the clock until the room is in state s, at most for limit.
func (f *fixture) until(s protocol.State, limit time.Duration) {
	f.t.Helper()
	period := time.Second / testRate
	for end := f.now.Add(limit); f.c.state != s; {
		if !f.now.Before(end) {
			f.t.Fatalf("the room is %s after %v, want %s (states %v)", f.c.state, limit, s, f.obs.states)
		}
		f.now = f.now.Add(period)
		f.c.tick(f.now)
	}
}

// player is a connection seated in the fixture's room.
type player struct {
	*fakePeer
	seat int
	gen  uint64
}

func (f *fixture) join(name, token string) (*player, *refusal) {
	f.t.Helper()
	p := &fakePeer{t: f.t}
	seat, gen, ref := f.c.join(&protocol.Hello{Version: protocol.Version, Name: name, Room: f.c.id, Token: token}, p, f.now)
	return &player{fakePeer: p, seat: seat, gen: gen}, ref
}

func (f *fixture) mustJoin(name string) *player {
	f.t.Helper()
	p, ref := f.join(name, "")
	if ref != nil {
		f.t.Fatalf("%s refused: %d %s", name, ref.code, ref.reason)
	}
	return p
}

func (f *fixture) mustResume(token string) *player {
	f.t.Helper()
	p, ref := f.join("ignored", token)
	if ref != nil {
		f.t.Fatalf("resume refused: %d %s", ref.code, ref.reason)
	}
	return p
}

func (f *fixture) token(p *player) string {
	w, ok := last[*protocol.Welcome](p.fakePeer)
	if !ok {
		f.t.Fatal("no welcome")
	}
	return w.Token
}

// running starts a room of seats seats, the last bots of them bots, seats the named players
// and plays until the match runs.
func running(t *testing.T, seats, bots int, names ...string) (*fixture, []*player) {
	f := newFixture(t, seats, bots, func(c *Config) { c.TimeLimit = 30 * testRate })
	var ps []*player
	for _, n := range names {
		ps = append(ps, f.mustJoin(n))
	}
	f.until(protocol.StateRunning, 5*time.Second)
	return f, ps
}

func (f *fixture) player(seat int) protocol.Player {
	st := f.c.buildStatus(f.now)
	for _, p := range st.Players {
		if p.Seat == seat {
			return p
		}
	}
	return protocol.Player{Seat: -1}
}

func TestStartsWhenEverySeatIsHeld(t *testing.T) {
	f := newFixture(t, 3, 1)
	f.mustJoin("ada")
	f.advance(time.Second)
	if f.c.state != protocol.StateWaiting {
		t.Fatalf("state %s with a seat free, want waiting", f.c.state)
	}
	f.mustJoin("bob")
	if f.c.state != protocol.StateCountdown {
		t.Fatalf("state %s with every seat held, want countdown", f.c.state)
	}
	f.advance(time.Second - time.Second/testRate)
	if f.c.state != protocol.StateCountdown {
		t.Fatalf("state %s before the countdown ran out", f.c.state)
	}
	f.advance(time.Second / testRate)
	if f.c.state != protocol.StateRunning || f.c.world.Tick != 1 {
		t.Fatalf("state %s tick %d after the countdown, want running from tick 1", f.c.state, f.c.world.Tick)
	}
}

func TestWelcomeOrder(t *testing.T) {
	f := newFixture(t, 2, 1)
	a := f.mustJoin("ada")
	want := []protocol.Type{protocol.TypeWelcome, protocol.TypeSnapshot, protocol.TypeStatus}
	if got := a.types(0)[:3]; !slices.Equal(got, want) {
		t.Fatalf("a joining player got %v first, want %v", got, want)
	}
}

func TestStartNowFillsSeatsWithBots(t *testing.T) {
	f := newFixture(t, 4, 0)
	a := f.mustJoin("ada")
	f.c.startNow(f.now)
	if f.c.state != protocol.StateCountdown {
		t.Fatalf("state %s after start now, want countdown", f.c.state)
	}
	for i := range f.c.seats {
		if i != a.seat && f.c.seats[i].kind != seatBot {
			t.Fatalf("seat %d is %d after start now, want a bot", i, f.c.seats[i].kind)
		}
	}
}

func TestLostConnectionPausesTheMatch(t *testing.T) {
	for _, when := range []protocol.State{protocol.StateCountdown, protocol.StateRunning} {
		t.Run(when.String(), func(t *testing.T) {
			f := newFixture(t, 3, 1)
			a := f.mustJoin("ada")
			b := f.mustJoin("bob")
			f.until(when, 5*time.Second)
			f.c.lost(b.seat, b.gen, f.now)
			if f.c.state != protocol.StatePaused {
				t.Fatalf("state %s after a lost connection, want paused", f.c.state)
			}
			st, _ := last[*protocol.Status](a.fakePeer)
			if !slices.Equal(st.Missing, []int{b.seat}) || st.StateEnds != 10_000 {
				t.Fatalf("paused status missing %v ends in %d ms, want [%d] in 10000", st.Missing, st.StateEnds, b.seat)
			}
			tick := f.c.world.Tick
			f.advance(3 * time.Second)
			if f.c.world.Tick != tick {
				t.Fatalf("the world stepped from %d to %d while paused", tick, f.c.world.Tick)
			}
		})
	}
}

func TestResumeAfterLossResyncs(t *testing.T) {
	f, ps := running(t, 3, 1, "ada", "bob")
	b := ps[1]
	f.c.lost(b.seat, b.gen, f.now)
	f.advance(2 * time.Second)
	back := f.mustResume(f.token(b))
	if back.seat != b.seat {
		t.Fatalf("resumed into seat %d, want %d", back.seat, b.seat)
	}
	if got := back.types(0)[:3]; !slices.Equal(got, []protocol.Type{protocol.TypeWelcome, protocol.TypeSnapshot, protocol.TypeStatus}) {
		t.Fatalf("resync sent %v, want welcome, keyframe, status", got)
	}
	if f.c.state != protocol.StateCountdown {
		t.Fatalf("state %s after the lost player came back, want countdown", f.c.state)
	}
	f.until(protocol.StateRunning, 2*time.Second)
	// The old connection's late report of its own end changes nothing.
	f.c.lost(b.seat, b.gen, f.now)
	if f.c.state != protocol.StateRunning {
		t.Fatalf("a stale loss moved the room to %s", f.c.state)
	}
}

func TestGraceExpiryBotStandsInAndTokenReclaims(t *testing.T) {
	f, ps := running(t, 3, 1, "ada", "bob")
	b := ps[1]
	f.c.lost(b.seat, b.gen, f.now)
	f.until(protocol.StateCountdown, 11*time.Second)
	if p := f.player(b.seat); !p.Bot || p.Name != "bob (bot)" {
		t.Fatalf("seat after the grace period: %+v, want bob's bot", p)
	}
	f.until(protocol.StateRunning, 2*time.Second)
	back := f.mustResume(f.token(b))
	if back.seat != b.seat || f.c.state != protocol.StateRunning {
		t.Fatalf("reclaim: seat %d state %s, want seat %d and the match running on", back.seat, f.c.state, b.seat)
	}
	if p := f.player(b.seat); p.Bot || p.Name != "bob" {
		t.Fatalf("seat after the reclaim: %+v, want bob", p)
	}
}

func TestLeaveIsNotLoss(t *testing.T) {
	f, ps := running(t, 3, 1, "ada", "bob")
	b := ps[1]
	f.advance(time.Second)
	frags := f.c.world.Ships[b.seat]
	f.c.leave(b.seat, b.gen, f.now)
	if f.c.state != protocol.StateRunning {
		t.Fatalf("state %s after a player left, want running", f.c.state)
	}
	if !b.closed || b.code != protocol.CodeNormal {
		t.Fatalf("the leaving connection was closed %v with %d, want 1000", b.closed, b.code)
	}
	if p := f.player(b.seat); !p.Bot || p.Name != "bob (bot)" {
		t.Fatalf("seat after leaving: %+v, want bob's bot at once", p)
	}
	if !slices.ContainsFunc(f.obs.events, func(e protocol.Event) bool { return e.Kind == protocol.EventLeft && e.A == b.seat }) {
		t.Fatal("no left event")
	}
	f.advance(time.Second)
	back := f.mustResume(f.token(b))
	if back.seat != b.seat || f.c.state != protocol.StateRunning {
		t.Fatalf("return: seat %d state %s, want seat %d and no countdown", back.seat, f.c.state, b.seat)
	}
	if f.c.world.Ships[b.seat].Frags < frags.Frags {
		t.Fatal("the player's frags were lost while the bot stood in")
	}
}

func TestLeaveBeforeTheMatchKeepsTheSeat(t *testing.T) {
	f := newFixture(t, 3, 0)
	f.mustJoin("ada")
	b := f.mustJoin("bob")
	f.c.leave(b.seat, b.gen, f.now)
	if s := f.c.seats[b.seat]; s.kind != seatFree || f.c.world.Ships[b.seat].Active {
		t.Fatalf("seat after leaving a waiting room: kind %d, want free", s.kind)
	}
	back := f.mustResume(f.token(b))
	if back.seat != b.seat || f.player(b.seat).Name != "bob" {
		t.Fatalf("return took seat %d as %q, want seat %d as bob", back.seat, f.player(back.seat).Name, b.seat)
	}
}

func TestLossBeforeTheMatch(t *testing.T) {
	f := newFixture(t, 3, 0)
	f.mustJoin("ada")
	b := f.mustJoin("bob")
	f.c.lost(b.seat, b.gen, f.now)
	f.mustJoin("cat")
	if f.c.state != protocol.StateWaiting {
		t.Fatalf("state %s with a player lost before the match, want waiting", f.c.state)
	}
	f.advance(11 * time.Second)
	if s := f.c.seats[b.seat]; s.kind != seatFree {
		t.Fatalf("the lost player's seat after the grace period: kind %d, want free", s.kind)
	}
	f.mustResume(f.token(b))
	if f.c.state != protocol.StateCountdown {
		t.Fatalf("state %s with every seat held again, want countdown", f.c.state)
	}
}

func TestJoinInProgress(t *testing.T) {
	for _, when := range []protocol.State{protocol.StateCountdown, protocol.StateRunning, protocol.StatePaused, protocol.StateEnded} {
		t.Run(when.String(), func(t *testing.T) {
			f := newFixture(t, 4, 2, func(c *Config) { c.TimeLimit = 60 })
			a := f.mustJoin("ada")
			b := f.mustJoin("bob")
			f.until(protocol.StateRunning, 5*time.Second)
			f.advance(time.Second)
			if when == protocol.StatePaused {
				f.c.lost(b.seat, b.gen, f.now)
			}
			if when == protocol.StateEnded {
				f.until(protocol.StateEnded, 5*time.Second)
			}
			if when == protocol.StateCountdown {
				f.until(protocol.StateEnded, 5*time.Second)
				f.until(protocol.StateCountdown, 5*time.Second)
			}
			ship := f.c.world.Ships[2]
			c := f.mustJoin("cat")
			if c.seat < 2 || f.c.state != when {
				t.Fatalf("newcomer in %s: seat %d state %s, want a bot's seat and no change of state", when, c.seat, f.c.state)
			}
			if got := f.c.world.Ships[c.seat]; when == protocol.StateRunning && got.Pos == ship.Pos && c.seat == 2 {
				t.Fatal("the newcomer took over the bot's ship instead of a fresh one")
			}
			if f.c.world.Ships[c.seat].Frags != 0 {
				t.Fatal("the newcomer inherited the bot's frags")
			}
			ev, _ := last[*protocol.Events](a.fakePeer)
			if ev == nil || ev.List[0].Kind != protocol.EventJoined || ev.List[0].Text != "cat" {
				t.Fatalf("others were told %+v, want cat joined", ev)
			}
		})
	}
}

func TestRoomFullOfPlayers(t *testing.T) {
	f := newFixture(t, 2, 0)
	f.mustJoin("ada")
	f.mustJoin("bob")
	_, ref := f.join("cat", "")
	if ref == nil || ref.code != protocol.CodeRoomFull || !strings.Contains(ref.reason, "full") {
		t.Fatalf("third player in two seats of players: %+v, want 4505", ref)
	}
}

func TestTokens(t *testing.T) {
	f, ps := running(t, 2, 0, "ada", "bob")
	tok := f.token(ps[1])
	tests := []struct {
		name  string
		token string
		code  protocol.Code
	}{
		{"unknown", strings.Repeat("ab", 16), protocol.CodeBadToken},
		{"one digit off", tok[:31] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", tok[31])+1)%16]), protocol.CodeBadToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ref := f.join("eve", tt.token); ref == nil || ref.code != tt.code {
				t.Fatalf("resume with a token %s: %+v, want %d", tt.name, ref, tt.code)
			}
		})
	}
}

func TestSeatTakenWhileAwayLapsesTheToken(t *testing.T) {
	f, ps := running(t, 2, 0, "ada", "bob")
	b := ps[1]
	f.c.leave(b.seat, b.gen, f.now)
	c := f.mustJoin("cat")
	if c.seat != b.seat {
		t.Fatalf("newcomer took seat %d, want the one bob left (%d)", c.seat, b.seat)
	}
	if _, ref := f.join("bob", f.token(b)); ref == nil || ref.code != protocol.CodeSeatLost {
		t.Fatalf("bob's return after his seat was taken: %+v, want 4508", ref)
	}
}

func TestReplacedConnection(t *testing.T) {
	f, ps := running(t, 2, 1, "ada")
	a := ps[0]
	tok := f.token(a)
	a2 := f.mustResume(tok)
	if !a.closed || a.code != protocol.CodeReplaced {
		t.Fatalf("the older connection: closed %v code %d, want 4000", a.closed, a.code)
	}
	if a2.seat != a.seat || f.c.state != protocol.StateRunning {
		t.Fatalf("the newer connection holds seat %d in state %s, want %d running", a2.seat, f.c.state, a.seat)
	}
	// The replaced connection's inputs and its end are ignored.
	f.c.input(a.seat, a.gen, protocol.Input{Seq: 50, Buttons: 1})
	f.c.lost(a.seat, a.gen, f.now)
	if f.c.state != protocol.StateRunning || len(f.c.seats[a.seat].inputs.queue) != 0 {
		t.Fatalf("the replaced connection still counts: state %s, queue %v", f.c.state, f.c.seats[a.seat].inputs.queue)
	}
}

func TestInputsReachTheShip(t *testing.T) {
	f, ps := running(t, 2, 1, "ada")
	a := ps[0]
	for seq := uint32(1); seq <= 5; seq++ {
		f.c.input(a.seat, a.gen, protocol.Input{Seq: seq, Buttons: uint8(1 << 3)})
		f.advance(time.Second / testRate)
	}
	if got := f.c.world.Ships[a.seat].LastSeq; got != 5 {
		t.Fatalf("last applied seq %d, want 5", got)
	}
	var lastSeq int64
	for _, m := range a.msgs {
		switch m := m.(type) {
		case *protocol.Snapshot:
			lastSeq = m.Ships[a.seat][protocol.ShipLastSeq]
		case *protocol.Delta:
			if m.Ships != nil {
				lastSeq = max(lastSeq, 1)
			}
		}
	}
	if lastSeq == 0 {
		t.Fatal("the player never saw its inputs applied")
	}
}

func TestMatchEndsAndRematches(t *testing.T) {
	f, ps := running(t, 2, 1, "ada")
	a := ps[0]
	f.until(protocol.StateEnded, 31*time.Second)
	st, _ := last[*protocol.Status](a.fakePeer)
	if st.State != protocol.StateEnded || len(st.Results) != 2 || st.StateEnds != 2000 {
		t.Fatalf("end status %+v, want results for two for 2 s", st)
	}
	f.until(protocol.StateCountdown, 3*time.Second)
	if f.c.world.Tick != 0 || f.c.matches != 1 || f.c.seats[a.seat].peer == nil {
		t.Fatalf("rematch: tick %d matches %d, want a fresh match with the same seats", f.c.world.Tick, f.c.matches)
	}
	f.until(protocol.StateRunning, 2*time.Second)
}

func TestLossOnTheResultsScreenPausesTheRematch(t *testing.T) {
	f, ps := running(t, 2, 1, "ada")
	a := ps[0]
	f.until(protocol.StateEnded, 31*time.Second)
	f.c.lost(a.seat, a.gen, f.now)
	if f.c.state != protocol.StateEnded {
		t.Fatalf("state %s after a loss on the results screen, want ended", f.c.state)
	}
	f.until(protocol.StatePaused, 3*time.Second)
	f.mustResume(f.token(a))
	if f.c.state != protocol.StateCountdown {
		t.Fatalf("state %s after the player is back, want countdown", f.c.state)
	}
}

func TestUniqueNames(t *testing.T) {
	f := newFixture(t, 4, 0)
	var names []string
	for _, n := range []string{"ada", "ada", "ada", "sixteen-chars-xx"} {
		p := f.mustJoin(n)
		names = append(names, f.player(p.seat).Name)
	}
	f2 := newFixture(t, 2, 0)
	f2.mustJoin("sixteen-chars-xx")
	names = append(names, f2.player(f2.mustJoin("sixteen-chars-xx").seat).Name)
	want := []string{"ada", "ada 2", "ada 3", "sixteen-chars-xx", "sixteen-chars- 2"}
	if !slices.Equal(names, want) {
		t.Fatalf("names %q, want %q", names, want)
	}
}

func TestIdleRoomCloses(t *testing.T) {
	f := newFixture(t, 2, 0)
	a := f.mustJoin("ada")
	f.advance(2 * time.Minute)
	f.c.leave(a.seat, a.gen, f.now)
	f.spectators = 3 // spectators alone do not keep a room alive
	closing := false
	for range 59 {
		f.now = f.now.Add(time.Second)
		closing = closing || f.c.tick(f.now)
	}
	if closing {
		t.Fatal("a room closed before its idle time ran out since its last player left")
	}
	f.now = f.now.Add(time.Second)
	if !f.c.tick(f.now) {
		t.Fatal("a room without players did not close after its idle time")
	}
}

func TestShutdownClosesPlayers(t *testing.T) {
	f, ps := running(t, 2, 1, "ada")
	a := ps[0]
	f.c.shutdown(protocol.CodeGoingAway, "server shutting down")
	if !a.closed || a.code != protocol.CodeGoingAway || !f.obs.closed {
		t.Fatalf("after shutdown: player closed %v code %d, observer told %v", a.closed, a.code, f.obs.closed)
	}
	if _, ok := f.c.env.dir.Get(f.c.id); ok {
		t.Fatal("the closed room is still in the directory")
	}
}

func TestIllegalEdgesAreRefused(t *testing.T) {
	all := []protocol.State{protocol.StateWaiting, protocol.StateCountdown, protocol.StateRunning, protocol.StatePaused, protocol.StateEnded}
	for _, from := range all {
		for _, to := range all {
			t.Run(fmt.Sprintf("%s to %s", from, to), func(t *testing.T) {
				f := newFixture(t, 2, 2)
				f.c.state = from
				f.obs.states = nil
				ok := f.c.enter(to, time.Time{}, f.now)
				legal := slices.Contains(edges[from], to)
				if ok != legal || (legal && f.c.state != to) || (!legal && f.c.state != from) {
					t.Fatalf("enter %s from %s: %v, state %s; legal %v", to, from, ok, f.c.state, legal)
				}
				if !legal {
					f.log.buf.Reset() // the refusal is logged as an error, which is what this case wants
					f.obs.states = nil
				}
			})
		}
	}
}

// TestKeyframeOnlyWhenNeeded checks that a tick whose players all take the delta encodes no
// keyframe, that a newcomer still gets one of the state it joins, and that the room lets go
// of a keyframe once a newer tick made it stale.
func TestKeyframeOnlyWhenNeeded(t *testing.T) {
	f, _ := running(t, 3, 1, "ada", "bob")
	f.advance(time.Second)
	if f.c.fan.key != nil {
		t.Fatal("a tick of players who all had the previous one encoded a keyframe")
	}
	c := f.mustJoin("cat")
	snap, ok := last[*protocol.Snapshot](c.fakePeer)
	if !ok {
		t.Fatal("the newcomer got no keyframe")
	}
	var want protocol.Snapshot
	want.Fill(f.c.world, f.c.state)
	if snap.Tick != want.Tick || !slices.Equal(snap.Ships, want.Ships) || !slices.Equal(snap.Projectiles, want.Projectiles) {
		t.Fatalf("the newcomer's keyframe is of tick %d with %v, want tick %d with %v", snap.Tick, snap.Ships, want.Tick, want.Ships)
	}
	f.advance(time.Second / testRate)
	if got := c.types(0); slices.Contains(got[len(got)-1:], protocol.TypeDelta) {
		t.Fatalf("the tick after a join sent a delta to the newcomer (%v), want a keyframe to all", got)
	}
	if f.c.fan.key == nil {
		t.Fatal("the keyframe of the tick after a join was not kept for the rest of that tick")
	}
	f.advance(time.Second / testRate)
	if f.c.fan.key != nil {
		t.Fatal("the room still holds a keyframe of an earlier tick, which no one will be sent")
	}
}
