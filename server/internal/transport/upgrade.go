package transport

import (
	"net/http"
	"time"

	"github.com/gobwas/ws"
)

// Upgrade turns an HTTP request into a WebSocket connection. The caller admits the request
// first, so that it can answer a refusal in its own format; release (may be nil) is called
// once when the connection closes. The upgrade hijacks the socket from net/http and keeps the
// bytes net/http already buffered past the request as the first frames. It serves the
// upgrades that Demux does not see: those on a connection that carried other requests
// before.
func Upgrade(w http.ResponseWriter, r *http.Request, opts Options, release func()) (*Conn, error) {
	nc, rw, _, err := ws.HTTPUpgrader{}.Upgrade(r, w)
	if err != nil {
		if nc != nil {
			_ = nc.Close()
		}
		if release != nil {
			release()
		}
		return nil, err
	}
	// net/http's read and write timeouts are still set on the socket; the connection keeps
	// its own (see keepalive.go and writer.go).
	_ = nc.SetDeadline(time.Time{})
	early, _ := rw.Reader.Peek(rw.Reader.Buffered())
	opts = opts.withDefaults()
	return newConn(nc, early, &opts, release), nil
}
