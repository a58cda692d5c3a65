package room

import (
	"log/slog"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/lobby"
	"skirmish/server/internal/metrics"
	"skirmish/server/internal/record"
	"skirmish/server/internal/transport"
)

// publishEvery spaces the directory updates that only carry new scores: every update goes to
// every lobby watcher, so a busy room must not send one per frag.
const publishEvery = 2 * time.Second

// env is what a room's core reaches outside itself. Every call is made on the room's
// goroutine and must not block.
type env struct {
	metrics    *metrics.Metrics
	obs        Observer
	dir        lobby.Directory
	spectators func(room string) int
	records    *record.Writer // nil: no match records and no checkpoints
	feeds      FeedStore      // nil: spectator feeds start afresh after a restart
	fleet      Fleet          // nil outside a fleet
	log        *slog.Logger
}

// core is one room: its seats, its life-cycle state, its world and every transition between
// them (see the package doc). Its methods run on one goroutine, with the time passed in.
type core struct {
	id  string
	cfg Config
	env env

	seats     []seat
	world     *game.World
	matches   uint64 // matches started, seeds each match
	inputs    []game.Input
	state     protocol.State
	stateEnds time.Time // when the countdown or the results end; zero otherwise
	lapsed    [][]byte  // tokens whose seats went to newcomers: a resume with one gets 4508
	idleSince time.Time
	published time.Time
	scored    bool // frags since the last publish
	kind      string
	tickTime  prometheus.Observer // the tick histogram of the room's kind
	fan       fanout
	status    protocol.Status
	events    []protocol.Event
	rec       *record.Match // the current match's record; nil when records are off
	lease     Lease         // the room's lease in a fleet; nil outside one
	recSeats  []recSeat     // what the record last said of each seat's driver
	closed    bool          // the room has shut down
}

// newCore returns a waiting room of seats seats, the last bots of them held by bots.
func newCore(id string, cfg Config, e env, seats, bots int, now time.Time) (*core, error) {
	mp, err := game.LoadMap(cfg.Map)
	if err != nil {
		return nil, err
	}
	c := &core{
		id:        id,
		cfg:       cfg,
		env:       e,
		seats:     make([]seat, seats),
		inputs:    make([]game.Input, seats),
		state:     protocol.StateWaiting,
		idleSince: now,
	}
	c.world = game.NewWorld(c.gameConfig(mp), mp)
	c.beginRecord(now)
	c.fan.init()
	for i := seats - bots; i < seats; i++ {
		c.seatBot(i)
	}
	c.setKind()
	e.metrics.Rooms.WithLabelValues(c.state.String()).Inc()
	return c, nil
}

func (c *core) gameConfig(mp *game.Map) game.Config {
	cfg := game.DefaultConfig(len(c.seats), c.cfg.TickRate)
	cfg.FragLimit = c.cfg.FragLimit
	cfg.TimeLimit = c.cfg.TimeLimit
	cfg.Seed = seedOf(c.id, c.matches)
	cfg.Rewind = game.RewindTicks(int(c.cfg.MaxRewind.Milliseconds()), c.cfg.TickRate)
	return cfg
}

// tick advances the room's clock to now: the timers of the life cycle, then one simulation
// step if the match runs, then what observers and the directory see. It reports whether the
// room should close (idle for too long).
func (c *core) tick(now time.Time) bool {
	c.expireGrace(now)
	switch c.state {
	case protocol.StateCountdown:
		if !now.Before(c.stateEnds) {
			c.enter(protocol.StateRunning, time.Time{}, now)
		}
	case protocol.StateEnded:
		if !now.Before(c.stateEnds) {
			c.rematch(now)
		}
	}
	if c.state == protocol.StateRunning {
		c.step(now)
	}
	c.env.obs.Snapshot(c.id, c.world, c.state)
	if c.scored && now.Sub(c.published) >= publishEvery {
		c.publish(now)
	}
	return c.idle(now)
}

