package room

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"skirmish/game"
	"skirmish/game/protocol"
)

type seatKind uint8

const (
	seatFree seatKind = iota
	seatHuman
	seatBot
)

// seat is one place in the match. It is free, held by a human (connected, or lost and
// awaited), or driven by a bot. A seat with a token is reserved for its player: while the
// player is away (left, or lost past the grace period), a bot stands in, or before the match
// the seat stays free, and the token takes it back.
type seat struct {
	kind  seatKind
	name  string // the player's name; empty for a plain bot
	token []byte // the session token in hex; nil for a plain bot or a free seat
	peer  Peer
	gen   uint64    // rises with every connection that takes the seat
	lost  time.Time // when the connection was lost; zero unless awaited
	bot   *game.Bot

	queue   []protocol.Input
	applied uint32 // the last seq applied on the current connection
	deep    int    // ticks in a row with more than one input waiting
	last    game.Input
}

// connected reports whether the seat is played: by a connected human or by a bot.
func (s *seat) connected() bool { return s.kind == seatBot || s.peer != nil }

// awaited reports whether the seat waits for its lost player.
func (s *seat) awaited() bool { return s.kind == seatHuman && s.peer == nil }

// enqueue adds an input of the current connection in seq order, without duplicates or inputs
// at or below the last applied seq.
func (s *seat) enqueue(in protocol.Input) {
	if in.Seq <= s.applied {
		return
	}
	i := len(s.queue)
	for i > 0 && s.queue[i-1].Seq >= in.Seq {
		if s.queue[i-1].Seq == in.Seq {
			return
		}
		i--
	}
	s.queue = append(s.queue, protocol.Input{})
	copy(s.queue[i+1:], s.queue[i:])
	s.queue[i] = in
}

// shrinkAfter is how many ticks in a row a seat's inputs may wait more than one deep before
// the oldest is dropped. A burst (a stalled client or network) leaves a backlog that a steady
// one-per-tick stream would never drain, adding its length to the player's latency for good.
const shrinkAfter = 15

// next returns the input for this tick: the oldest waiting one, after trimming a backlog of
// more than max and shrinking one that lasts; with none waiting the ship keeps doing what it
// did (Seq 0 leaves the echoed seq alone).
func (s *seat) next(max int) game.Input {
	if extra := len(s.queue) - max; extra > 0 {
		s.queue = s.queue[:copy(s.queue, s.queue[extra:])]
	}
	if len(s.queue) > 1 {
		s.deep++
	} else {
		s.deep = 0
	}
	if s.deep > shrinkAfter {
		s.queue = s.queue[:copy(s.queue, s.queue[1:])]
		s.deep = 0
	}
	if len(s.queue) == 0 {
		// A repeated input is none the player made: its shots are not compensated for lag.
		s.last.Seq, s.last.View = 0, 0
		return s.last
	}
	in := s.queue[0]
	s.queue = s.queue[:copy(s.queue, s.queue[1:])]
	s.applied = in.Seq
	s.last = game.Input{Seq: in.Seq, Buttons: game.Buttons(in.Buttons), AimX: in.AimX, AimY: in.AimY, View: in.View}
	return s.last
}

// resetInputs forgets the inputs of an earlier connection: a new connection starts a new
// input sequence.
func (s *seat) resetInputs() {
	s.queue = s.queue[:0]
	s.applied, s.deep = 0, 0
	s.last = game.Input{}
}

// newToken returns a fresh 128-bit session token in hex.
func newToken() []byte {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	return []byte(hex.EncodeToString(b[:]))
}

// refusal is a join refused with a close code.
type refusal struct {
	code   protocol.Code
	reason string
}

