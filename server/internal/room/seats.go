package room

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"time"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/transport"
)

type seatKind uint8

const (
	seatFree seatKind = iota
	seatHuman
	seatBot
)

// inputMsg is an input on its way from a connection to its seat, tagged with the connection's
// generation so that inputs of a replaced connection are ignored.
type inputMsg struct {
	gen uint64
	in  protocol.Input
}

// seat is one place in the match, held by nobody, a human or a bot.
type seat struct {
	kind  seatKind
	name  string
	token []byte // the session token in hex, for humans
	conn  *transport.Conn
	gen   uint64    // rises with every connection that takes the seat
	lost  time.Time // when the connection dropped; zero while connected
	bot   *game.Bot

	in      chan inputMsg // written by the connection, drained by the room each tick
	queue   []protocol.Input
	applied uint32 // the last seq applied on the current connection
	deep    int    // ticks in a row with more than one input waiting
	last    game.Input
}

// drain moves arrived inputs of the current connection into the queue, in seq order, without
// duplicates or inputs at or below the last applied seq.
func (s *seat) drain() {
	for {
		select {
		case m := <-s.in:
			if m.gen == s.gen {
				s.enqueue(m.in)
			}
		default:
			return
		}
	}
}

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
		s.last.Seq = 0
		return s.last
	}
	in := s.queue[0]
	s.queue = s.queue[:copy(s.queue, s.queue[1:])]
	s.applied = in.Seq
	s.last = game.Input{Seq: in.Seq, Buttons: game.Buttons(in.Buttons), AimX: in.AimX, AimY: in.AimY}
	return s.last
}

