// Package admission is the server's one admission policy: who may open a player connection,
// a spectator stream, a cheer or a room, decided the same way at every entry point. It holds
// the Origin rule (the server's own pages always, plus the -origins list), the per-address
// limits (connections open, rooms created per minute), the server's own state (draining,
// overloaded), and the accounting of every refusal: counted by reason in /metrics and logged
// at warn level (the log handler rate-limits those lines).
//
// Refusals are *httperr.Error values, so each entry point answers them in its own form: a
// JSON error over net/http, a complete response on a raw socket.
package admission

import (
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"skirmish/server/internal/httperr"
	"skirmish/server/internal/ratelimit"
	"skirmish/server/internal/transport"
)

// Config is what the policy enforces. Zero limits mean no limit.
type Config struct {
	// Origins are the browser Origins allowed besides the server's own (see MatchOrigin).
	Origins []string
	// MaxConnsPerIP bounds the player connections and spectator streams open from one
	// address (an IPv6 /64 counts as one address).
	MaxConnsPerIP int
	// RoomsPerMinute bounds the rooms one address may create in a minute (a burst of that
	// many, then one every 60/RoomsPerMinute seconds).
	RoomsPerMinute int
	// Overloaded reports whether the server is short of headroom; nil means never.
	Overloaded func() bool
	// Fleet says the server is a node of a fleet, which places new rooms where there is
	// headroom.
	Fleet bool
	// Refusals counts refusals by reason; nil counts nothing.
	Refusals *prometheus.CounterVec
	Logger   *slog.Logger
}

// Policy applies a Config. It is safe for concurrent use.
type Policy struct {
	cfg      Config
	origins  []string // normalised Config.Origins
	draining atomic.Bool
	rooms    ratelimit.Limiter

	mu    sync.Mutex
	conns map[string]int // open connections by ClientKey
}

// New returns the policy for cfg.
func New(cfg Config) *Policy {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Policy{cfg: cfg, conns: make(map[string]int)}
	for _, o := range cfg.Origins {
		p.origins = append(p.origins, normalizeOrigin(o))
	}
	if cfg.RoomsPerMinute > 0 {
		p.rooms.Init(cfg.RoomsPerMinute, time.Minute/time.Duration(cfg.RoomsPerMinute))
	}
	return p
}

// Drain makes the policy refuse every new player, stream and room: the server shuts down.
func (p *Policy) Drain() { p.draining.Store(true) }

// Draining reports whether the server shuts down.
func (p *Policy) Draining() bool { return p.draining.Load() }

// Overloaded reports whether the server is short of headroom and takes no newcomers.
func (p *Policy) Overloaded() bool { return p.cfg.Overloaded != nil && p.cfg.Overloaded() }

// The refusals every entry point shares.
var (
	errDraining = httperr.New(http.StatusServiceUnavailable, "shutting_down", "the server is shutting down")
	// ErrOverloaded is the refusal of a newcomer while the server is short of headroom; in a
	// fleet, while every node is.
	ErrOverloaded = &httperr.Error{Status: http.StatusServiceUnavailable, Code: "server_busy",
		Message: "the server is at capacity; try again in a minute", RetryAfter: 30 * time.Second}
)

// Player admits a player's WebSocket upgrade: the Origin, the server's state, and the
// address's open connections. The returned release must be called when the connection ends.
// Overload is not checked here: a player resuming its seat is always let in, so the room
// checks it once the hello says whether the player is new.
func (p *Policy) Player(h transport.Handshake) (release func(), refusal *httperr.Error) {
	remote := addrString(h.Remote)
	if _, err := p.checkOrigin(h.Origin, h.Host); err != nil {
		return nil, p.Refuse(err, remote)
	}
	if p.Draining() {
		return nil, p.Refuse(errDraining, remote)
	}
	return p.hold(remote)
}

// Stream admits a spectator or lobby stream: the Origin, the server's state and the
// address's open connections. It returns the Origin to allow in CORS headers (empty for
// same-origin and non-browser requests) and the release to call when the stream ends.
func (p *Policy) Stream(r *http.Request) (cors string, release func(), refusal *httperr.Error) {
	cors, err := p.checkOrigin(r.Header.Get("Origin"), r.Host)
	if err != nil {
		return "", nil, p.Refuse(err, r.RemoteAddr)
	}
	if p.Draining() {
		return "", nil, p.Refuse(errDraining, r.RemoteAddr)
	}
	release, err = p.hold(r.RemoteAddr)
	return cors, release, err
}

