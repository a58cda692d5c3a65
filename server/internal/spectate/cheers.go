package spectate

import (
	"encoding/json"
	"errors"
	"net/http"
	"skirmish/game/protocol"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"skirmish/server/internal/admission"
	"skirmish/server/internal/httperr"
)

// maxCheerBody bounds the request body of a cheer.
const maxCheerBody = 1 << 10

// ServeCheer serves POST /api/rooms/{room}/cheers (and its CORS preflight). It must be
// mounted for every method with the path wildcard {room}.
func (h *Hub) ServeCheer(w http.ResponseWriter, r *http.Request) {
	adm := h.opts.Admission
	switch r.Method {
	case http.MethodOptions:
		cors, refusal := adm.CORS(r)
		if refusal != nil {
			refusal.Write(w)
			return
		}
		allowOrigin(w, cors)
		w.Header().Set("Access-Control-Allow-Methods", "POST")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
		w.Header().Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "POST, OPTIONS")
		httperr.Write(w, http.StatusMethodNotAllowed, "method_not_allowed", "cheers are POSTed")
		return
	}
	cors, refusal := adm.Browser(r)
	allowOrigin(w, cors)
	if refusal != nil {
		refusal.Write(w)
		return
	}
	room := r.PathValue("room")
	if h.lookup(room) == nil && (h.opts.Relay == nil || !h.opts.Relay.Elsewhere(room)) {
		errNoRoomHTTP.Write(w)
		return
	}
	var body struct {
		Text string `json:"text"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxCheerBody))
	if err := dec.Decode(&body); err != nil {
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			httperr.Write(w, http.StatusRequestEntityTooLarge, "too_large", "the body is too large")
			return
		}
		h.metrics.cheers.WithLabelValues("invalid").Inc()
		httperr.Write(w, http.StatusBadRequest, "bad_json", `the body must be JSON like {"text":"gg"}`)
		return
	}
	text, err := validCheer(body.Text)
	if err != nil {
		h.metrics.cheers.WithLabelValues("invalid").Inc()
		httperr.Write(w, http.StatusBadRequest, "bad_cheer", err.Error())
		return
	}
	now := time.Now()
	wait := h.cheers.Take(admission.ClientKey(r.RemoteAddr), now)
	if wait == 0 {
		// A room's spectators together may not drown its players in cheers either.
		wait = h.roomCheers.Take(room, now)
	}
	if wait > 0 {
		h.metrics.cheers.WithLabelValues("limited").Inc()
		adm.Refuse(&httperr.Error{Status: http.StatusTooManyRequests, Code: "rate_limited",
			Message: "too many cheers; wait a moment", RetryAfter: wait}, r.RemoteAddr).Write(w)
		return
	}
	if err := h.cheer(room, text); errors.Is(err, ErrNoRoom) {
		errNoRoomHTTP.Write(w)
		return
	} else if err != nil {
		// The room is there but could not take the cheer now: its queue is full, or the node
		// that runs it did not answer in time. A 404 would tell the page the room is gone.
		h.metrics.cheers.WithLabelValues("failed").Inc()
		adm.Refuse(&httperr.Error{Status: http.StatusServiceUnavailable, Code: "cheer_failed",
			Message: "the room could not take the cheer now; try again", RetryAfter: time.Second}, r.RemoteAddr).Write(w)
		return
	}
	h.metrics.cheers.WithLabelValues("accepted").Inc()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(struct {
		Text string `json:"text"`
	}{text})
}

// allowOrigin lets the page of a cross-origin request read the answer.
func allowOrigin(w http.ResponseWriter, cors string) {
	if cors != "" {
		w.Header().Set("Access-Control-Allow-Origin", cors)
		w.Header().Set("Vary", "Origin")
	}
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
