package baseline

import (
	"context"
	"fmt"
	"net"
)

// floor writes one prepared frame per connection per round. Without inputs it runs no
// goroutine per connection and reads nothing: the write itself is all it costs. With inputs
// each connection also has a goroutine that reads and drops what its client sends.
type floor struct {
	conns   []net.Conn
	frame   []byte
	written int64
}

func serveFloor(ln net.Listener, n int, frame []byte, inputs bool) (*floor, error) {
	f := &floor{frame: frame}
	for len(f.conns) < n {
		c, err := ln.Accept()
		if err != nil {
			f.close()
			return nil, fmt.Errorf("accept: %w", err)
		}
		f.conns = append(f.conns, c)
		if inputs {
			go readInputs(c)
		}
	}
	return f, nil
}

// readInputs reads a client's messages into a small reused buffer until the connection
// ends; one read(2) per wake-up, as a server reading inputs without decoding them would.
func readInputs(c net.Conn) {
	var buf [512]byte
	for {
		if _, err := c.Read(buf[:]); err != nil {
			return
		}
	}
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
