package baseline

import (
	"context"
	"fmt"
	"net"
)

// floor writes one prepared frame per connection per round. It runs no goroutine per
// connection and reads nothing: the write itself is all it costs.
type floor struct {
	conns   []net.Conn
	frame   []byte
	written int64
}

func serveFloor(ln net.Listener, n int, frame []byte) (*floor, error) {
	f := &floor{frame: frame}
	for len(f.conns) < n {
		c, err := ln.Accept()
		if err != nil {
			f.close()
			return nil, fmt.Errorf("accept: %w", err)
		}
		f.conns = append(f.conns, c)
	}
	return f, nil
}

func (f *floor) round() {
	for _, c := range f.conns {
		if _, err := c.Write(f.frame); err == nil {
			f.written++
		}
	}
}

func (f *floor) flush(context.Context) error { return nil }

func (f *floor) sent() int64 { return f.written }

func (f *floor) close() {
	for _, c := range f.conns {
		c.Close()
	}
}
