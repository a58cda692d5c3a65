package baseline

import (
	"fmt"
	"net"

	"github.com/gobwas/ws"
)

// gobwasHub is the common way to serve with gobwas/ws: the zero-copy upgrade, the round's
// message compiled once into a prepared frame (ws.CompileFrame) shared by every connection,
// and per connection a writer goroutine fed by a buffered channel and a reader goroutine.
type gobwasHub struct {
	conns   []*gobwasConn
	payload []byte
	inFlight
}

type gobwasConn struct {
	c    net.Conn
	send chan []byte
}

// gobwasSendQueue is each connection's channel of frames waiting for its writer.
const gobwasSendQueue = 64

func serveGobwas(ln net.Listener, n int, payload []byte) (*gobwasHub, error) {
	h := &gobwasHub{payload: payload, inFlight: newInFlight()}
	for len(h.conns) < n {
		c, err := acceptWS(ln)
		if err != nil {
			h.close()
			return nil, err
		}
		gc := &gobwasConn{c: c, send: make(chan []byte, gobwasSendQueue)}
		h.conns = append(h.conns, gc)
		go h.writeLoop(gc)
		go readClient(c)
	}
	return h, nil
}

func (h *gobwasHub) writeLoop(gc *gobwasConn) {
	for frame := range gc.send {
		if _, err := gc.c.Write(frame); err == nil {
			h.written.Add(1)
		}
		h.done()
	}
}

func (h *gobwasHub) round() {
	frame, err := ws.CompileFrame(ws.NewBinaryFrame(h.payload))
	if err != nil {
		panic(fmt.Sprintf("compile a binary frame: %v", err)) // cannot fail for a payload in memory
	}
	for _, gc := range h.conns {
		h.queued()
		select {
		case gc.send <- frame:
		default:
			h.done() // a connection this far behind loses the frame
		}
	}
}

func (h *gobwasHub) close() {
	for _, gc := range h.conns {
		close(gc.send)
		gc.c.Close()
	}
	h.conns = nil
}