// Browser admits a request that changes state on behalf of a page (a cheer, a room): the
// Origin must be allowed and the body must be declared JSON, which a cross-site form cannot
// do without a CORS preflight. It returns the Origin to allow in CORS headers.
func (p *Policy) Browser(r *http.Request) (cors string, refusal *httperr.Error) {
	cors, err := p.checkOrigin(r.Header.Get("Origin"), r.Host)
	if err != nil {
		return "", p.Refuse(err, r.RemoteAddr)
	}
	if r.Method == http.MethodPost && !isJSON(r.Header.Get("Content-Type")) {
		return cors, p.Refuse(httperr.New(http.StatusUnsupportedMediaType, "bad_content_type",
			"the body must be sent as Content-Type: application/json"), r.RemoteAddr)
	}
	return cors, nil
}

// CORS admits the Origin of any other request and returns the Origin to allow in CORS
// headers (a preflight, a read).
func (p *Policy) CORS(r *http.Request) (cors string, refusal *httperr.Error) {
	cors, err := p.checkOrigin(r.Header.Get("Origin"), r.Host)
	if err != nil {
		return "", p.Refuse(err, r.RemoteAddr)
	}
	return cors, nil
}

// CreateRoom admits the creation of a room by r (after Browser): not while draining or
// overloaded, and not beyond the address's rooms per minute. In a fleet a node short of
// headroom still takes the request: the fleet places the room on a node that has it.
func (p *Policy) CreateRoom(r *http.Request) *httperr.Error {
	switch {
	case p.Draining():
		return p.Refuse(errDraining, r.RemoteAddr)
	case !p.cfg.Fleet && p.Overloaded():
		return p.Refuse(ErrOverloaded, r.RemoteAddr)
	}
	if p.cfg.RoomsPerMinute > 0 {
		if wait := p.rooms.Take(ClientKey(r.RemoteAddr), time.Now()); wait > 0 {
			return p.Refuse(&httperr.Error{Status: http.StatusTooManyRequests, Code: "rate_limited",
				Message: "too many rooms created from this address; wait a moment", RetryAfter: wait}, r.RemoteAddr)
		}
	}
	return nil
}

// Simulation admits a request that starts a simulation of its own, a room or a replay:
// not while the server drains or is short of headroom. A replay checks it before its match
// is loaded, and Stream admits its stream after.
func (p *Policy) Simulation(r *http.Request) *httperr.Error {
	switch {
	case p.Draining():
		return p.Refuse(errDraining, r.RemoteAddr)
	case p.Overloaded():
		return p.Refuse(ErrOverloaded, r.RemoteAddr)
	}
	return nil
}

// Refuse counts and logs a refusal by its code and returns it. Entry points call it for the
// refusals they decide themselves, so that every refusal shows in /metrics.
func (p *Policy) Refuse(e *httperr.Error, remote string) *httperr.Error {
	Count(p.cfg.Refusals, p.cfg.Logger, e.Code, remote, e.Message)
	return e
}

// Count counts a refusal or kick by reason and logs it at warn level. It is for the layers
// that have no Policy (the listener, the room); the log handler rate-limits the lines.
func Count(refusals *prometheus.CounterVec, log *slog.Logger, reason, remote, detail string) {
	if refusals != nil {
		refusals.WithLabelValues(reason).Inc()
	}
	if log != nil {
		log.Warn("refused", "reason", reason, "remote", remote, "detail", detail)
	}
}

// hold counts one more open connection from remote's address, or refuses it.
func (p *Policy) hold(remote string) (func(), *httperr.Error) {
	key := ClientKey(remote)
	p.mu.Lock()
	if n := p.conns[key]; p.cfg.MaxConnsPerIP > 0 && n >= p.cfg.MaxConnsPerIP {
		p.mu.Unlock()
		return nil, p.Refuse(httperr.New(http.StatusTooManyRequests, "too_many_connections",
			"too many connections from this address"), remote)
	}
	p.conns[key]++
	p.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			p.mu.Lock()
			if p.conns[key]--; p.conns[key] <= 0 {
				delete(p.conns, key)
			}
			p.mu.Unlock()
		})
	}, nil
}

// Conns returns how many connections are open from remote's address.
func (p *Policy) Conns(remote string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns[ClientKey(remote)]
}

// isJSON reports whether a Content-Type names JSON (parameters such as charset aside).
func isJSON(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/json")
}

// ClientKey is the identity that per-address limits count: the peer's IP address, or its /64
// network for IPv6, since one IPv6 client commonly holds a whole /64. Forwarding headers are
// not trusted, since anyone can set them.
func ClientKey(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip4 := ip.To4(); ip4 != nil {
		return ip4.String()
	}
	return (&net.IPNet{IP: ip.Mask(net.CIDRMask(64, 128)), Mask: net.CIDRMask(64, 128)}).String()
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}
