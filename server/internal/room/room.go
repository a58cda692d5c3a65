package room

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/lobby"
	"skirmish/server/internal/metrics"
	"skirmish/server/internal/transport"
)

// publishEvery spaces the directory updates that only carry new scores: every update goes to
// every lobby watcher, so a busy room must not send one per frag.
const publishEvery = 2 * time.Second

// Room is one arena and its seats. Its goroutine (run) owns every field below the line;
// other goroutines reach it only through the bounded command queue and the per-seat input
// queues.
type Room struct {
	id   string
	m    *Manager
	cfg  Config
	cmds chan func()
	done chan struct{} // closed when the room's goroutine has finished

	// curTick mirrors the world's tick for answering pings without a round trip.
	curTick atomic.Uint32

	// ---- owned by the room goroutine ----
	seats     []seat
	world     *game.World
	matches   uint64 // matches started, seeds each match
	inputs    []game.Input
	state     protocol.State
	stateEnds time.Time
	lost      [][]byte // tokens of seats lost after the grace period
	idleSince time.Time
	published time.Time
	scored    bool // frags since the last publish
	kind      string
	tickTime  prometheus.Observer // the tick histogram of the room's kind
	fan       fanout
	status    protocol.Status
	events    []protocol.Event
	closing   bool
	rec       *matchLog // the current match's record; nil when records are off
}

func newRoom(id string, m *Manager, seats, bots int, now time.Time) (*Room, error) {
	cfg := m.cfg
	mp, err := game.LoadMap(cfg.Map)
	if err != nil {
		return nil, err
	}
	r := &Room{
		id:        id,
		m:         m,
		cfg:       cfg,
		cmds:      make(chan func(), 64),
		done:      make(chan struct{}),
		seats:     make([]seat, seats),
		inputs:    make([]game.Input, seats),
		state:     protocol.StateWaiting,
		idleSince: now,
	}
	for i := range r.seats {
		r.seats[i].in = make(chan inputMsg, 4*cfg.MaxBacklog)
	}
	r.world = game.NewWorld(r.gameConfig(mp), mp)
	r.rec = m.records.begin(id, 0, r.world)
	r.fan.init(transport.NewPool(32))
	for i := seats - bots; i < seats; i++ {
		r.seatBot(i, "")
	}
	r.setKind()
	m.metrics.Rooms.WithLabelValues(r.state.String()).Inc()
	return r, nil
}

func (r *Room) gameConfig(mp *game.Map) game.Config {
	cfg := game.DefaultConfig(len(r.seats), r.cfg.TickRate)
	cfg.FragLimit = r.cfg.FragLimit
	cfg.TimeLimit = r.cfg.TimeLimit
	cfg.Seed = seedOf(r.id, r.matches)
	return cfg
}

// ID returns the room's id.
func (r *Room) ID() string { return r.id }

// do runs fn on the room's goroutine. It waits for room in the queue but gives up when ctx
// ends or the room closes, and reports whether fn was queued.
func (r *Room) do(ctx context.Context, fn func()) bool {
	select {
	case r.cmds <- fn:
		return true
	case <-r.done:
		return false
	case <-ctx.Done():
		return false
	}
}

// tryDo queues fn unless the queue is full or the room is closed.
func (r *Room) tryDo(fn func()) bool {
	select {
	case <-r.done:
		return false
	default:
	}
	select {
	case r.cmds <- fn:
		return true
	default:
		return false
	}
}

// run is the room's goroutine: a fixed-step loop against absolute deadlines (tick n is due
// at start + n*period, so sleeping never drifts), with commands handled between ticks.
func (r *Room) run(ctx context.Context) {
	defer close(r.done)
	period := time.Second / time.Duration(r.cfg.TickRate)
	start := time.Now()
	n := int64(1)
	timer := time.NewTimer(period)
	defer timer.Stop()
	r.maybeStart(start)
	for !r.closing {
		select {
		case <-ctx.Done():
			r.shutdown(protocol.CodeGoingAway, "server shutting down")
			return
		case fn := <-r.cmds:
			fn()
		case <-timer.C:
			now := time.Now()
			due := start.Add(time.Duration(n) * period)
			if late := now.Sub(due); late > period {
				r.m.metrics.LateTicks.Inc()
				if late > time.Second {
					// After a stall this long (a suspended process), catching up tick by tick
					// would fast-forward the match; start the schedule afresh instead.
					skipped := int64(late / period)
					r.m.metrics.LateTicks.Add(float64(skipped))
					start, n = now, 0
				}
			}
			r.tick(now)
			n++
			timer.Reset(time.Until(start.Add(time.Duration(n) * period)))
		}
	}
	r.shutdown(protocol.CodeGoingAway, "room closed")
}

