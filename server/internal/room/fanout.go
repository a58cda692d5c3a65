package room

import (
	"github.com/gobwas/ws"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/transport"
)

const opBinary = ws.OpBinary

// fanout turns the room's state into ready WebSocket frames, each encoded once and shared by
// every connection: per tick a delta against the previous tick, the keyframe only when a
// connection asks for one (a join, a resync, a client that fell behind), plus events and
// status as they happen. It reuses its snapshots, encoder and frames, so a tick allocates
// nothing in steady state.
type fanout struct {
	pool      *transport.Pool
	enc       protocol.Encoder
	buf       []byte
	prev, cur protocol.Snapshot // the state sent the tick before, and the newest one
	delta     protocol.Delta
	evs       protocol.Events
	// prevOK says prev is the state every connection was last sent, so a delta against it
	// is valid; a change outside a step (a seat taken, a state change) clears it.
	prevOK bool
	stale  bool             // the world or state changed since cur was filled
	key    *transport.Frame // keyframe of cur once encoded, held by the fanout
	keyed  bool             // key encodes cur
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

// touch records a change of the world or state outside a step: the next snapshot goes out
// as a keyframe to everyone.
func (f *fanout) touch() {
	f.prevOK = false
	f.stale = true
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

// snapshot takes the state after a step and returns the delta against the previous tick when
// every connection was sent that (else nil), which the caller releases. The fanout itself is
// the source of the tick's keyframe, encoded on the first Keyframe call.
func (f *fanout) snapshot(w *game.World, state protocol.State) (key transport.KeySource, delta *transport.Frame) {
	f.prev, f.cur = f.cur, f.prev
	f.cur.Fill(w, state)
	f.stale, f.keyed = false, false
	if f.prevOK && f.delta.Diff(&f.prev, &f.cur) == nil {
		delta = f.frame(&f.delta)
	}
	f.prevOK = true
	if f.eager {
		f.Keyframe()
	}
	return f, delta
}

// Keyframe implements transport.KeySource: the keyframe of the newest state, encoded once.
func (f *fanout) Keyframe() *transport.Frame {
	if !f.keyed || f.key == nil {
		f.setKey(f.frame(&f.cur))
		f.keyed = true
		f.keyframes++
	}
	return f.key
}

// keyframe returns the source of a keyframe of the current state, taking the state afresh if
// it changed outside a step.
func (f *fanout) keyframe(w *game.World, state protocol.State) transport.KeySource {
	if f.stale {
		f.cur.Fill(w, state)
		f.stale, f.keyed = false, false
	}
	return f
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
	f.keyed = false
}
