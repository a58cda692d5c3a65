package baseline

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"

	"github.com/gobwas/ws"
)

// acceptWS accepts a connection on ln and upgrades it to a WebSocket.
func acceptWS(ln net.Listener) (net.Conn, error) {
	c, err := ln.Accept()
	if err != nil {
		return nil, fmt.Errorf("accept: %w", err)
	}
	if _, err := ws.Upgrade(c); err != nil {
		c.Close()
		return nil, fmt.Errorf("upgrade: %w", err)
	}
	return c, nil
}

// inFlight counts the frames a hub with writer goroutines has queued and not yet handled,
// and those written, so that flush can wait for the writers to finish a round.
type inFlight struct {
	written atomic.Int64
	pending atomic.Int64
	idle    chan struct{}
}

func newInFlight() inFlight { return inFlight{idle: make(chan struct{}, 1)} }

// queued counts one frame handed to a writer.
func (q *inFlight) queued() { q.pending.Add(1) }

// done marks one queued frame as handled and wakes flush when none is left.
func (q *inFlight) done() {
	if q.pending.Add(-1) == 0 {
		select {
		case q.idle <- struct{}{}:
		default:
		}
	}
}

// flush waits until every queued frame is handled.
func (q *inFlight) flush(ctx context.Context) error {
	for q.pending.Load() > 0 {
		select {
		case <-q.idle:
		case <-ctx.Done():
			return fmt.Errorf("flush: %w", ctx.Err())
		}
	}
	return nil
}

// sent is how many frames the writers wrote.
func (q *inFlight) sent() int64 { return q.written.Load() }