// tick advances the room's clock: timers of the life cycle, then one simulation step if the
// match runs, then what observers and the directory see.
func (r *Room) tick(now time.Time) {
	r.expireGrace(now)
	switch r.state {
	case protocol.StateCountdown:
		if !now.Before(r.stateEnds) {
			r.setState(protocol.StateRunning, time.Time{})
		}
	case protocol.StateEnded:
		if !now.Before(r.stateEnds) {
			r.rematch(now)
		}
	}
	if r.state == protocol.StateRunning {
		r.step(now)
	}
	r.m.obs.Snapshot(r.id, r.world, r.state)
	if r.scored && now.Sub(r.published) >= publishEvery {
		r.publish(now)
	}
	if r.idle(now) {
		r.closing = true
	}
	r.tickTime.Observe(time.Since(now).Seconds())
}

// step simulates one tick with one input per held seat and sends the new state to everyone.
func (r *Room) step(now time.Time) {
	for i := range r.seats {
		s := &r.seats[i]
		switch s.kind {
		case seatHuman:
			s.drain()
			r.inputs[i] = s.next(r.cfg.MaxBacklog)
		case seatBot:
			r.inputs[i] = s.bot.Think(r.world)
		default:
			r.inputs[i] = game.Input{}
		}
	}
	r.world.Step(r.inputs)
	r.rec.step(r.world.Tick, r.inputs)
	r.curTick.Store(r.world.Tick)
	if len(r.world.Events) > 0 {
		r.events = r.events[:0]
		for _, e := range r.world.Events {
			r.events = append(r.events, protocol.Event{Kind: protocol.EventKind(e.Kind), Tick: e.Tick, A: int(e.A), B: int(e.B)})
		}
		r.sendEvents(r.events)
	}
	r.broadcastSnapshot()
	if r.world.Over {
		r.rec.end(r.world)
		r.setState(protocol.StateEnded, now.Add(r.cfg.Results))
		return
	}
	for _, e := range r.world.Events {
		r.scored = r.scored || e.Kind == game.EventFrag
	}
}

// idle reports whether the room has had neither a human player nor a spectator for the idle
// time.
func (r *Room) idle(now time.Time) bool {
	for i := range r.seats {
		if r.seats[i].kind == seatHuman {
			r.idleSince = now
			return false
		}
	}
	if now.Sub(r.idleSince) < r.cfg.Idle {
		return false
	}
	if r.m.watch(r.id) > 0 {
		r.idleSince = now
		return false
	}
	return true
}

// shutdown closes every player connection with code and takes the room out of the directory.
func (r *Room) shutdown(code protocol.Code, reason string) {
	for i := range r.seats {
		if c := r.seats[i].conn; c != nil {
			r.detach(i)
			r.m.closeConn(c, code, reason)
		}
	}
	r.fan.release()
	r.rec.end(r.world)
	r.m.metrics.Rooms.WithLabelValues(r.state.String()).Dec()
	r.m.dir.Remove(r.id)
	r.m.obs.Closed(r.id)
	r.m.forget(r.id)
}

// setKind labels the room for the tick histogram by whether humans play here.
func (r *Room) setKind() {
	kind := metrics.KindBotsOnly
	for i := range r.seats {
		if r.seats[i].kind == seatHuman {
			kind = metrics.KindPlayers
		}
	}
	if kind != r.kind || r.tickTime == nil {
		r.kind = kind
		r.tickTime = r.m.metrics.TickSeconds.WithLabelValues(kind)
	}
}

// summary returns the room as the directory shows it.
func (r *Room) summary() lobby.Room {
	info := lobby.Room{
		ID:         r.id,
		State:      r.state.String(),
		Tick:       r.world.Tick,
		Seats:      len(r.seats),
		Players:    []lobby.Player{},
		Spectators: r.m.watch(r.id),
	}
	for i := range r.seats {
		s := &r.seats[i]
		if s.kind == seatFree {
			continue
		}
		info.Players = append(info.Players, lobby.Player{
			Name: s.name, Seat: i, Bot: s.kind == seatBot, Connected: s.kind == seatBot || s.conn != nil,
			Score: int(r.world.Ships[i].Frags),
		})
	}
	return info
}

func (r *Room) publish(now time.Time) {
	r.published, r.scored = now, false
	r.m.dir.Put(r.summary())
}

// sendTo queues a per-connection frame built from one message.
func (r *Room) sendTo(c *transport.Conn, msg protocol.Message) {
	c.SendOwned(transport.NewFrame(opBinary, r.fan.encode(msg)))
}
