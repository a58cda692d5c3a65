package room

import (
	"sync"

	"github.com/gobwas/ws"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/transport"
)

const opBinary = ws.OpBinary

// fanout turns the room's state into ready WebSocket frames, each encoded once and shared by
// every connection: per tick a delta against the previous tick, the keyframe only when a
// connection asks for one (a join, a resync, a client that fell behind), plus events and
// status as they happen. A room keeps only the state it sent last; what a tick builds and
// throws away (the new state, the delta, the encoding) lives in a scratch shared with the
// other rooms, so a tick allocates nothing in steady state and a room does not carry three
// more copies of its state between ticks.
type fanout struct {
	pool *transport.Pool
	last protocol.Snapshot // the newest state, which every connection was sent or will be
	// lastOK says last is the state every connection was last sent, so a delta against it
	// is valid; a change outside a step (a seat taken, a state change) clears it.
	lastOK bool
	stale  bool             // the world or state changed since last was filled
	key    *transport.Frame // keyframe of last once encoded (nil until then), held by the fanout
	// eager encodes the keyframe every tick whether anyone needs it or not, as the room did
	// before keyframes were built on demand; the benchmarks measure what that cost.
	eager bool
	// keyframes counts the keyframes encoded, for the benchmarks.
	keyframes int
}

func (f *fanout) init() { f.pool, f.stale = &frames, true }

// frames is every room's pool of frames. A ticker runs one room at a time, and a frame is
// back once its room's players have it, so a few frames serve all the rooms: a pool a room
// kept some 2 KiB of idle frames each.
var frames transport.Pool

// scratch is what building a tick's frames needs only while it runs. Rooms take one from
// scratches and give it back before they return, so there are about as many as rooms run at
// once, not as rooms exist: kept a room, they were some 0.5 KiB a player.
type scratch struct {
	enc   protocol.Encoder
	buf   []byte
	cur   protocol.Snapshot
	delta protocol.Delta
	evs   protocol.Events
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

// touch records a change of the world or state outside a step: the next snapshot goes out
// as a keyframe to everyone.
func (f *fanout) touch() {
	f.lastOK = false
	f.stale = true
}

// encode returns the encoding of m in sc, valid until its next use.
func (sc *scratch) encode(m protocol.Message) []byte {
	b, err := sc.enc.Append(sc.buf[:0], m)
	if err != nil {
		// The room encodes only messages it built itself; failing is a bug, not bad input.
		panic("encoding a " + m.Type().String() + " message: " + err.Error())
	}
	sc.buf = b
	return b
}

// frame returns a pooled frame of m, held once by the caller.
func (f *fanout) frame(m protocol.Message) *transport.Frame {
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	return f.pool.Binary(sc.encode(m))
}

// owned returns a frame of m of its own, for one connection.
func (f *fanout) owned(m protocol.Message) *transport.Frame {
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	return transport.NewFrame(opBinary, sc.encode(m))
}

// snapshot takes the state after a step and returns the delta against the previous tick when
// every connection was sent that (else nil), which the caller releases. The fanout itself is
// the source of the tick's keyframe, encoded on the first Keyframe call.
func (f *fanout) snapshot(w *game.World, state protocol.State) (key transport.KeySource, delta *transport.Frame) {
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	sc.cur.Fill(w, state)
	if f.lastOK && sc.delta.Diff(&f.last, &sc.cur) == nil {
		delta = f.pool.Binary(sc.encode(&sc.delta))
	}
	f.last.CopyFrom(&sc.cur)
	f.stale, f.lastOK = false, true
	f.release()
	if f.eager {
		f.Keyframe()
	}
	return f, delta
}

// Keyframe implements transport.KeySource: the keyframe of the newest state, encoded once.
func (f *fanout) Keyframe() *transport.Frame {
	if f.key == nil {
		f.key = f.frame(&f.last)
		f.keyframes++
	}
	return f.key
}

// keyframe returns the source of a keyframe of the current state, taking the state afresh if
// it changed outside a step.
func (f *fanout) keyframe(w *game.World, state protocol.State) transport.KeySource {
	if f.stale {
		f.last.Fill(w, state)
		f.stale = false
		f.release()
	}
	return f
}

// events returns a frame of evs held once by the caller.
func (f *fanout) events(evs []protocol.Event) *transport.Frame {
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	sc.evs.List = evs
	fr := f.pool.Binary(sc.encode(&sc.evs))
	sc.evs.List = nil // the room's, not the scratch's
	return fr
}

// status returns a frame of st held once by the caller.
func (f *fanout) status(st *protocol.Status) *transport.Frame { return f.frame(st) }

// release gives back the keyframe once it is stale: the connections that were sent it hold
// their own references, and a room keeping its last one held some 0.5 KiB each of frames that
// no one would be sent again.
func (f *fanout) release() {
	if f.key != nil {
		f.key.Release()
		f.key = nil
	}
}
