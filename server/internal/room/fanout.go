package room

import (
	"github.com/gobwas/ws"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/transport"
)

const opBinary = ws.OpBinary

// fanout turns the room's state into ready WebSocket frames, each encoded once and shared by
// every connection: per tick a keyframe and a delta against the previous tick, plus events
// and status as they happen. It reuses its snapshots, encoder and frames, so a tick
// allocates nothing in steady state.
type fanout struct {
	pool      *transport.Pool
	enc       protocol.Encoder
	buf       []byte
	prev, cur protocol.Snapshot
	delta     protocol.Delta
	evs       protocol.Events
	// prevOK says prev is the state every connection was last sent, so a delta against it
	// is valid; a change outside a step (a seat taken, a state change) clears it.
	prevOK bool
	key    *transport.Frame // keyframe of the current state, held by the fanout
	fresh  bool             // key matches the current world and state
}

func (f *fanout) init(pool *transport.Pool) { f.pool = pool }

// newFramePool returns a room's own pool of frames: enough for the frames of a tick in flight
// to its players.
func newFramePool() *transport.Pool { return transport.NewPool(32) }

// touch records a change of the world or state outside a step: the next snapshot goes out
// as a keyframe to everyone.
func (f *fanout) touch() {
	f.prevOK = false
	f.fresh = false
}

// encode returns the encoding of m, valid until the next call.
func (f *fanout) encode(m protocol.Message) []byte {
	b, err := f.enc.Append(f.buf[:0], m)
	if err != nil {
		// The room encodes only messages it built itself; failing is a bug, not bad input.
		panic("encoding a " + m.Type().String() + " message: " + err.Error())
	}
	f.buf = b
	return b
}

func (f *fanout) frame(m protocol.Message) *transport.Frame { return f.pool.Binary(f.encode(m)) }

// snapshot encodes the state after a step: the keyframe and, when every connection was sent
// the previous tick's state, the delta against it (else nil). The caller releases the delta;
// the keyframe stays held by the fanout for players who join before the next tick.
func (f *fanout) snapshot(w *game.World, state protocol.State) (key, delta *transport.Frame) {
	f.cur.Fill(w, state)
	f.setKey(f.frame(&f.cur))
	if f.prevOK && f.delta.Diff(&f.prev, &f.cur) == nil {
		delta = f.frame(&f.delta)
	}
	f.prev, f.cur = f.cur, f.prev
	f.prevOK, f.fresh = true, true
	return f.key, delta
}

// keyframe returns a keyframe of the current state without disturbing the delta base.
func (f *fanout) keyframe(w *game.World, state protocol.State) *transport.Frame {
	if !f.fresh || f.key == nil {
		f.cur.Fill(w, state)
		f.setKey(f.frame(&f.cur))
		f.fresh = true
	}
	return f.key
}

func (f *fanout) setKey(k *transport.Frame) {
	if f.key != nil {
		f.key.Release()
	}
	f.key = k
}

// events returns a frame of evs held once by the caller.
func (f *fanout) events(evs []protocol.Event) *transport.Frame {
	f.evs.List = evs
	return f.frame(&f.evs)
}

// status returns a frame of st held once by the caller.
func (f *fanout) status(st *protocol.Status) *transport.Frame { return f.frame(st) }

func (f *fanout) release() {
	f.setKey(nil)
}
