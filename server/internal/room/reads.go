package room

import (
	"errors"
	"time"

	"skirmish/game/protocol"
	"skirmish/server/internal/transport"
)

// polled is a seated player connection that its room reads itself: once per tick, before the
// step, without blocking (transport.Conn.Poll), instead of a reader goroutine per connection
// that wakes for every input. A connection that cannot be polled (TLS) keeps its goroutine:
// Serve reads it and queues its inputs for the room, behind the same Peer. The room keeps
// ticking in every state, paused and waiting included, so keepalives, byes and resumes are
// heard whatever the match does.
type polled struct {
	c    *transport.Conn
	seat int
	gen  uint64
}

// adopt makes the room read c, which has just taken seat as generation gen.
func (r *Room) adopt(c *transport.Conn, seat int, gen uint64) {
	r.polls = append(r.polls, polled{c: c, seat: seat, gen: gen})
}

// pollReads reads every polled connection and hands those that ended, or that the room let
// go, to r.release, which closes them off the room's ticker. A tick reads each socket once;
// all reads until each is empty, as a join does, which must know whether a connection it may
// be replacing has ended.
func (r *Room) pollReads(now time.Time, all bool) {
	for i := 0; i < len(r.polls); {
		if r.readPlayer(&r.polls[i], now, all) {
			i++
			continue
		}
		c := r.polls[i].c
		last := len(r.polls) - 1
		r.polls[i] = r.polls[last]
		r.polls[last] = polled{}
		r.polls = r.polls[:last]
		r.release(c)
	}
}

// releaseAll hands every polled connection over when the room stops; the core has closed them.
func (r *Room) releaseAll() {
	for i := range r.polls {
		r.release(r.polls[i].c)
		r.polls[i] = polled{}
	}
	r.polls = r.polls[:0]
}

// readPlayer handles what p's connection sent since the last tick, as Serve's play does for
// a connection read by its goroutine, and reports whether the room keeps reading it.
func (r *Room) readPlayer(p *polled, now time.Time, all bool) bool {
	c := r.core
	rd, enc := &r.ticker.rd, &r.ticker.enc
	s := &c.seats[p.seat]
	if s.gen != p.gen || s.peer != Peer(p.c) {
		return false // replaced, removed or closed by the room: it is closing already
	}
	if p.c.CloseCode() != 0 {
		c.lost(p.seat, p.gen, now)
		return false
	}
	for {
		var msg []byte
		var err error
		if all {
			msg, err = p.c.PollAll()
		} else {
			msg, err = p.c.Poll()
		}
		if err != nil {
			closeForReadError(p.c, err, c.cfg.Conn.ReadTimeoutOrDefault())
			// A client that closes on purpose leaves; any other end of the connection is a
			// loss, which pauses the match until the player is back or its grace runs out.
			if errors.Is(err, transport.ErrPeerClosed) {
				c.leave(p.seat, p.gen, now)
			} else {
				c.lost(p.seat, p.gen, now)
			}
			return false
		}
		if msg == nil {
			return true
		}
		t, err := rd.DecodeClient(msg)
		if err != nil {
			closePeer(p.c, protocol.CodeOf(err), err.Error())
			c.lost(p.seat, p.gen, now)
			return false
		}
		switch t {
		case protocol.TypeInput:
			c.input(p.seat, p.gen, rd.Input)
		case protocol.TypePing:
			b, err := enc.Encode(&protocol.Pong{ClientTime: rd.Ping.ClientTime, Tick: c.world.Tick})
			if err == nil {
				p.c.SendOwned(transport.NewFrame(opBinary, b))
			}
		case protocol.TypeBye:
			c.leave(p.seat, p.gen, now)
			return false
		case protocol.TypeStart:
			if s.kind == seatHuman {
				c.startNow(now)
			}
		default:
			closePeer(p.c, protocol.CodePolicy, "hello was already sent")
			c.lost(p.seat, p.gen, now)
			return false
		}
	}
}
