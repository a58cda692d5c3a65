// Package client is Skirmish's Go client: it connects to a server's player WebSocket, says
// hello or resumes a seat with its session token, sends inputs, keeps the full room state
// from keyframes and deltas, measures the round-trip time, and reconnects by itself with
// exponential backoff and jitter. The desktop client, the server's tests and the load
// generator all use it. It does no drawing.
package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"

	"skirmish/game/protocol"
)

// Config says where to connect and how to behave.
type Config struct {
	URL  string // the server's player endpoint, e.g. ws://localhost:8080/ws
	Room string // the room to join
	Name string // the player's name
	// Token resumes an earlier seat (from a Welcome); empty takes a new seat. The client
	// keeps the token of every Welcome for its own reconnections.
	Token string
	// Origin, when set, is sent as the Origin header (as a browser would).
	Origin string
	// NoReconnect makes the first connection the only one.
	NoReconnect bool
	// Backoff spaces reconnections; default 250 ms to 8 s.
	Backoff Backoff
	// ReadTimeout is how long the server may stay silent before the connection counts as
	// dead (a server with nothing else to send pings every second); default 5 s.
	ReadTimeout time.Duration
	// PingInterval is how often the client sends a protocol ping to measure the round trip;
	// default 1 s, negative disables.
	PingInterval time.Duration
	// Dial, when set, opens the TCP connection (tests route it through a proxy).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLS configures a wss:// connection, e.g. to trust a server's own certificate
	// authority; nil uses the system's roots.
	TLS *tls.Config
}

func (c Config) withDefaults() Config {
	if c.Backoff.Min <= 0 {
		c.Backoff.Min = 250 * time.Millisecond
	}
	if c.Backoff.Max <= 0 {
		c.Backoff.Max = 8 * time.Second
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 5 * time.Second
	}
	if c.PingInterval == 0 {
		c.PingInterval = time.Second
	}
	return c
}

// ConnState is where the client's connection stands.
type ConnState uint8

// The connection states the Handler's OnState reports.
const (
	Connecting   ConnState = iota + 1 // dialing and saying hello
	Connected                         // welcomed: messages flow
	Reconnecting                      // the connection dropped; waiting before the next attempt
	Closed                            // the client stopped for good (see the error)
)

var stateNames = [...]string{Connecting: "connecting", Connected: "connected", Reconnecting: "reconnecting", Closed: "closed"}

// String returns the state's name.
func (s ConnState) String() string {
	if int(s) < len(stateNames) && stateNames[s] != "" {
		return stateNames[s]
	}
	return fmt.Sprintf("ConnState(%d)", uint8(s))
}

// Handler receives what the server sends. Every callback runs on the client's reading
// goroutine, in order, and must return quickly (hand the value to the game loop) and must not
// call Close (which waits for that goroutine); values passed by pointer are reused after the
// callback returns. Nil callbacks are skipped.
type Handler struct {
	OnState   func(s ConnState, err error)
	OnWelcome func(w *protocol.Welcome)
	// OnSnapshot gets the full state at every tick received, reconstructed from deltas;
	// keyframe tells whether it came whole (after a welcome, or when a tick was skipped).
	OnSnapshot func(s *protocol.Snapshot, keyframe bool)
	OnEvents   func(evs []protocol.Event)
	OnStatus   func(s *protocol.Status)
	// OnPong reports the measured round trip and the room's tick.
	OnPong  func(rtt time.Duration, tick uint32)
	OnError func(e *protocol.Error)
}

// Client is a player's connection to a room, kept alive across drops until Close or Bye.
type Client struct {
	cfg Config
	h   Handler

	mu    sync.Mutex
	conn  *wsConn // nil while disconnected
	url   string  // where the next connection goes: Config.URL until a 4310 names another
	token string
	seat  int
	seq   uint32
	bye   bool

	enc    protocol.Encoder
	encMu  sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
	err    error
	rtt    atomic.Int64
}

// Start connects in the background and keeps the connection alive until ctx ends, Close or
// Bye is called, or the server refuses the client for good.
func Start(ctx context.Context, cfg Config, h Handler) *Client {
	ctx, cancel := context.WithCancel(ctx)
	c := &Client{cfg: cfg.withDefaults(), h: h, url: cfg.URL, token: cfg.Token, seat: -1, cancel: cancel, done: make(chan struct{})}
	go c.run(ctx)
	return c
}

// Done is closed when the client has stopped for good.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err is why the client stopped; valid after Done. A *CloseError carries the server's code.
func (c *Client) Err() error { return c.err }

// Token returns the current session token ("" before the first welcome).
func (c *Client) Token() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}

// Seat returns the seat the client holds, -1 before the first welcome.
func (c *Client) Seat() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seat
}

// URL returns the player endpoint the client connects to: Config.URL, or the owner's URL a
// 4310 (the room runs on another node) sent it to.
func (c *Client) URL() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.url
}

// RTT returns the latest measured round-trip time.
func (c *Client) RTT() time.Duration { return time.Duration(c.rtt.Load()) }

// ErrNotConnected is returned by the send methods while there is no connection.
var ErrNotConnected = errors.New("not connected")

// Input sends one tick of controls without a view tick (its shots are not compensated for
// lag); see SendInput.
func (c *Client) Input(buttons uint8, aimX, aimY int16) (uint32, error) {
	return c.SendInput(protocol.Input{Buttons: buttons, AimX: aimX, AimY: aimY})
}

