package transport

import (
	"sync"
	"sync/atomic"

	"github.com/gobwas/ws"
)

// Frame is one ready-to-send server WebSocket frame: header and payload in one buffer, so a
// connection sends it with a single write. Server frames are unmasked, so the same bytes are
// valid for every connection; a Frame is shared by reference counting and goes back to its
// Pool when the last holder releases it.
type Frame struct {
	buf  []byte
	refs atomic.Int32
	pool *Pool
	hdr  [ws.MaxHeaderSize]byte
}

// KeySource hands out the keyframe of a tick to the connections that need one (a join, a
// client that fell behind). A room builds it on the first demand, so a tick whose players all
// take the delta encodes no keyframe. It is called from the sender's goroutine.
type KeySource interface {
	// Keyframe returns the keyframe, held by the source; the connection takes its own reference.
	Keyframe() *Frame
}

// Keyframe makes a ready frame its own KeySource.
func (f *Frame) Keyframe() *Frame { return f }

// Bytes returns the frame as it goes on the wire. The slice is valid while a reference is held.
func (f *Frame) Bytes() []byte { return f.buf }

// Retain adds n holders.
func (f *Frame) Retain(n int32) { f.refs.Add(n) }

// Release drops one holder; the last one hands the buffer back to the pool.
func (f *Frame) Release() {
	if f.refs.Add(-1) == 0 && f.pool != nil {
		f.pool.free.Put(f)
	}
}

// Write appends p to the frame; it lets ws.WriteHeaderBuffer write the header in place.
func (f *Frame) Write(p []byte) (int, error) {
	f.buf = append(f.buf, p...)
	return len(p), nil
}

// SetMessage replaces the frame's content with a FIN frame of opcode op carrying payload.
func (f *Frame) SetMessage(op ws.OpCode, payload []byte) {
	f.buf = f.buf[:0]
	h := ws.Header{Fin: true, OpCode: op, Length: int64(len(payload))}
	// WriteHeaderBuffer only fails for a buffer under MaxHeaderSize or an impossible length.
	_ = ws.WriteHeaderBuffer(f, h, f.hdr[:])
	f.buf = append(f.buf, payload...)
}

// NewFrame returns an unpooled frame of opcode op carrying a copy of payload, held once.
// It is meant for rare per-connection messages (welcome, error, pong, close).
func NewFrame(op ws.OpCode, payload []byte) *Frame {
	f := &Frame{buf: make([]byte, 0, ws.MaxHeaderSize+len(payload))}
	f.SetMessage(op, payload)
	f.refs.Store(1)
	return f
}

// Pool recycles frames so that building the frames of a tick allocates nothing in steady state.
// It is safe for concurrent use: frames are released by connection writers. Idle frames go to
// the garbage collector in time (sync.Pool), so one pool serves many rooms: it holds about the
// frames in flight at once, not the most a room ever had.
type Pool struct {
	free sync.Pool
}

// Get returns an empty frame held once by the caller.
func (p *Pool) Get() *Frame {
	f, _ := p.free.Get().(*Frame)
	if f != nil {
		f.buf = f.buf[:0]
	} else {
		f = &Frame{buf: make([]byte, 0, 512), pool: p}
	}
	f.refs.Store(1)
	return f
}

// Binary returns a pooled binary frame carrying payload, held once by the caller.
func (p *Pool) Binary(payload []byte) *Frame {
	f := p.Get()
	f.SetMessage(ws.OpBinary, payload)
	return f
}