// step simulates one tick with one input per held seat and sends the new state to everyone.
func (c *core) step(now time.Time) {
	c.recordSeats()
	policy := newInputPolicy(c.cfg.MaxBacklog, c.cfg.TickRate)
	for i := range c.seats {
		s := &c.seats[i]
		switch s.kind {
		case seatHuman:
			c.inputs[i] = s.inputs.next(policy, &c.world.Ships[i])
		case seatBot:
			c.inputs[i] = s.bot.Think(c.world)
		default:
			c.inputs[i] = game.Input{}
		}
	}
	c.world.Step(c.inputs)
	c.rec.Step(c.world, c.inputs)
	if len(c.world.Events) > 0 {
		c.events = c.events[:0]
		for _, e := range c.world.Events {
			c.events = append(c.events, protocol.Event{Kind: protocol.EventKind(e.Kind), Tick: e.Tick, A: int(e.A), B: int(e.B)})
			c.scored = c.scored || e.Kind == game.EventFrag
		}
		c.sendEvents(c.events)
	}
	c.broadcastSnapshot()
	if c.world.Over {
		c.endMatch(now)
	}
}

// idle reports whether the room has had no human player for the idle time. Spectators alone
// do not keep it: a room of bots that anyone can watch would otherwise be a standing load.
func (c *core) idle(now time.Time) bool {
	if c.humans() > 0 {
		c.idleSince = now
		return false
	}
	return now.Sub(c.idleSince) >= c.cfg.Idle
}

// humans counts the seats held by players, connected or awaited.
func (c *core) humans() int {
	n := 0
	for i := range c.seats {
		if c.seats[i].kind == seatHuman {
			n++
		}
	}
	return n
}

// shutdown closes the room for good: every player connection with code and reason, the
// match record, the checkpoint; the room leaves the directory. The core does nothing after
// it.
func (c *core) shutdown(code protocol.Code, reason string) {
	if c.closed {
		return
	}
	c.disconnect(code, reason)
	c.rec.End(c.world)
	if c.env.records != nil && c.lease == nil {
		c.env.records.Remove(checkpointFile(c.id))
	}
	// In a fleet, removing the room from the directory also gives up its lease and its
	// checkpoint in the fleet's store.
	c.env.dir.Remove(c.id)
	c.env.obs.Closed(c.id)
}

// suspend stops the room for a restart of the server: a last checkpoint, then every player
// connection closed with code and reason (they reconnect, and find the room restored). The
// record stays open for the restored room to go on with. The core does nothing after it.
func (c *core) suspend(now time.Time, code protocol.Code, reason string) {
	if c.closed {
		return
	}
	c.saveCheckpoint(now, true)
	c.disconnect(code, reason)
	if c.lease != nil {
		// The lease expires, and another node brings the room back from the checkpoint.
		c.lease.Abandon()
	}
}

// disconnect closes every player connection and marks the core closed.
func (c *core) disconnect(code protocol.Code, reason string) {
	c.closed = true
	for i := range c.seats {
		if p := c.seats[i].peer; p != nil {
			c.detach(i)
			closePeer(p, code, reason)
		}
	}
	c.fan.release()
	c.env.metrics.Rooms.WithLabelValues(c.state.String()).Dec()
}

// setKind labels the room for the tick histogram by whether humans play here.
func (c *core) setKind() {
	kind := metrics.KindBotsOnly
	if c.humans() > 0 {
		kind = metrics.KindPlayers
	}
	if kind != c.kind || c.tickTime == nil {
		c.kind = kind
		c.tickTime = c.env.metrics.TickSeconds.WithLabelValues(kind)
	}
}

