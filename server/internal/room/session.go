package room

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"skirmish/game/protocol"
	"skirmish/server/internal/transport"
)

// Serve runs one player connection until it closes: it reads the hello, seats the player in
// its room, then forwards inputs, pings and bye. Serve blocks; the WebSocket handler calls it
// on the connection's own goroutine. A refusal or protocol error is answered with an error
// message and a close frame; the room and its other players carry on.
func (m *Manager) Serve(c *transport.Conn) {
	// Counting the session under the lock that Drain takes keeps Add from racing with Wait.
	m.mu.Lock()
	if m.draining.Load() {
		m.mu.Unlock()
		m.refuse(c, protocol.CodeGoingAway, "server shutting down")
		return
	}
	m.sessions.Add(1)
	m.mu.Unlock()
	// A connection the room reads itself is the room's from its join on: the room hands it
	// back to closeOut when it ends.
	handed := false
	defer func() {
		if !handed {
			m.finish(c)
			m.sessions.Done()
		}
	}()
	// Pongs keep a connection alive, so a client that never says hello needs its own limit.
	noHello := time.AfterFunc(m.cfg.HelloTimeout, func() {
		closePeer(c, protocol.CodePolicy, "no hello within "+m.cfg.HelloTimeout.String())
	})
	p, err := c.ReadMessage()
	noHello.Stop()
	if err != nil {
		m.readFailed(c, err)
		m.drain(c)
		return
	}
	// A reader is some 500 bytes and most connections need it only for their hello: the
	// room reads them from then on. Taken once the hello is in, so that a burst of clients
	// yet to say it does not hold one each.
	rd := sessionReaders.Get().(*protocol.Reader)
	defer sessionReaders.Put(rd)
	t, err := rd.DecodeClient(p)
	switch {
	case err != nil:
		m.refuse(c, protocol.CodeOf(err), err.Error())
		return
	case t != protocol.TypeHello:
		m.refuse(c, protocol.CodePolicy, "the first message must be a hello, got "+t.String())
		return
	}
	hello := rd.Hello
	r := m.get(hello.Room)
	switch {
	case r == nil && m.env.fleet != nil:
		if r = m.locate(c, hello.Room); r == nil {
			return
		}
	case r == nil:
		m.refuse(c, protocol.CodeNoRoom, fmt.Sprintf("no room %q", hello.Room))
		return
	}
	// A newcomer is refused while the server is short of headroom; a player resuming its
	// seat is let in, and one whose room runs on another node of a fleet was sent there
	// (4310) for that node to admit.
	if hello.Token == "" && m.busy() {
		m.refuse(c, protocol.CodeBusy, "the server is at capacity: try again in a minute")
		return
	}
	type joined struct {
		seat   int
		gen    uint64
		in     chan<- inputMsg
		ref    *refusal
		polled bool
	}
	reply := make(chan joined, 1)
	queued := r.do(func() {
		now := time.Now()
		// What the room's own connections said since its last tick comes first: a player who
		// reconnects may be quicker than the tick that reads the end of its old connection.
		r.pollReads(now, true)
		seat, gen, ref := r.core.join(&hello, c, now)
		j := joined{seat: seat, gen: gen, ref: ref}
		switch {
		case ref == nil && c.Pollable():
			r.adopt(c, seat, gen)
			j.polled = true
		case ref == nil:
			j.in = r.inputs(seat)
		}
		reply <- j
	})
	var j joined
	if queued {
		j, queued = await(r, reply)
	}
	switch {
	case !queued:
		m.refuse(c, protocol.CodeGoingAway, "the room closed")
		return
	case j.ref != nil:
		m.log.Debug("join refused", "room", r.id, "code", uint16(j.ref.code), "reason", j.ref.reason)
		m.refuse(c, j.ref.code, j.ref.reason)
		return
	case j.polled:
		handed = true
		return
	}
	err = m.play(c, r, rd, j.seat, j.gen, j.in)
	// A client that closes on purpose leaves; any other end of the connection is a loss, which
	// pauses the match until the player is back or its grace runs out.
	if errors.Is(err, transport.ErrPeerClosed) {
		r.do(func() { r.core.leave(j.seat, j.gen, time.Now()) })
	} else {
		r.do(func() { r.core.lost(j.seat, j.gen, time.Now()) })
	}
	m.log.Debug("player connection ended", "room", r.id, "seat", j.seat, "err", err)
}

var sessionReaders = sync.Pool{New: func() any { return new(protocol.Reader) }}

