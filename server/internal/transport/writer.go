package transport

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"

	"skirmish/game/protocol"
)

// closeLinger is how long the server waits for the client's close echo after its own close
// frame before it drops the socket.
const closeLinger = 2 * time.Second

// outbox is a connection's queue of frames waiting for its writer. Frames other than
// snapshots are never dropped. When snapshots pile up while the writer is stuck in a write,
// the client is not reading fast enough: the waiting snapshots are dropped and only the
// newest state goes out, as a keyframe. A writer that is merely late (not scheduled for a
// few ticks, or a room catching up after a stall) keeps every snapshot, up to a bound. The
// outbox also remembers the tick of the last snapshot that will reach the client, which
// decides between a delta and a keyframe.
type outbox struct {
	mu       sync.Mutex
	items    []entry
	snaps    int // snapshots among items
	lastTick uint32
	haveTick bool // the client will have the state at lastTick
	max      int
	closing  bool // a close frame is queued: accept nothing more
	overflow bool // more than max frames waited: the client is stuck
	dead     bool
	busy     bool // a writer goroutine runs: it owns the socket's writes until it finds nothing to take
	off      int  // bytes of the first frame already written
	// flushed is closed when the close frame has been written. It is made only when a
	// close begins: a channel a connection was some 100 bytes of every player's memory.
	flushed chan struct{}
	// done is closed once the socket is closed (dead); made only when someone waits for it,
	// for the same reason.
	done chan struct{}
}

// expectClose makes the channel that tells that the close frame is out, unless there is one.
func (o *outbox) expectClose() {
	o.mu.Lock()
	if o.flushed == nil {
		o.flushed = make(chan struct{})
	}
	o.mu.Unlock()
}

// flushedChan returns the channel closed once the close frame is out; nil (never ready) when
// no close has begun.
func (o *outbox) flushedChan() chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.flushed
}

type entry struct {
	f    *Frame
	snap bool
}

// Snapshots waiting for a connection's writer collapse into the newest one beyond
// slowSnapshots while the writer has been blocked in one write for slowWrite, or beyond
// maxSnapshots in any case.
const (
	slowSnapshots = 2
	maxSnapshots  = 32
	slowWrite     = 100 * time.Millisecond
)

// epoch anchors the monotonic clock of writeStart.
var epoch = time.Now()

// monotonic returns the time since epoch.
func monotonic() int64 { return int64(time.Since(epoch)) }

// push queues f, which the caller has retained for this connection, and reports whether
// more than max frames wait now: the client is stuck, and the caller closes it rather than
// let the queue grow.
func (o *outbox) push(f *Frame) (overflow bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closing || o.dead {
		f.Release()
		return false
	}
	o.items = append(o.items, entry{f: f})
	if len(o.items) > o.max {
		o.overflow = true
	}
	return o.overflow
}

// pushSnapshot queues the state at tick: delta when the client will have tick-1, else the
// keyframe, asked of key only then.
// writeStart is when the writer's current write began (0 between writes). It reports how many
// waiting snapshots were dropped to make room.
func (o *outbox) pushSnapshot(key KeySource, delta *Frame, tick uint32, writeStart *atomic.Int64) (queued bool, dropped int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closing || o.dead {
		return false, 0
	}
	if o.snaps >= maxSnapshots || (o.snaps >= slowSnapshots && stalled(writeStart)) {
		kept := o.items[:0]
		for _, e := range o.items {
			if e.snap {
				e.f.Release()
				dropped++
			} else {
				kept = append(kept, e)
			}
		}
		clear(o.items[len(kept):])
		o.items, o.snaps, o.haveTick = kept, 0, false
	}
	f := delta
	if f == nil || !o.haveTick || o.lastTick+1 != tick {
		f = key.Keyframe()
	}
	f.Retain(1)
	o.items = append(o.items, entry{f: f, snap: true})
	o.snaps++
	o.lastTick, o.haveTick = tick, true
	return true, dropped
}

// stalled reports whether the writer has been blocked in one write for slowWrite.
func stalled(writeStart *atomic.Int64) bool {
	ws := writeStart.Load()
	return ws != 0 && monotonic()-ws > int64(slowWrite)
}

// close queues msg (may be nil) and the close frame and refuses anything after them.
func (o *outbox) close(msg, closeFrame *Frame) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.dead {
		if msg != nil {
			msg.Release()
		}
		closeFrame.Release()
		return
	}
	if msg != nil {
		o.items = append(o.items, entry{f: msg})
	}
	o.items = append(o.items, entry{f: closeFrame})
	o.closing = true
}

// take moves the waiting frames into batch for the writer. off is how much of the first frame
// is already written; stuck reports a client that let too many frames wait. Finding nothing
// ends the writer's turn in the same step, so a frame queued after it starts another writer.
func (o *outbox) take(batch []*Frame) (_ []*Frame, off int, stuck bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, e := range o.items {
		batch = append(batch, e.f)
	}
	clear(o.items)
	o.items, o.snaps = o.items[:0], 0
	off, o.off = o.off, 0
	o.busy = len(batch) > 0
	return batch, off, o.overflow
}