// resetInputs forgets the inputs of an earlier connection: a new connection starts a new
// input sequence.
func (s *seat) resetInputs() {
	for {
		select {
		case <-s.in:
		default:
			s.queue = s.queue[:0]
			s.applied, s.deep = 0, 0
			s.last = game.Input{}
			return
		}
	}
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

// join seats a connection that said hello: it resumes the seat of its token or takes a free
// seat. It runs on the room's goroutine, so concurrent joins are served one at a time and
// never seat more players than there are seats.
func (r *Room) join(h *protocol.Hello, c *transport.Conn, now time.Time) (int, uint64, *refusal) {
	if h.Token != "" {
		return r.resume([]byte(h.Token), c, now)
	}
	if r.state != protocol.StateWaiting {
		return 0, 0, &refusal{protocol.CodeRoomFull, "the match has started: no free seat"}
	}
	for i := range r.seats {
		s := &r.seats[i]
		if s.kind != seatFree {
			continue
		}
		s.kind, s.name, s.token, s.lost = seatHuman, h.Name, newToken(), time.Time{}
		r.setActive(i, true)
		r.attach(i, c)
		r.setKind()
		r.welcome(i)
		r.notice(protocol.EventJoined, i, h.Name)
		if !r.maybeStart(now) {
			r.changed(now)
		}
		return i, s.gen, nil
	}
	return 0, 0, &refusal{protocol.CodeRoomFull, fmt.Sprintf("room %s is full (%d seats)", r.id, len(r.seats))}
}

// resume gives a seat back to the holder of its token, replacing any earlier connection.
func (r *Room) resume(token []byte, c *transport.Conn, now time.Time) (int, uint64, *refusal) {
	seatIdx := -1
	for i := range r.seats {
		s := &r.seats[i]
		if s.kind == seatHuman && subtle.ConstantTimeCompare(s.token, token) == 1 {
			seatIdx = i
		}
	}
	if seatIdx < 0 {
		for _, t := range r.lost {
			if subtle.ConstantTimeCompare(t, token) == 1 {
				return 0, 0, &refusal{protocol.CodeSeatLost, "the grace period ran out and a bot took the seat"}
			}
		}
		return 0, 0, &refusal{protocol.CodeBadToken, "the session token does not belong to a seat of room " + r.id}
	}
	s := &r.seats[seatIdx]
	if old := s.conn; old != nil {
		r.detach(seatIdx)
		r.m.closeConn(old, protocol.CodeReplaced, "replaced by a newer connection with the same token")
	}
	wasLost := !s.lost.IsZero()
	s.lost = time.Time{}
	r.attach(seatIdx, c)
	r.m.metrics.Resumes.Inc()
	r.welcome(seatIdx)
	if wasLost && r.state == protocol.StatePaused && !r.anyMissing() {
		r.startCountdown(now)
	} else if !r.maybeStart(now) {
		r.changed(now)
	}
	return seatIdx, s.gen, nil
}

// attach makes c the seat's connection with a fresh generation and input sequence.
func (r *Room) attach(i int, c *transport.Conn) {
	s := &r.seats[i]
	s.gen++
	s.conn = c
	s.resetInputs()
	r.m.metrics.Players.Inc()
}

// detach forgets the seat's connection (the caller closes it if needed).
func (r *Room) detach(i int) {
	if r.seats[i].conn != nil {
		r.seats[i].conn = nil
		r.m.metrics.Players.Dec()
	}
}

// welcome sends a (re)joined player the welcome, a keyframe of the current state and the
// status, in that order. The status goes to everyone else through changed.
func (r *Room) welcome(i int) {
	s := &r.seats[i]
	wc := r.world.Config
	r.sendTo(s.conn, &protocol.Welcome{
		Seat: i, Token: string(s.token), TickRate: wc.TickRate, Map: r.world.Map.Name,
		Seats: len(r.seats), Room: r.id, FragLimit: wc.FragLimit, TimeLimit: wc.TimeLimit,
	})
	s.conn.SendSnapshot(r.fan.keyframe(r.world, r.state), nil, r.world.Tick)
	s.conn.SendOwned(r.fan.status(r.buildStatus(time.Now())))
}

// dropped handles the loss of a seat's connection (gen tells whether it is still the seat's).
// A lost player in a running or starting match pauses the room at once.
func (r *Room) dropped(i int, gen uint64, now time.Time) {
	s := &r.seats[i]
	if s.kind != seatHuman || s.gen != gen || s.conn == nil {
		return
	}
	r.detach(i)
	s.lost = now
	switch r.state {
	case protocol.StateRunning, protocol.StateCountdown:
		r.m.metrics.Pauses.Inc()
		r.setState(protocol.StatePaused, time.Time{})
	default:
		r.changed(now)
	}
}

// bye lets a player leave on purpose: before the match the seat is freed, during it a bot
// takes over; the room does not pause.
func (r *Room) bye(i int, gen uint64, now time.Time) {
	s := &r.seats[i]
	if s.kind != seatHuman || s.gen != gen {
		return
	}
	if c := s.conn; c != nil {
		r.detach(i)
		r.m.closeConn(c, protocol.CodeNormal, "bye")
	}
	r.vacate(i, now, false)
}

// vacate gives up a human's seat: freed while waiting, otherwise taken by a bot.
func (r *Room) vacate(i int, now time.Time, lost bool) {
	s := &r.seats[i]
	if lost {
		r.lost = append(r.lost, s.token)
	}
	if r.state == protocol.StateWaiting {
		*s = seat{in: s.in}
		r.setActive(i, false)
	} else {
		r.seatBot(i, s.name)
	}
	r.setKind()
	r.notice(protocol.EventLeft, i, "")
	if r.state == protocol.StatePaused && !r.anyMissing() {
		r.startCountdown(now)
		return
	}
	r.changed(now)
}

// seatBot puts a bot in seat i; a bot standing in for a player keeps the player's ship.
func (r *Room) seatBot(i int, standIn string) {
	s := &r.seats[i]
	name := fmt.Sprintf("bot %d", i+1)
	if standIn != "" {
		name = standIn + " (bot)"
	}
	*s = seat{in: s.in, kind: seatBot, name: name, bot: game.NewBot(i, seedOf(r.id, uint64(i)))}
	if !r.world.Ships[i].Active {
		r.setActive(i, true)
	}
}

// setActive brings a seat's ship into the match or out of it, outside a step.
func (r *Room) setActive(i int, on bool) {
	r.world.SetActive(i, on)
	r.rec.setup(i, on)
	r.fan.touch()
}

// expireGrace hands the seats of players gone longer than the grace period to bots.
func (r *Room) expireGrace(now time.Time) {
	for i := range r.seats {
		s := &r.seats[i]
		if s.kind == seatHuman && !s.lost.IsZero() && now.Sub(s.lost) >= r.cfg.Grace {
			r.vacate(i, now, true)
		}
	}
}

// anyMissing reports whether a player's seat awaits its dropped player.
func (r *Room) anyMissing() bool {
	for i := range r.seats {
		if r.seats[i].kind == seatHuman && r.seats[i].conn == nil {
			return true
		}
	}
	return false
}

// graceEnds returns when the first awaited player's grace runs out.
func (r *Room) graceEnds() time.Time {
	var first time.Time
	for i := range r.seats {
		s := &r.seats[i]
		if s.kind == seatHuman && !s.lost.IsZero() {
			if end := s.lost.Add(r.cfg.Grace); first.IsZero() || end.Before(first) {
				first = end
			}
		}
	}
	return first
}