// play reads the messages of a seated player until the connection ends.
func (m *Manager) play(c *transport.Conn, r *Room, rd *protocol.Reader, seat int, gen uint64, in chan<- inputMsg) error {
	var enc protocol.Encoder
	for {
		p, err := c.ReadMessage()
		if err != nil {
			m.readFailed(c, err)
			return err
		}
		if c.CloseCode() != 0 {
			continue // closing: only the close echo matters now
		}
		t, err := rd.DecodeClient(p)
		if err != nil {
			closePeer(c, protocol.CodeOf(err), err.Error())
			continue
		}
		switch t {
		case protocol.TypeInput:
			select {
			case in <- inputMsg{gen: gen, in: rd.Input}:
			default: // a client flooding inputs loses the excess; the backlog is trimmed anyway
			}
		case protocol.TypePing:
			b, err := enc.Encode(&protocol.Pong{ClientTime: rd.Ping.ClientTime, Tick: r.curTick.Load()})
			if err == nil {
				c.SendOwned(transport.NewFrame(opBinary, b))
			}
		case protocol.TypeBye:
			r.do(func() { r.core.leave(seat, gen, time.Now()) })
		case protocol.TypeStart:
			m.start(r, seat, gen)
		default:
			closePeer(c, protocol.CodePolicy, "hello was already sent")
		}
	}
}

// readFailed closes the connection with the code that fits a read error.
func (m *Manager) readFailed(c *transport.Conn, err error) {
	closeForReadError(c, err, m.cfg.Conn.ReadTimeoutOrDefault())
}

// closeForReadError closes c with the code that fits a read error; silence counts after
// readTimeout.
func closeForReadError(c *transport.Conn, err error, readTimeout time.Duration) {
	switch {
	case errors.Is(err, transport.ErrTimeout):
		closePeer(c, protocol.CodeKeepalive, "no traffic from the client within "+readTimeout.String())
	case errors.Is(err, transport.ErrTextFrame):
		closePeer(c, protocol.CodeTextFrame, "text frames are not accepted: send binary msgpack messages")
	case errors.Is(err, transport.ErrTooBig):
		closePeer(c, protocol.CodeTooBig, err.Error())
	case errors.Is(err, transport.ErrBadFrame):
		closePeer(c, protocol.CodeBadMessage, err.Error())
	case errors.Is(err, transport.ErrFlood):
		closePeer(c, protocol.CodePolicy, err.Error())
	case errors.Is(err, transport.ErrBadClose):
		closePeer(c, protocol.CodeProtocol, err.Error())
	case errors.Is(err, transport.ErrBadUTF8):
		closePeer(c, protocol.CodeBadUTF8, err.Error())
	}
}

// refuse answers a connection that gets no seat with an error and a close frame, then
// reads until the client answers the close, so that the refusal reaches it before the socket
// closes. The refusal counts in /metrics by the code's name.
func (m *Manager) refuse(c *transport.Conn, code protocol.Code, reason string) {
	// A player sent to the room's node (4310) is served there, not refused.
	if code != protocol.CodeMoved {
		m.env.metrics.Refusals.WithLabelValues(refusalReason(code)).Inc()
	}
	closePeer(c, code, reason)
	m.drain(c)
}

// refusalReason is the reason a refused player counts under in /metrics: the close code's
// name in snake case ("room_full", "server_busy"), beside the HTTP refusals' codes.
func refusalReason(code protocol.Code) string {
	return strings.ReplaceAll(code.String(), " ", "_")
}

// drain reads and ignores whatever arrives until the connection ends.
func (m *Manager) drain(c *transport.Conn) {
	for {
		if _, err := c.ReadMessage(); err != nil {
			return
		}
	}
}

// closeOut takes a connection its room no longer reads: on a goroutine of its own it waits
// for the end of the closing handshake, then closes the socket and counts the disconnect.
func (m *Manager) closeOut(c *transport.Conn) {
	go func() {
		m.drain(c)
		m.finish(c)
		m.sessions.Done()
	}()
}

// finish closes the connection once its close frame (if any) is out and counts the
// disconnect; one closed for misbehaving is logged at warn level too (rate-limited by the
// log handler).
func (m *Manager) finish(c *transport.Conn) {
	c.Finish()
	code := protocol.Code(c.CloseCode())
	m.env.metrics.Disconnects.WithLabelValues(strconv.Itoa(int(code))).Inc()
	if kicked(code) {
		m.log.Warn("player closed", "reason", code.String(), "code", int(code), "remote", c.RemoteAddr().String())
	}
}

// kicked reports whether the server closes a player with code for what the client did (or
// failed to do), as opposed to a normal end, a shutdown or a refused hello.
func kicked(code protocol.Code) bool {
	switch code {
	case protocol.CodeProtocol, protocol.CodeBadUTF8, protocol.CodePolicy, protocol.CodeTooBig,
		protocol.CodeStuck, protocol.CodeKeepalive, protocol.CodeBadMessage, protocol.CodeUnknown,
		protocol.CodeTextFrame:
		return true
	}
	return false
}
