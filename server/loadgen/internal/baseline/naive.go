package baseline

import (
	"context"
	"net"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// naive upgrades with gobwas/ws and, every round, encodes the message for each player and
// writes it with wsutil.WriteServerMessage: the straightforward server that the one-frame
// fan-out is meant to beat. Like any server it reads every connection in its own goroutine.
type naive struct {
	conns   []net.Conn
	encode  func() []byte
	written int64
}

func serveNaive(ln net.Listener, n int, payload []byte, encode func() []byte) (*naive, error) {
	if encode == nil {
		encode = func() []byte { return append([]byte(nil), payload...) }
	}
	s := &naive{encode: encode}
	for len(s.conns) < n {
		c, err := acceptWS(ln)
		if err != nil {
			s.close()
			return nil, err
		}
		s.conns = append(s.conns, c)
		go readClient(c)
	}
	return s, nil
}

// readClient reads and discards client frames, answering control frames, until the
// connection ends.
func readClient(c net.Conn) {
	for {
		if _, _, err := wsutil.ReadClientData(c); err != nil {
			return
		}
	}
}

func (s *naive) round() {
	for _, c := range s.conns {
		if err := wsutil.WriteServerMessage(c, ws.OpBinary, s.encode()); err == nil {
			s.written++
		}
	}
}

func (s *naive) flush(context.Context) error { return nil }

func (s *naive) sent() int64 { return s.written }

func (s *naive) close() {
	for _, c := range s.conns {
		c.Close()
	}
}
