package load

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"skirmish/client"
	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/loadgen/internal/stats"
)

// playerStats are shared by all players of a run.
type playerStats struct {
	connected atomic.Int64
	snapshots atomic.Int64 // keyframes and deltas received
	bytes     atomic.Int64 // bytes read from player sockets, WebSocket framing included
	// reconnects counts connections lost and retried by the client.
	reconnects atomic.Int64
	// ack records, per input, the time from sending it to the first snapshot whose lastSeq
	// for the player's seat covers it; swapped for a fresh one per measurement window.
	ack atomic.Pointer[stats.Histogram]
}

// thinkEvery is how many ticks a bot's decision stands: 10 decisions a second, about as
// often as a human changes what they press.
const thinkEvery = 3

// inFlight is how many unacknowledged inputs a player remembers the send time of; the
// server trims backlogs far shorter than this.
const inFlight = 64

// player is one bot-driven client: it rebuilds a game.World from every snapshot and lets a
// game.Bot choose the next input, as a human would react to the screen.
type player struct {
	st    *playerStats
	times *tickTimes
	errs  *errorList
	// c is set once client.Start returns, which may be after the first callbacks ran.
	c atomic.Pointer[client.Client]

	seat     int
	in       bool // counted in playerStats.connected
	world    *game.World
	bot      *game.Bot
	seed     uint64
	thinks   int
	lastTick uint32     // the tick of the last input sent
	input    game.Input // the bot's latest decision
	acked    uint32
	sentAt   [inFlight]time.Time
	sentSq   [inFlight]uint32

	joined func()
	once   sync.Once
}

// runPlayer plays in room until ctx ends or the client stops for good. joined is called once
// the server has welcomed it. A player that tries once does not reconnect: a refusal ends it.
func runPlayer(ctx context.Context, addr, room string, i int, st *playerStats, times *tickTimes, errs *errorList, joined func(), once bool) error {
	p := &player{st: st, times: times, errs: errs, seat: -1, seed: uint64(i) + 1, joined: joined}
	dial := func(ctx context.Context, network, a string) (net.Conn, error) {
		var d net.Dialer
		nc, err := d.DialContext(ctx, network, a)
		if err != nil {
			return nil, err
		}
		return &countingConn{Conn: nc, n: &st.bytes}, nil
	}
	c := client.Start(ctx, client.Config{
		URL:  "ws://" + addr + "/ws",
		Room: room,
		Name: fmt.Sprintf("bot%d", i),
		Dial: dial,
		// A newcomer that is refused counts as refused, not as retrying.
		NoReconnect: once,
	}, client.Handler{
		OnWelcome:  p.welcome,
		OnSnapshot: p.snapshot,
		OnState:    p.state,
	})
	p.c.Store(c)
	<-c.Done()
	if ctx.Err() != nil {
		return nil
	}
	return c.Err()
}

func (p *player) state(s client.ConnState, err error) {
	switch s {
	case client.Connected:
		p.st.connected.Add(1)
		p.in = true
		p.once.Do(p.joined)
	case client.Reconnecting, client.Closed:
		if s == client.Reconnecting {
			p.st.reconnects.Add(1)
			p.errs.add(fmt.Errorf("player reconnecting: %w", err))
		}
		// Closed also follows a failed first dial, which never counted as connected.
		if p.in {
			p.st.connected.Add(-1)
			p.in = false
		}
		p.world = nil
	}
}

func (p *player) welcome(w *protocol.Welcome) {
	m, err := maps.load(w.Map)
	if err != nil {
		return // without the map the bot cannot think; the player still receives
	}
	p.seat = w.Seat
	p.world = game.NewWorld(game.DefaultConfig(w.Seats, w.TickRate), m)
	p.bot = game.NewBot(w.Seat, p.seed, game.BotNormal)
}

func (p *player) snapshot(s *protocol.Snapshot, _ bool) {
	now := time.Now()
	p.st.snapshots.Add(1)
	p.times.seen(s.Tick, now)
	if p.seat < 0 || p.seat >= len(s.Ships) {
		return
	}
	if last := uint32(s.Ships[p.seat][protocol.ShipLastSeq]); last > p.acked {
		h := p.st.ack.Load()
		for seq := p.acked + 1; seq <= last; seq++ {
			if i := seq % inFlight; p.sentSq[i] == seq && h != nil {
				h.Add(now.Sub(p.sentAt[i]))
			}
		}
		p.acked = last
	}
	c := p.c.Load()
	// A client sends one input per simulation tick, so a second message about the same tick
	// (a keyframe after a state change, say) gets none.
	if p.world == nil || c == nil || s.State != protocol.StateRunning || s.Tick == p.lastTick {
		return
	}
	p.lastTick = s.Tick
	w := p.world
	w.Tick = s.Tick
	for i := range s.Ships {
		if i < len(w.Ships) {
			w.Ships[i] = s.Ships[i].Ship()
		}
	}
	w.Projectiles = w.Projectiles[:0]
	for i := range s.Projectiles {
		w.Projectiles = append(w.Projectiles, s.Projectiles[i].Projectile())
	}
	// A client sends an input every tick; the bot changes its mind every thinkEvery ticks,
	// which keeps a thousand brains affordable beside the clients on one core.
	if p.thinks++; p.thinks%thinkEvery == 1 || thinkEvery == 1 {
		p.input = p.bot.Think(w)
	}
	in := p.input
	seq, err := c.Input(uint8(in.Buttons), in.AimX, in.AimY)
	if err == nil {
		p.sentAt[seq%inFlight], p.sentSq[seq%inFlight] = time.Now(), seq
	}
}

// mapCache parses each map once for all players; maps are never modified.
type mapCache struct {
	mu   sync.Mutex
	byID map[string]*game.Map
}

var maps mapCache

func (c *mapCache) load(name string) (*game.Map, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m, ok := c.byID[name]; ok {
		return m, nil
	}
	m, err := game.LoadMap(name)
	if err != nil {
		return nil, err
	}
	if c.byID == nil {
		c.byID = map[string]*game.Map{}
	}
	c.byID[name] = m
	return m, nil
}

// countingConn counts the bytes read from a player socket.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.n.Add(int64(n))
	return n, err
}
