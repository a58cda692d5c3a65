package spectate

import (
	"net/http"
	"strconv"
	"strings"
)

// ServeRoom serves GET /rooms/{room}/events, the SSE feed of one room (see the package
// documentation). It must be mounted with the path wildcard {room}.
func (h *Hub) ServeRoom(w http.ResponseWriter, r *http.Request) {
	cors, ok := h.checkOrigin(r)
	if !ok {
		refuseOrigin(w)
		return
	}
	room := r.PathValue("room")
	f := h.lookup(room)
	if h.opts.Relay != nil && h.opts.Relay.Elsewhere(room) {
		var err error
		if f, err = h.follow(room); err != nil {
			writeError(w, http.StatusServiceUnavailable, "relay_failed", "the room runs on another node, which cannot be followed now")
			return
		}
	}
	if f == nil {
		writeError(w, http.StatusNotFound, "room_not_found", "no room with this id")
		return
	}
	lastID, resume := LastEventID(r)
	h.stream(w, r, f.t, cors, lastID, resume)
}

// ServeLobby serves GET /events, the SSE lobby feed: the room list, then its changes.
func (h *Hub) ServeLobby(w http.ResponseWriter, r *http.Request) {
	cors, ok := h.checkOrigin(r)
	if !ok {
		refuseOrigin(w)
		return
	}
	h.stream(w, r, h.lobby, cors, 0, false)
}

// LastEventID returns the resume point a reconnecting client sent: the Last-Event-ID header,
// or the lastEventId query parameter for clients that cannot set headers. An id that is not
// a number still asks to resume, from a point no history covers.
func LastEventID(r *http.Request) (id uint64, resume bool) {
	s := r.Header.Get("Last-Event-ID")
	if s == "" {
		s = r.URL.Query().Get("lastEventId")
	}
	if s = strings.TrimSpace(s); s == "" {
		return 0, false
	}
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return ^uint64(0), true
	}
	return id, true
}

// stream takes the connection over from net/http, whose buffers are then released, and hands
// it to the topic's writer with the response head as the first bytes to send. A HEAD request
// gets the head alone.
func (h *Hub) stream(w http.ResponseWriter, r *http.Request, t *topic, cors string, lastID uint64,
	resume bool,
) {
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		return
	}
	const unsupported = "this connection cannot stream events"
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "stream_unsupported", unsupported)
		return
	}
	s, err := newSubscriber(conn)
	if err != nil {
		conn.Write(rawError(http.StatusInternalServerError, "stream_unsupported", unsupported))
		conn.Close()
		return
	}
	if h.opts.SendBuffer > 0 {
		s.setSendBuffer(h.opts.SendBuffer)
	}
	head := h.head
	if cors != "" {
		head = h.responseHead(cors)
	}
	if err := h.subscribe(t, s, head, lastID, resume); err != nil {
		// The feed ended between the lookup and now: its room closed, or the server is
		// shutting down (the lobby feed ends only then).
		if t == h.lobby {
			conn.Write(rawError(http.StatusServiceUnavailable, "draining", "the server is shutting down"))
		} else {
			conn.Write(rawError(http.StatusNotFound, "room_not_found", "the room has closed"))
		}
		conn.Close()
	}
}

// responseHead returns the HTTP response head of a stream and its retry hint. The body runs
// until the connection closes, so it needs no length and no chunking.
func (h *Hub) responseHead(cors string) []byte {
	b := make([]byte, 0, 256)
	b = append(b, "HTTP/1.1 200 OK\r\n"+
		"Content-Type: text/event-stream\r\n"+
		"Cache-Control: no-cache\r\n"+
		"X-Accel-Buffering: no\r\n"...)
	if cors != "" {
		b = append(b, "Access-Control-Allow-Origin: "...)
		b = append(b, cors...)
		b = append(b, "\r\nVary: Origin\r\n"...)
	}
	b = append(b, "\r\nretry: "...)
	b = strconv.AppendInt(b, h.opts.Retry.Milliseconds(), 10)
	return append(b, "\n\n"...)
}

// rawError is a complete HTTP error response for a connection already taken from net/http.
func rawError(status int, code, msg string) []byte {
	body := mustJSON(errorJSON{Error: msg, Code: code})
	return []byte("HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n" +
		"Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) +
		"\r\nConnection: close\r\n\r\n" + string(body))
}