// SendInput sends in with the next sequence number in place of in.Seq and returns that
// number, for the caller's prediction. Sequence numbers keep rising across reconnections (the
// server accepts any rising sequence on a new connection). It writes at once: a few bytes
// that a live socket takes without waiting.
func (c *Client) SendInput(in protocol.Input) (uint32, error) {
	c.mu.Lock()
	c.seq++
	seq, conn := c.seq, c.conn
	c.mu.Unlock()
	if conn == nil {
		return seq, ErrNotConnected
	}
	in.Seq = seq
	return seq, c.send(conn, &in)
}

// Bye leaves the room on purpose (the room does not pause) and stops the client.
func (c *Client) Bye() {
	c.mu.Lock()
	c.bye = true
	conn := c.conn
	c.mu.Unlock()
	if conn != nil {
		_ = c.send(conn, &protocol.Bye{})
	}
	c.cancel()
}

// Close stops the client and drops its connection without a bye: the server sees a lost
// player (and pauses a running room).
func (c *Client) Close() {
	c.cancel()
	<-c.done
}

func (c *Client) send(conn *wsConn, m protocol.Message) error {
	c.encMu.Lock()
	defer c.encMu.Unlock()
	b, err := c.enc.Encode(m)
	if err != nil {
		return err
	}
	return conn.write(ws.OpBinary, b)
}

// run connects, serves the connection, and reconnects after a drop, until told to stop.
func (c *Client) run(ctx context.Context) {
	defer close(c.done)
	attempt, moves := 0, 0
	for {
		c.state(Connecting, nil)
		welcomed, err := c.session(ctx)
		if welcomed {
			attempt, moves = 0, 0
		}
		if ctx.Err() != nil {
			c.stop(err)
			return
		}
		if !c.retry(err) {
			c.stop(err)
			return
		}
		c.state(Reconnecting, err)
		delay := c.cfg.Backoff.Delay(attempt)
		if c.follow(err) {
			// The first move goes at once; moves without a welcome between them back off, so
			// that nodes which disagree for a moment about the owner cannot make it spin.
			if moves++; moves == 1 {
				delay = 0
			}
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			c.stop(err)
			return
		}
		attempt++
	}
}

func (c *Client) stop(err error) {
	c.mu.Lock()
	if c.bye && err != nil {
		err = nil
	}
	c.mu.Unlock()
	c.err = err
	c.state(Closed, err)
}

// retry reports whether a session that ended with err is worth another attempt: not after
// a bye or NoReconnect, nor when the server refused the request itself (codes 4500-4999).
func (c *Client) retry(err error) bool {
	c.mu.Lock()
	bye := c.bye
	c.mu.Unlock()
	if bye || c.cfg.NoReconnect {
		return false
	}
	var ce *CloseError
	if errors.As(err, &ce) {
		return ce.Code.Reconnect()
	}
	var se ws.StatusError
	if errors.As(err, &se) {
		return int(se) >= 500
	}
	return true
}

// follow takes the owner's URL from a 4310 (another node runs the room) as the endpoint of
// every later connection, and reports whether err was one.
func (c *Client) follow(err error) bool {
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != protocol.CodeMoved || ce.Reason == "" {
		return false
	}
	c.mu.Lock()
	c.url = ce.Reason
	c.mu.Unlock()
	return true
}

func (c *Client) state(s ConnState, err error) {
	if c.h.OnState != nil {
		c.h.OnState(s, err)
	}
}

// session runs one connection: dial, hello, then read until it ends. It reports whether the
// server welcomed the client.
func (c *Client) session(ctx context.Context) (welcomed bool, err error) {
	d := ws.Dialer{Timeout: 5 * time.Second, NetDial: c.cfg.Dial, TLSConfig: c.cfg.TLS}
	if c.cfg.Origin != "" {
		d.Header = ws.HandshakeHeaderHTTP(http.Header{"Origin": {c.cfg.Origin}})
	}
	c.mu.Lock()
	url := c.url
	c.mu.Unlock()
	nc, br, _, err := d.Dial(ctx, url)
	if err != nil {
		// The node a 4310 named may be gone (it died, and its rooms went on elsewhere): the
		// URL the client started from sends it on again.
		c.mu.Lock()
		c.url = c.cfg.URL
		c.mu.Unlock()
		return false, fmt.Errorf("dial %s: %w", url, err)
	}
	conn := newWSConn(nc, br, c.cfg.ReadTimeout)
	defer conn.close()
	stop := context.AfterFunc(ctx, func() { _ = conn.close() })
	defer stop()

	c.mu.Lock()
	token := c.token
	c.mu.Unlock()
	if err := c.send(conn, &protocol.Hello{Version: protocol.Version, Name: c.cfg.Name, Room: c.cfg.Room, Token: token}); err != nil {
		return false, err
	}
	r := reader{c: c, conn: conn}
	defer func() {
		c.mu.Lock()
		c.conn = nil
		c.mu.Unlock()
	}()
	pingDone := make(chan struct{})
	defer close(pingDone)
	if c.cfg.PingInterval > 0 {
		go c.pinger(conn, pingDone)
	}
	err = r.loop()
	return r.welcomed, err
}

// pinger sends a protocol ping on an interval to measure the round trip.
func (c *Client) pinger(conn *wsConn, done <-chan struct{}) {
	t := time.NewTicker(c.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case now := <-t.C:
			if c.send(conn, &protocol.Ping{ClientTime: now.UnixNano()}) != nil {
				return
			}
		}
	}
}
