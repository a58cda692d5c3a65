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
// handshake for all but the floors) and starts draining them. For FloorInput and GobwasInput
// each reader answers every frame of frameBytes with one input, as a player answers every tick.
func Dial(ctx context.Context, kind Kind, addr string, n, frameBytes int) (*Sink, error) {
	s := &Sink{}
	for range n {
		c, err := dialOne(ctx, kind, addr)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.conns = append(s.conns, c)
		s.wg.Go(func() {
			if kind.answers() {
				s.bytes.Add(answer(c, frameBytes))
				return
			}
			n, _ := io.Copy(io.Discard, c)
			s.bytes.Add(n)
		})
	}
	return s, nil
}

// input is what an answering reader sends per frame: a masked client frame of 14 bytes, the
// size of a player's input message.
var input = ws.MustCompileFrame(ws.MaskFrameWith(ws.NewBinaryFrame(make([]byte, 8)), [4]byte{}))

// answer reads whole frames from c and sends an input for each; it returns the bytes read.
func answer(c net.Conn, frameBytes int) int64 {
	buf := make([]byte, frameBytes)
	var total int64
	for {
		n, err := io.ReadFull(c, buf)
		total += int64(n)
		if err != nil {
			return total
		}
		if _, err := c.Write(input); err != nil {
			n, _ := io.Copy(io.Discard, c)
			return total + n
		}
	}
}

func dialOne(ctx context.Context, kind Kind, addr string) (net.Conn, error) {
	if kind == Floor || kind == FloorInput {
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