// summary returns the room as the directory shows it.
func (c *core) summary() lobby.Room {
	info := lobby.Room{
		ID:         c.id,
		State:      c.state.String(),
		Tick:       c.world.Tick,
		Seats:      len(c.seats),
		Players:    []lobby.Player{},
		Spectators: c.env.spectators(c.id),
		Map:        c.world.Map.Name,
		FragLimit:  c.world.Config.FragLimit,
		TimeLimit:  c.world.Config.TimeLimit / c.world.Config.TickRate,
		BotLevel:   c.cfg.BotLevel.String(),
	}
	for i := range c.seats {
		s := &c.seats[i]
		if s.kind == seatFree {
			continue
		}
		info.Players = append(info.Players, lobby.Player{
			Name: c.displayName(i), Seat: i, Bot: s.kind == seatBot, Connected: s.connected(),
			Score: int(c.world.Ships[i].Frags),
		})
	}
	return info
}

func (c *core) publish(now time.Time) {
	c.published, c.scored = now, false
	c.env.dir.Put(c.summary())
}

// changed tells players, observers and the directory about a new state or roster.
func (c *core) changed(now time.Time) {
	st := c.buildStatus(now)
	f := c.fan.status(st)
	c.broadcast(f)
	f.Release()
	c.env.obs.Status(c.id, st)
	c.publish(now)
}

// buildStatus fills the room's reused Status for now.
func (c *core) buildStatus(now time.Time) *protocol.Status {
	st := &c.status
	st.State = c.state
	ends := c.stateEnds
	if c.state == protocol.StatePaused {
		ends = c.graceEnds()
	}
	st.StateEnds = 0
	if !ends.IsZero() {
		st.StateEnds = max(ends.Sub(now).Milliseconds(), 0)
	}
	st.Players, st.Missing, st.Results = st.Players[:0], st.Missing[:0], st.Results[:0]
	for i := range c.seats {
		s := &c.seats[i]
		if s.kind == seatFree {
			continue
		}
		ship := &c.world.Ships[i]
		st.Players = append(st.Players, protocol.Player{
			Seat: i, Name: c.displayName(i), Bot: s.kind == seatBot, Connected: s.connected(),
			Frags: int(ship.Frags), Deaths: int(ship.Deaths),
		})
		if s.awaited() && c.state == protocol.StatePaused {
			st.Missing = append(st.Missing, i)
		}
	}
	if c.state == protocol.StateEnded {
		for _, res := range c.world.Results() {
			st.Results = append(st.Results, protocol.Result{Seat: res.Seat, Frags: int(res.Frags), Deaths: int(res.Deaths)})
		}
	}
	return st
}

// notice sends one room event (joined, left, cheer) to players and observers.
func (c *core) notice(kind protocol.EventKind, a int, text string) {
	c.events = append(c.events[:0], protocol.Event{Kind: kind, Tick: c.world.Tick, A: a, Text: text})
	c.sendEvents(c.events)
}

// cheer passes a spectator's reaction to everyone in the room.
func (c *core) cheer(text string) { c.notice(protocol.EventCheer, -1, text) }

// sendEvents sends evs, encoded once, to every player and the observers.
func (c *core) sendEvents(evs []protocol.Event) {
	f := c.fan.events(evs)
	c.broadcast(f)
	f.Release()
	c.env.obs.Events(c.id, slices.Clip(evs))
}

// broadcast sends f to every connected player.
func (c *core) broadcast(f *transport.Frame) {
	for i := range c.seats {
		if p := c.seats[i].peer; p != nil {
			p.Send(f)
		}
	}
}

// broadcastSnapshot sends the state after a step to every connected player.
func (c *core) broadcastSnapshot() {
	key, delta := c.fan.snapshot(c.world, c.state)
	tick := c.world.Tick
	for i := range c.seats {
		if p := c.seats[i].peer; p != nil {
			p.SendSnapshot(key, delta, tick)
		}
	}
	if delta != nil {
		delta.Release()
	}
}

// sendTo queues a per-connection frame built from one message.
func (c *core) sendTo(p Peer, msg protocol.Message) {
	p.SendOwned(c.fan.owned(msg))
}
