package spectate

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"skirmish/server/internal/httperr"
)

// ServeRoom serves GET /rooms/{room}/events, the SSE feed of one room (see the package
// documentation). It must be mounted with the path wildcard {room}.
func (h *Hub) ServeRoom(w http.ResponseWriter, r *http.Request) {
	cors, release, refusal := h.opts.Admission.Stream(r)
	if refusal != nil {
		refusal.Write(w)
		return
	}
	room := r.PathValue("room")
	f := h.lookup(room)
	if h.opts.Relay != nil && h.opts.Relay.Elsewhere(room) {
		var err error
		if f, err = h.follow(room); err != nil {
			release()
			httperr.Write(w, http.StatusServiceUnavailable, "relay_failed", "the room runs on another node, which cannot be followed now")
			return
		}
	}
	if f == nil {
		release()
		errNoRoomHTTP.Write(w)
		return
	}
	if max := h.opts.MaxSpectators; max > 0 && int(f.t.watchers.Load()) >= max {
		release()
		h.opts.Admission.Refuse(&httperr.Error{Status: http.StatusServiceUnavailable, Code: "too_many_spectators",
			Message: "this room has as many spectators as it takes; try again later", RetryAfter: 30 * time.Second},
			r.RemoteAddr).Write(w)
		return
	}
	lastID, resume := LastEventID(r)
	h.stream(w, r, f.t, streamArgs{cors: cors, release: release, lastID: lastID, resume: resume})
}

// ServeLobby serves GET /events, the SSE lobby feed: the room list, then batches of its
// changes.
func (h *Hub) ServeLobby(w http.ResponseWriter, r *http.Request) {
	cors, release, refusal := h.opts.Admission.Stream(r)
	if refusal != nil {
		refusal.Write(w)
		return
	}
	lastID, resume := LastEventID(r)
	h.stream(w, r, h.lobby, streamArgs{cors: cors, release: release, lastID: lastID, resume: resume})
}

// errNoRoomHTTP answers a request about a room this hub does not know.
var errNoRoomHTTP = httperr.New(http.StatusNotFound, "room_not_found", "no room with this id")

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

// streamArgs are what a stream is opened with besides its topic.
type streamArgs struct {
	cors    string // the Origin to allow in CORS headers; empty for none
	release func() // called once when the stream ends (the admission's count of open streams)
	// lastID and resume are the resume point the client sent (LastEventID).
	lastID uint64
	resume bool
	// opened, when set, is called once the stream is subscribed, before its bytes flow: on
	// the piped path the handler's goroutine then serves the stream until it ends.
	opened func()
}

// stream takes the connection over from net/http, whose buffers are then released, and hands
// it to the topic's writer with the response head as the first bytes to send. A connection
// net/http cannot give up (HTTP/2, TLS) streams through a pipe instead. A HEAD request gets
// the head alone.
func (h *Hub) stream(w http.ResponseWriter, r *http.Request, t *topic, a streamArgs) {
	if r.Method == http.MethodHead {
		a.release()
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		return
	}
	if r.ProtoMajor >= 2 || r.TLS != nil {
		h.streamThrough(w, r, t, a)
		return
	}
	unsupported := httperr.New(http.StatusInternalServerError, "stream_unsupported", "this connection cannot stream events")
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		a.release()
		unsupported.Write(w)
		return
	}
	// net/http's read and write timeouts are still set on the socket; a stream has its own.
	_ = conn.SetDeadline(time.Time{})
	s, err := newSubscriber(conn, a.release)
	if err != nil {
		a.release()
		conn.Write(unsupported.Response())
		conn.Close()
		return
	}
	if h.opts.SendBuffer > 0 {
		s.setSendBuffer(h.opts.SendBuffer)
	}
	head := h.head
	if a.cors != "" {
		head = h.responseHead(a.cors)
	}
	if err := h.subscribe(t, s, head, a.lastID, a.resume); err != nil {
		a.release()
		conn.Write(h.feedGone(t).Response())
		conn.Close()
		return
	}
	if a.opened != nil {
		a.opened()
	}
}

// streamThrough serves a stream on the request's own goroutine, its bytes coming through a
// pipe from the topic's writer.
func (h *Hub) streamThrough(w http.ResponseWriter, r *http.Request, t *topic, a streamArgs) {
	rc := http.NewResponseController(w)
	// net/http's deadlines are for whole requests and would end the stream; the pipe puts
	// its own on every write.
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	p := newPipe()
	s := &subscriber{pipe: p, release: a.release}
	if err := h.subscribe(t, s, h.retry, a.lastID, a.resume); err != nil {
		a.release()
		h.feedGone(t).Write(w)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Accel-Buffering", "no")
	if a.cors != "" {
		hdr.Set("Access-Control-Allow-Origin", a.cors)
		hdr.Set("Vary", "Origin")
	}
	w.WriteHeader(http.StatusOK)
	if a.opened != nil {
		a.opened()
	}
	p.serve(r.Context(), w, rc, h.opts.StuckTimeout)
}

// feedGone is the answer to a stream whose feed ended between the lookup and the subscription:
// its room closed, or the server is shutting down (the lobby feed ends only then).
func (h *Hub) feedGone(t *topic) *httperr.Error {
	if t == h.lobby {
		return httperr.New(http.StatusServiceUnavailable, "shutting_down", "the server is shutting down")
	}
	return httperr.New(http.StatusNotFound, "room_not_found", "the room has closed")
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
	b = append(b, "\r\n"...)
	return append(b, h.retry...)
}

// retryHint is the first bytes of every stream's body: the reconnection delay it suggests.
func retryHint(retry time.Duration) []byte {
	return []byte("retry: " + strconv.FormatInt(retry.Milliseconds(), 10) + "\n\n")
}
