package baseline

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"

	"github.com/gobwas/ws"
)

// Sink is the receiving side of a measurement: n connections that read everything the
// baseline sends and count the bytes. Run it in another process than Serve so its reads
// are not charged to the sender.
type Sink struct {
	conns []net.Conn
	wg    sync.WaitGroup
	bytes atomic.Int64
}

// Dial opens n connections to a baseline of the given kind listening on addr (a WebSocket
// handshake for all but Floor) and starts draining them.
func Dial(ctx context.Context, kind Kind, addr string, n int) (*Sink, error) {
	s := &Sink{}
	for range n {
		c, err := dialOne(ctx, kind, addr)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.conns = append(s.conns, c)
		s.wg.Go(func() {
			n, _ := io.Copy(io.Discard, c)
			s.bytes.Add(n)
		})
	}
	return s, nil
}

func dialOne(ctx context.Context, kind Kind, addr string) (net.Conn, error) {
	if kind == Floor {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		return c, nil
	}
	c, br, _, err := ws.Dial(ctx, "ws://"+addr+"/")
	if err != nil {
		return nil, fmt.Errorf("dial ws://%s: %w", addr, err)
	}
	if br != nil {
		// Frames that arrived with the handshake response sit in br: read them first.
		return &bufferedConn{Conn: c, r: io.MultiReader(br, c)}, nil
	}
	return c, nil
}

type bufferedConn struct {
	net.Conn
	r io.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// Wait blocks until the sender has closed every connection and returns the bytes read.
func (s *Sink) Wait() int64 {
	s.wg.Wait()
	return s.bytes.Load()
}

// Close closes every connection.
func (s *Sink) Close() {
	for _, c := range s.conns {
		c.Close()
	}
}
