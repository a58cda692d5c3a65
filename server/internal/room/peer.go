package room

import (
	"skirmish/game/protocol"
	"skirmish/server/internal/transport"
)

// Peer is a player's connection as a room sees it; *transport.Conn is the real one. Its
// methods are called from the room's ticker and must not block.
type Peer interface {
	// Send queues a shared frame; the peer takes its own reference.
	Send(f *transport.Frame)
	// SendOwned queues a frame and takes over the caller's reference.
	SendOwned(f *transport.Frame)
	// SendSnapshot queues the state of tick: the delta (nil when there is none) if the peer
	// has everything before it, else the keyframe, which it asks of key only then.
	SendSnapshot(key transport.KeySource, delta *transport.Frame, tick uint32)
	// Close sends msg (may be nil) and a close frame with code and reason, then closes.
	Close(msg *transport.Frame, code uint16, reason string)
}

var _ Peer = (*transport.Conn)(nil)

// closePeer tells p why it is closed: an error message, unless the close is a normal one, and
// a close frame with the same code and reason.
func closePeer(p Peer, code protocol.Code, reason string) {
	var msg *transport.Frame
	if code != protocol.CodeNormal {
		var enc protocol.Encoder
		if b, err := enc.Encode(&protocol.Error{Code: code, Message: reason}); err == nil {
			msg = transport.NewFrame(opBinary, b)
		}
	}
	p.Close(msg, uint16(code), reason)
}