// claim reports whether the caller becomes the writer, which no other goroutine is.
func (o *outbox) claim() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.busy || o.dead {
		return false
	}
	o.busy = true
	return true
}

// discard releases everything still waiting once the socket is gone.
func (o *outbox) discard() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, e := range o.items {
		e.f.Release()
	}
	clear(o.items)
	o.items, o.snaps, o.off = o.items[:0], 0, 0
	o.dead = true
	if o.done != nil {
		close(o.done)
	}
}

// doneChan returns the channel closed once the socket is closed.
func (o *outbox) doneChan() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done == nil {
		o.done = make(chan struct{})
		if o.dead {
			close(o.done)
		}
	}
	return o.done
}

// Send queues f for this connection, never dropping it. It takes its own reference: the
// caller keeps (and later releases) its own.
func (c *Conn) Send(f *Frame) {
	f.Retain(1)
	c.SendOwned(f)
}

// SendOwned queues f and hands the caller's reference over to the connection. A client that
// lets too many frames wait (one that sends pings and never reads the pongs, say) is closed
// as stuck.
func (c *Conn) SendOwned(f *Frame) {
	if c.out.push(f) {
		c.Abort(uint16(protocol.CodeStuck))
		return
	}
	c.kick()
}

// SendSnapshot queues the state at tick: the delta if this client will have the state at
// tick-1, else the keyframe from key (delta may be nil). A client that falls behind gets only
// the newest state. The caller keeps its references.
func (c *Conn) SendSnapshot(key KeySource, delta *Frame, tick uint32) {
	queued, dropped := c.out.pushSnapshot(key, delta, tick, &c.writeStart)
	if dropped > 0 && c.opts.Stats != nil {
		c.opts.Stats.SnapshotsDropped(dropped)
	}
	if queued {
		c.kick()
	}
}

// writerState is what a connection's writer goroutine keeps between its writes so that
// they allocate nothing. Writers take turns (outbox.claim), so one serves them all.
type writerState struct {
	batch []*Frame
	vec   net.Buffers
	bufs  [][]byte
}

// writeLoop is the connection's writer while frames wait that a direct write could not send:
// it writes whatever waits with one system call (writev when several frames wait) under a
// deadline, and ends when nothing is left, so that an idle or keeping-up connection has no
// goroutine of its own on the write side.
func (c *Conn) writeLoop() {
	if c.wr == nil {
		c.wr = new(writerState)
	}
	for {
		batch, off, stuck := c.out.take(c.wr.batch[:0])
		if len(batch) == 0 {
			// Finding nothing ended this writer's turn inside take: the next writer may own
			// the writer state already, so this one touches it no more.
			if stuck {
				c.Abort(uint16(protocol.CodeStuck))
			}
			return
		}
		c.wr.batch = batch
		if stuck {
			c.releaseBatch()
			c.Abort(uint16(protocol.CodeStuck))
			return
		}
		closing, err := c.writeBatch(off)
		c.releaseBatch()
		if err != nil {
			// A write that timed out means the client stopped reading; any other error means
			// the socket is gone. The reader notices the closed socket either way.
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				c.Abort(uint16(protocol.CodeStuck))
			} else {
				c.shut()
			}
			return
		}
		if closing {
			c.finishClose()
			return
		}
	}
}

// writeBatch writes the batch, the first frame from off, with one system call and reports
// whether it ended with the close frame.
func (c *Conn) writeBatch(off int) (closing bool, err error) {
	w := c.wr
	if err := c.nc.SetWriteDeadline(time.Now().Add(c.opts.WriteTimeout)); err != nil {
		return false, err
	}
	n := 0
	for _, f := range w.batch {
		n += len(f.buf)
	}
	last := w.batch[len(w.batch)-1]
	closing = len(last.buf) > 0 && ws.OpCode(last.buf[0]&0x0f) == ws.OpClose
	c.writeStart.Store(monotonic())
	if len(w.batch) == 1 {
		_, err = c.nc.Write(last.buf[off:])
	} else {
		w.bufs = w.bufs[:0]
		for _, f := range w.batch {
			w.bufs = append(w.bufs, f.buf)
		}
		w.bufs[0] = w.bufs[0][off:]
		w.vec = w.bufs
		_, err = w.vec.WriteTo(c.nc)
	}
	c.writeStart.Store(0)
	if err == nil && c.opts.Stats != nil {
		c.opts.Stats.Sent(len(w.batch), n)
	}
	return closing, err
}

func (c *Conn) releaseBatch() {
	w := c.wr
	for _, f := range w.batch {
		f.Release()
	}
	clear(w.batch)
	w.batch = w.batch[:0]
}

// finishClose half-closes the socket after the close frame, so the client reads everything
// and answers, and drops it after a grace period if the reader has not finished first.
func (c *Conn) finishClose() {
	close(c.out.flushedChan())
	if tc, ok := c.nc.(interface{ CloseWrite() error }); ok && tc.CloseWrite() == nil {
		_ = c.nc.SetReadDeadline(time.Now().Add(closeLinger))
		select {
		case <-c.out.doneChan():
		case <-time.After(closeLinger):
			c.shut()
		}
		return
	}
	c.shut()
}

// Shutdown closes the socket at once.
func (c *Conn) Shutdown() { c.shut() }