// join seats a connection that said hello: it resumes the seat of its token, or takes a free
// seat or one a bot holds, in any state. Joins are served one at a time on the room's
// goroutine, so they never seat more players than there are seats.
func (c *core) join(h *protocol.Hello, p Peer, now time.Time) (int, uint64, *refusal) {
	if h.Token != "" {
		return c.resume([]byte(h.Token), p, now)
	}
	i := c.seatForNewcomer()
	if i < 0 {
		return 0, 0, &refusal{protocol.CodeRoomFull, fmt.Sprintf("room %s is full: all %d seats are held by players", c.id, len(c.seats))}
	}
	s := &c.seats[i]
	if s.token != nil {
		c.lapsed = append(c.lapsed, s.token)
	}
	tookBot := s.kind == seatBot
	*s = seat{kind: seatHuman, name: c.uniqueName(h.Name, i), token: newToken(), gen: s.gen, queue: s.queue}
	// A newcomer gets a ship of its own, fresh at a spawn point, not the bot's.
	c.setActive(i, false)
	c.setActive(i, true)
	c.attach(i, p)
	c.setKind()
	c.env.log.Info("player joined", "room", c.id, "seat", i, "name", s.name, "state", c.state.String(), "replaces_bot", tookBot)
	c.welcome(i, now)
	c.notice(protocol.EventJoined, i, s.name)
	if !c.maybeStart(now) {
		c.changed(now)
	}
	return i, s.gen, nil
}

// seatForNewcomer picks the seat a newcomer takes: a free one, else one a plain bot holds,
// else one kept for a player who is away (whose token then lapses); -1 if players hold them
// all.
func (c *core) seatForNewcomer() int {
	best, rank := -1, 0
	for i := range c.seats {
		s := &c.seats[i]
		r := 0
		switch {
		case s.kind == seatFree && s.token == nil:
			r = 4
		case s.kind == seatBot && s.token == nil:
			r = 3
		case s.kind == seatFree:
			r = 2
		case s.kind == seatBot:
			r = 1
		}
		if r > rank {
			best, rank = i, r
		}
	}
	return best
}

// uniqueName returns name, or name with a number if another seat's player has it already.
func (c *core) uniqueName(name string, seat int) string {
	taken := func(n string) bool {
		for i := range c.seats {
			if i != seat && c.seats[i].name == n {
				return true
			}
		}
		return false
	}
	if !taken(name) {
		return name
	}
	for n := 2; ; n++ {
		suffix := " " + strconv.Itoa(n)
		base := name
		for utf8.RuneCountInString(base)+len(suffix) > protocol.MaxName {
			_, size := utf8.DecodeLastRuneInString(base)
			base = base[:len(base)-size]
		}
		if candidate := base + suffix; !taken(candidate) {
			return candidate
		}
	}
}

// resume gives a seat back to the holder of its token: from an earlier connection (which is
// closed with 4000), from the wait after a lost connection (resync), or from the bot that
// stood in.
func (c *core) resume(token []byte, p Peer, now time.Time) (int, uint64, *refusal) {
	i := -1
	for j := range c.seats {
		if t := c.seats[j].token; t != nil && subtle.ConstantTimeCompare(t, token) == 1 {
			i = j
		}
	}
	if i < 0 {
		for _, t := range c.lapsed {
			if subtle.ConstantTimeCompare(t, token) == 1 {
				return 0, 0, &refusal{protocol.CodeSeatLost, "another player took the seat while you were away"}
			}
		}
		return 0, 0, &refusal{protocol.CodeBadToken, "the session token does not belong to a seat of room " + c.id}
	}
	s := &c.seats[i]
	from := "wait"
	switch {
	case s.peer != nil:
		from = "older connection"
		old := s.peer
		c.detach(i)
		closePeer(old, protocol.CodeReplaced, "replaced by a newer connection with the same token")
	case s.kind == seatBot:
		from = "bot"
		s.bot = nil
	case s.kind == seatFree:
		from = "free seat"
		c.setActive(i, true)
	}
	s.kind, s.lost = seatHuman, time.Time{}
	c.attach(i, p)
	c.setKind()
	c.env.metrics.Resumes.Inc()
	c.env.log.Info("player resumed", "room", c.id, "seat", i, "name", s.name, "from", from)
	c.welcome(i, now)
	if from == "bot" || from == "free seat" {
		c.notice(protocol.EventJoined, i, s.name)
	}
	c.resumeIfComplete(now)
	return i, s.gen, nil
}

// leave lets a player go on purpose (a bye or a clean close): nobody waits for it. Before the
// match the seat stays free for the player's token; during it a bot takes over at once.
func (c *core) leave(i int, gen uint64, now time.Time) {
	s := &c.seats[i]
	if s.kind != seatHuman || s.gen != gen {
		return
	}
	if p := s.peer; p != nil {
		c.detach(i)
		closePeer(p, protocol.CodeNormal, "bye")
	}
	c.env.log.Info("player left", "room", c.id, "seat", i, "name", s.name)
	c.vacate(i)
	c.resumeIfComplete(now)
}

