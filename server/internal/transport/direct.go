package transport

import "skirmish/server/internal/rawio"

// kick gets what was just queued on its way: written at once when possible, else by a
// writer goroutine, started unless one runs.
func (c *Conn) kick() {
	if c.direct && !c.opts.QueuedWrites && c.out.direct(c) {
		return
	}
	c.flush()
}

// flush starts a writer for what waits unless one runs already; that one takes it.
func (c *Conn) flush() {
	if c.out.claim() {
		go c.writeLoop()
	}
}

// direct writes the one waiting frame from the caller's goroutine with a non-blocking
// write(2) while no writer goroutine runs, so that in steady state a tick reaches a
// client with one system call and no goroutine switch. It reports whether the frame went out
// whole; whatever the socket did not take (a full buffer, a slow client) stays queued for the
// writer, which waits for the socket under its deadline.
func (o *outbox) direct(c *Conn) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.busy || o.closing || o.dead || len(o.items) != 1 {
		return false
	}
	f := o.items[0].f
	n := c.writeNow(f.buf[o.off:])
	o.off += n
	if o.off < len(f.buf) {
		return false
	}
	if c.opts.Stats != nil {
		c.opts.Stats.Sent(1, len(f.buf))
	}
	f.Release()
	o.items[0] = entry{}
	o.items, o.snaps, o.off = o.items[:0], 0, 0
	return true
}

// writeNow tries one non-blocking write of p and returns how many bytes the socket took.
// It is called with the outbox locked, which also guards its scratch fields. The write goes
// through RawConn.Control, not RawConn.Write: the outbox lets one writer at a time at the
// socket already, and Write would also honour the deadline a writer goroutine left behind, so
// that three seconds after a slow spell every direct write failed and started a writer.
func (c *Conn) writeNow(p []byte) int {
	c.rawP, c.rawN = p, 0
	if err := c.sock.Control(c.rawFn); err != nil {
		return 0
	}
	return c.rawN
}

// writeFD is the direct write's callback: one write(2), whatever it takes; the socket is
// non-blocking, so a full one returns at once.
func (c *Conn) writeFD(fd uintptr) {
	c.rawN, _ = rawio.Write(fd, c.rawP)
}
