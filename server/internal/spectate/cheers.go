package spectate

import (
	"encoding/json"
	"errors"
	"math"
	"net"
	"net/http"
	"skirmish/game/protocol"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxCheerBody bounds the request body of a cheer.
const maxCheerBody = 1 << 10

// ServeCheer serves POST /api/rooms/{room}/cheers (and its CORS preflight). It must be
// mounted for every method with the path wildcard {room}.
func (h *Hub) ServeCheer(w http.ResponseWriter, r *http.Request) {
	cors, ok := h.checkOrigin(r)
	if !ok {
		refuseOrigin(w)
		return
	}
	if cors != "" {
		w.Header().Set("Access-Control-Allow-Origin", cors)
		w.Header().Set("Vary", "Origin")
	}
	switch r.Method {
	case http.MethodOptions:
		w.Header().Set("Access-Control-Allow-Methods", "POST")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
		w.Header().Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "POST, OPTIONS")
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "cheers are POSTed")
		return
	}
	room := r.PathValue("room")
	if h.lookup(room) == nil && (h.opts.Relay == nil || !h.opts.Relay.Elsewhere(room)) {
		writeError(w, http.StatusNotFound, "room_not_found", "no room with this id")
		return
	}
	var body struct {
		Text string `json:"text"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxCheerBody))
	if err := dec.Decode(&body); err != nil {
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", "the body is too large")
			return
		}
		h.metrics.cheers.WithLabelValues("invalid").Inc()
		writeError(w, http.StatusBadRequest, "bad_json", `the body must be JSON like {"text":"gg"}`)
		return
	}
	text, err := validCheer(body.Text)
	if err != nil {
		h.metrics.cheers.WithLabelValues("invalid").Inc()
		writeError(w, http.StatusBadRequest, "bad_cheer", err.Error())
		return
	}
	if wait := h.cheers.take(clientAddr(r), time.Now()); wait > 0 {
		h.metrics.cheers.WithLabelValues("limited").Inc()
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		writeError(w, http.StatusTooManyRequests, "rate_limited", "too many cheers; wait a moment")
		return
	}
	if err := h.cheer(room, text); err != nil {
		writeError(w, http.StatusNotFound, "room_not_found", "no room with this id")
		return
	}
	h.metrics.cheers.WithLabelValues("accepted").Inc()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(struct {
		Text string `json:"text"`
	}{text})
}

// cheer hands a cheer to the room, or straight to its spectators when no room hook is set.
func (h *Hub) cheer(room, text string) error {
	if h.opts.Cheer != nil {
		return h.opts.Cheer(room, text)
	}
	f := h.lookup(room)
	if f == nil {
		return ErrNoRoom
	}
	f.t.publish(kindCheer, cheerJSON(0, text), broadcast|discrete)
	return nil
}

// validCheer returns the trimmed text if it is a reaction or short printable text.
func validCheer(text string) (string, error) {
	text = strings.TrimSpace(text)
	switch {
	case slices.Contains(protocol.Reactions, text):
		return text, nil
	case text == "":
		return "", errors.New("a cheer needs some text")
	case utf8.RuneCountInString(text) > protocol.MaxCheerRunes:
		return "", errors.New("a cheer is at most " + strconv.Itoa(protocol.MaxCheerRunes) + " characters")
	}
	for _, c := range text {
		// JSON decoding turns bytes that are not UTF-8 into U+FFFD, which is refused with them.
		if c == utf8.RuneError {
			return "", errors.New("a cheer must be UTF-8")
		}
		// Joiners build emoji; every other character must print.
		if !unicode.IsPrint(c) && c != '\u200d' {
			return "", errors.New("a cheer must be printable text")
		}
	}
	return text, nil
}

// clientAddr is the rate-limited identity of a request: its peer's IP address. Forwarding
// headers are not trusted, since anyone can set them.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limiter is a token bucket per client address.
type limiter struct {
	burst float64
	every time.Duration

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the limiter's memory; beyond it, full buckets are forgotten.
const maxBuckets = 10000

func (l *limiter) init(burst int, every time.Duration) {
	l.burst, l.every = float64(burst), every
	l.buckets = make(map[string]*bucket)
}

// take spends one token of addr's bucket and returns 0, or returns how long until a token is
// available without spending any.
func (l *limiter) take(addr string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[addr]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.forgetFull(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[addr] = b
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.every))
	b.at = now
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) * float64(l.every))
	}
	b.tokens--
	return 0
}

// forgetFull drops the buckets that have refilled: forgetting them changes nothing.
func (l *limiter) forgetFull(now time.Time) {
	for addr, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.at))/float64(l.every) >= l.burst {
			delete(l.buckets, addr)
		}
	}
}
