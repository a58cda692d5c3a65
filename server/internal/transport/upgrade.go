package transport

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gobwas/ws"
)

// ErrOrigin is returned by Upgrade when the request's Origin is not allowed.
var ErrOrigin = errors.New("origin not allowed")

// OriginPolicy decides which browser pages may open a connection. With no allowed origins
// only the same origin is accepted (the Origin's host equals the request's Host). A request
// without an Origin header does not come from a browser page and is accepted.
type OriginPolicy struct {
	Allowed []string // full origins such as "https://play.example.com"
}

// Check returns nil when r may proceed, else an error wrapping ErrOrigin with the reason.
func (p OriginPolicy) Check(r *http.Request) error {
	return p.CheckOrigin(r.Header.Get("Origin"), r.Host)
}

// CheckOrigin is Check for an Origin header value and the request's Host.
func (p OriginPolicy) CheckOrigin(origin, host string) error {
	if origin == "" {
		return nil
	}
	if len(p.Allowed) > 0 {
		if slices.Contains(p.Allowed, strings.TrimRight(origin, "/")) {
			return nil
		}
		return errors.Join(ErrOrigin, errors.New("origin "+origin+" is not in the allowed list"))
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return errors.Join(ErrOrigin, errors.New("origin "+origin+" is not a valid origin"))
	}
	if !strings.EqualFold(u.Host, host) {
		return errors.Join(ErrOrigin, errors.New("origin "+origin+" does not match host "+host))
	}
	return nil
}

// Upgrade turns an HTTP request into a WebSocket connection. The caller checks the origin
// first so that it can answer a refusal in its own format. The upgrade hijacks the socket
// from net/http and keeps only the bytes net/http already buffered past the request. It
// serves the upgrades that Demux does not see: those on a connection that carried other
// requests before.
func Upgrade(w http.ResponseWriter, r *http.Request, opts Options) (*Conn, error) {
	nc, rw, _, err := ws.HTTPUpgrader{}.Upgrade(r, w)
	if err != nil {
		if nc != nil {
			_ = nc.Close()
		}
		return nil, err
	}
	return newConn(nc, rw.Reader, opts), nil
}
