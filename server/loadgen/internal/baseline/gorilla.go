package baseline

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// gorillaHub is the hub of gorilla/websocket's chat example, sending binary messages: each
// client has a buffered send channel drained by its own writer goroutine (which also pings),
// and a reader goroutine; the hub drops a client whose channel is full.
type gorillaHub struct {
	srv     *http.Server
	mu      sync.Mutex
	clients []*gorillaClient
	joined  chan struct{}
	want    int
	payload []byte
	inFlight
}

type gorillaClient struct {
	conn *websocket.Conn
	send chan []byte
}

// The chat example's settings.
const (
	gorillaSendQueue  = 256
	gorillaPingPeriod = 54 * time.Second
	gorillaWriteWait  = 10 * time.Second
)

var gorillaUpgrader = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024}

func serveGorilla(ctx context.Context, ln net.Listener, n int, payload []byte) (*gorillaHub, error) {
	h := &gorillaHub{joined: make(chan struct{}), want: n, payload: payload, inFlight: newInFlight()}
	h.srv = &http.Server{Handler: http.HandlerFunc(h.upgrade), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := h.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			h.srv.Close()
		}
	}()
	select {
	case <-h.joined:
		return h, nil
	case <-ctx.Done():
		h.close()
		return nil, fmt.Errorf("wait for %d clients: %w", n, ctx.Err())
	}
}

func (h *gorillaHub) upgrade(w http.ResponseWriter, r *http.Request) {
	conn, err := gorillaUpgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &gorillaClient{conn: conn, send: make(chan []byte, gorillaSendQueue)}
	go h.writePump(c)
	go c.readPump()
	h.mu.Lock()
	h.clients = append(h.clients, c)
	if len(h.clients) == h.want {
		close(h.joined)
	}
	h.mu.Unlock()
}

func (c *gorillaClient) readPump() {
	defer c.conn.Close()
	for {
		if _, _, err := c.conn.ReadMessage(); err != nil {
			return
		}
	}
}

func (h *gorillaHub) writePump(c *gorillaClient) {
	ticker := time.NewTicker(gorillaPingPeriod)
	defer func() {
		ticker.Stop()
		c.conn.Close()
	}()
	for {
		select {
		case msg, ok := <-c.send:
			c.conn.SetWriteDeadline(time.Now().Add(gorillaWriteWait))
			if !ok {
				c.conn.WriteMessage(websocket.CloseMessage, nil)
				return
			}
			err := c.conn.WriteMessage(websocket.BinaryMessage, msg)
			if err == nil {
				h.written.Add(1)
			}
			h.done()
			if err != nil {
				return
			}
		case <-ticker.C:
			c.conn.SetWriteDeadline(time.Now().Add(gorillaWriteWait))
			if err := c.conn.WriteMessage(websocket.PingMessage, nil); err != nil {
				return
			}
		}
	}
}

func (h *gorillaHub) round() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.clients {
		h.queued()
		select {
		case c.send <- h.payload:
		default:
			h.done() // the chat example drops a client that is this far behind
		}
	}
}

func (h *gorillaHub) close() {
	h.srv.Close()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.clients {
		close(c.send)
	}
	h.clients = nil
}