// lost handles the loss of a seat's connection (gen tells whether it is still the seat's):
// the seat waits for its player for the grace period, and a match in play pauses at once.
func (c *core) lost(i int, gen uint64, now time.Time) {
	s := &c.seats[i]
	if s.kind != seatHuman || s.gen != gen || s.peer == nil {
		return
	}
	c.detach(i)
	s.lost = now
	c.env.log.Info("player lost", "room", c.id, "seat", i, "name", s.name, "state", c.state.String())
	c.pause(now)
}

// vacate gives up a human's seat while keeping it for the player's token: free before the
// match, driven by a bot during it.
func (c *core) vacate(i int) {
	s := &c.seats[i]
	s.lost = time.Time{}
	if c.state == protocol.StateWaiting {
		s.kind = seatFree
		c.setActive(i, false)
	} else {
		c.standIn(i)
	}
	c.setKind()
	c.notice(protocol.EventLeft, i, "")
}

// standIn puts a bot in a player's seat; it keeps the player's ship, name and token.
func (c *core) standIn(i int) {
	s := &c.seats[i]
	s.kind, s.peer = seatBot, nil
	s.bot = c.newBot(i)
	c.setActive(i, true)
	c.env.log.Info("bot takes over", "room", c.id, "seat", i, "for", s.name)
}

// seatBot puts a plain bot in seat i.
func (c *core) seatBot(i int) {
	s := &c.seats[i]
	*s = seat{kind: seatBot, gen: s.gen, bot: c.newBot(i), queue: s.queue}
	c.setActive(i, true)
}

// newBot returns a bot of the room's level for seat i, seeded by the room and the match.
func (c *core) newBot(i int) *game.Bot {
	return game.NewBot(i, c.botSeed(i), c.cfg.BotLevel)
}

// botSeed is the seed of every bot that takes seat i during the current match.
func (c *core) botSeed(i int) uint64 { return seedOf(c.id, c.matches<<8|uint64(i)) }

// displayName is the seat's name as players and spectators see it.
func (c *core) displayName(i int) string {
	s := &c.seats[i]
	switch {
	case s.kind == seatBot && s.name != "":
		return s.name + " (bot)"
	case s.kind == seatBot:
		return "bot " + strconv.Itoa(i+1)
	}
	return s.name
}

// setActive brings a seat's ship into the match or out of it, outside a step.
func (c *core) setActive(i int, on bool) {
	if c.world.Ships[i].Active == on {
		return
	}
	c.world.SetActive(i, on)
	c.rec.SetActive(c.world.Tick, i, on)
	c.fan.touch()
}

// attach makes p the seat's connection with a fresh generation and input sequence.
func (c *core) attach(i int, p Peer) {
	s := &c.seats[i]
	s.gen++
	s.peer = p
	s.resetInputs()
	c.env.metrics.Players.Inc()
}

// detach forgets the seat's connection (the caller closes it if needed).
func (c *core) detach(i int) {
	if c.seats[i].peer != nil {
		c.seats[i].peer = nil
		c.env.metrics.Players.Dec()
	}
}

// input queues an input of the seat's connection gen; inputs of replaced connections are
// ignored.
func (c *core) input(i int, gen uint64, in protocol.Input) {
	if s := &c.seats[i]; s.kind == seatHuman && s.gen == gen {
		s.enqueue(in)
	}
}

// welcome sends a (re)joined player the welcome, a keyframe of the current state and the
// status, in that order. The status goes to everyone else through changed.
func (c *core) welcome(i int, now time.Time) {
	s := &c.seats[i]
	wc := c.world.Config
	c.sendTo(s.peer, &protocol.Welcome{
		Seat: i, Token: string(s.token), TickRate: wc.TickRate, Map: c.world.Map.Name,
		Seats: len(c.seats), Room: c.id, FragLimit: wc.FragLimit, TimeLimit: wc.TimeLimit,
	})
	s.peer.SendSnapshot(c.fan.keyframe(c.world, c.state), nil, c.world.Tick)
	s.peer.SendOwned(c.fan.status(c.buildStatus(now)))
}
