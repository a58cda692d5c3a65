package admission

import (
	"net/http"
	"net/url"
	"strings"

	"skirmish/server/internal/httperr"
)

// maxOrigin is longer than any real origin (a scheme, a DNS name and a port).
const maxOrigin = 300

// checkOrigin applies the Origin rule to a request's Origin header and Host: a request
// without an Origin does not come from a browser page and passes; so does a page of the
// server's own origin; any other page passes only if it matches an allowed origin. It returns
// the Origin to allow in CORS headers: empty unless the page is cross-origin.
func (p *Policy) checkOrigin(origin, host string) (cors string, refusal *httperr.Error) {
	if origin == "" {
		return "", nil
	}
	if len(origin) > maxOrigin {
		return "", httperr.New(http.StatusForbidden, "origin_not_allowed", "the Origin header is too long to be an origin")
	}
	if SameOrigin(origin, host) {
		return "", nil
	}
	for _, pattern := range p.origins {
		if MatchOrigin(pattern, origin) {
			return origin, nil
		}
	}
	return "", httperr.New(http.StatusForbidden, "origin_not_allowed",
		"pages of origin "+httperr.Quote(origin)+" may not use this server")
}

// SameOrigin reports whether a page of origin was served by the server the request reached
// at host: the hosts (with their ports) are equal ignoring case, and a default port (80 for
// http, 443 for https) may be written or left out. The scheme is not compared: behind a proxy
// that ends TLS the page is https while the server sees plain HTTP.
func SameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || host == "" {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return strings.EqualFold(stripDefaultPort(scheme, u.Host), stripDefaultPort(scheme, host))
}

// MatchOrigin reports whether origin matches an allowed pattern: scheme, host and port are
// compared ignoring case, and each * in the pattern stands for any run of characters (so
// "https://*.example.com" allows every subdomain, "http://localhost:*" every port, and "*"
// every origin).
func MatchOrigin(pattern, origin string) bool {
	return glob(normalizeOrigin(pattern), normalizeOrigin(origin))
}

// normalizeOrigin lowercases an origin and drops a trailing slash and a default port.
func normalizeOrigin(o string) string {
	o = strings.ToLower(strings.TrimRight(strings.TrimSpace(o), "/"))
	scheme, hostport, ok := strings.Cut(o, "://")
	if !ok {
		return o
	}
	return scheme + "://" + stripDefaultPort(scheme, hostport)
}

func stripDefaultPort(scheme, hostport string) string {
	switch {
	case scheme == "http" && strings.HasSuffix(hostport, ":80"):
		return strings.TrimSuffix(hostport, ":80")
	case scheme == "https" && strings.HasSuffix(hostport, ":443"):
		return strings.TrimSuffix(hostport, ":443")
	}
	return hostport
}

// glob matches s against pattern, where * stands for any run of characters. It backtracks
// only to the latest star, so its time is linear in len(s) times the number of stars.
func glob(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			mark++
			p, i = star+1, mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
