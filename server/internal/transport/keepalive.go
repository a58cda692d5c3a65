package transport

import (
	"sync"
	"time"

	"github.com/gobwas/ws"

	"skirmish/game/protocol"
	"skirmish/server/internal/sockq"
)

// pingFrame is shared by every connection: an unmasked ping has the same bytes for everyone.
// It has no pool, so it is never recycled.
var pingFrame = func() *Frame {
	f := &Frame{buf: ws.MustCompileFrame(ws.NewPingFrame(nil))}
	f.refs.Store(1 << 30)
	return f
}()

// keepalive pings the quiet connections and ends the reads of those silent for longer than
// their read timeout. One goroutine per ping interval in use does it for all of them, in
// place of a ticker, a read deadline update per read and a goroutine per connection.
var keepalive = sweeps{by: map[time.Duration]map[*Conn]struct{}{}}

// sweeps holds the connections by ping interval; each interval has a goroutine while it has
// connections.
type sweeps struct {
	mu sync.Mutex
	by map[time.Duration]map[*Conn]struct{}
}

func (k *sweeps) add(c *Conn) {
	k.mu.Lock()
	defer k.mu.Unlock()
	every := c.opts.PingInterval
	conns := k.by[every]
	if conns == nil {
		conns = map[*Conn]struct{}{}
		k.by[every] = conns
		go k.run(every, conns)
	}
	conns[c] = struct{}{}
}

func (k *sweeps) remove(c *Conn) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.by[c.opts.PingInterval], c)
}

// run sweeps the connections of one interval until it has none left.
func (k *sweeps) run(every time.Duration, conns map[*Conn]struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	var batch []*Conn
	last := monotonic()
	for range t.C {
		k.mu.Lock()
		if len(conns) == 0 {
			delete(k.by, every)
			k.mu.Unlock()
			return
		}
		for c := range conns {
			batch = append(batch, c)
		}
		k.mu.Unlock()
		wall := time.Now()
		now := monotonic()
		// A sweep that comes late says the server was short of CPU: its readers may have been
		// as late as it is, so silence is not judged this time.
		onTime := time.Duration(now-last) < 2*every
		last = now
		for _, c := range batch {
			c.keepalive(wall, now, onTime)
		}
		clear(batch)
		batch = batch[:0]
	}
}

// keepalive pings a connection quiet one way or the other for a ping interval; or closes it
// as stuck when bytes the socket took long ago are still unacknowledged; or ends the pending
// read when the client has been silent for longer than the read timeout, so that the reader
// gets ErrTimeout. Silence counts only when the
// sweep is on time and no bytes wait unread in the socket: a server too busy to read must not
// blame its clients. A closing connection has a read deadline of its own.
func (c *Conn) keepalive(wall time.Time, now int64, onTime bool) {
	if c.code.Load() != 0 {
		return
	}
	if c.sock != nil && c.drain.Stalled(c.sock, wall, c.opts.StallTimeout) {
		c.Abort(uint16(protocol.CodeStuck))
		return
	}
	if now-c.seen.Load() > int64(c.opts.ReadTimeout) {
		switch {
		case !onTime:
		case c.sock != nil && sockq.Unread(c.sock) > 0:
			c.seen.Store(now)
		default:
			_ = c.nc.SetReadDeadline(time.Unix(1, 0))
			return
		}
	}
	// A connection busy both ways needs no ping: the client is heard, and it hears the
	// server, whose silence a client takes for a dead connection. At 1,000 players in play
	// (inputs every tick, snapshots every tick) the pings were a thousand writes a second for
	// nothing. A client silent for an interval is pinged, and its pong counts; so is one the
	// server wrote nothing to since the last sweep (its room is paused or waiting, say).
	if now-c.seen.Load() >= int64(c.opts.PingInterval) || !c.drain.Wrote() {
		c.Send(pingFrame)
	}
}
