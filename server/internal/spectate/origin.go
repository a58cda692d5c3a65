package spectate

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// checkOrigin reports whether a browser request may be served and which Origin to echo in
// CORS headers: none for requests without an Origin or from the page's own origin, the
// request's Origin when Options.Origins allows it.
func (h *Hub) checkOrigin(r *http.Request) (cors string, ok bool) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return "", true
	}
	if u, err := url.Parse(origin); err == nil && strings.EqualFold(u.Host, r.Host) {
		return "", true
	}
	for _, allowed := range h.opts.Origins {
		if allowed == "*" || strings.EqualFold(allowed, origin) {
			return origin, true
		}
	}
	return "", false
}

// errorJSON is the body of every error answer.
type errorJSON struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// writeError answers with status and a JSON error.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(errorJSON{Error: msg, Code: code})
}

// refuseOrigin answers a request from an Origin that is not allowed.
func refuseOrigin(w http.ResponseWriter) {
	writeError(w, http.StatusForbidden, "origin_not_allowed", "this origin may not use the feed")
}
