package spectate

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// pipeBuffer bounds the bytes a pipe holds for its handler; a spectator that lets it fill
// owes the rest like one whose socket is full.
const pipeBuffer = 64 << 10

// pipe carries a spectator's stream through net/http when the connection cannot be taken
// over: over HTTP/2, where the streams of a page share one connection, and over TLS, where
// the descriptor carries ciphertext. The topic's writer puts bytes in a bounded buffer
// without ever blocking, as it would write to a socket, and the request's handler goroutine
// writes them out and flushes. It costs that goroutine, which the taken-over path saves.
type pipe struct {
	mu   sync.Mutex
	buf  []byte
	err  error // why the handler stopped writing
	wake chan struct{}
	done chan struct{}
	once sync.Once
}

func newPipe() *pipe {
	return &pipe{wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// put takes as much of b, or of the buffers of bs when b is nil, as fits and says how much,
// as a non-blocking write(2) does. It fails once the handler has stopped.
func (p *pipe) put(b []byte, bs [][]byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return 0, p.err
	}
	n := 0
	take := func(x []byte) bool {
		fit := min(pipeBuffer-len(p.buf), len(x))
		p.buf = append(p.buf, x[:fit]...)
		n += fit
		return fit == len(x)
	}
	if b != nil {
		take(b)
	}
	for _, x := range bs {
		if !take(x) {
			break
		}
	}
	if n > 0 {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
	return n, nil
}

// close ends the stream: the handler writes what is left and returns.
func (p *pipe) close() { p.once.Do(func() { close(p.done) }) }

// stop records why the handler stopped writing; later puts fail with it.
func (p *pipe) stop(err error) {
	p.mu.Lock()
	p.err = err
	p.mu.Unlock()
}

// serve writes what is put, each batch under a deadline of stuck, until the pipe closes, the
// request ends or a write fails.
func (p *pipe) serve(ctx context.Context, w http.ResponseWriter, rc *http.ResponseController, stuck time.Duration) {
	var out []byte
	for {
		closing := false
		select {
		case <-p.wake:
		case <-p.done:
			closing = true
		case <-ctx.Done():
			p.stop(ctx.Err())
			return
		}
		p.mu.Lock()
		out, p.buf = p.buf, out[:0]
		p.mu.Unlock()
		if len(out) > 0 {
			_ = rc.SetWriteDeadline(time.Now().Add(stuck))
			_, err := w.Write(out)
			if err == nil {
				err = rc.Flush()
			}
			if err != nil {
				p.stop(err)
				return
			}
		}
		if closing {
			p.stop(http.ErrBodyNotAllowed)
			return
		}
	}
}
