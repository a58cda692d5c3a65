package spectate

import (
	"net/http"

	"skirmish/game"
	"skirmish/game/protocol"
)

// Session is a feed of one spectator's own, such as a replay: the same events as a room's
// feed (doc.go), encoded and written the same way, but written by its owner at the owner's
// pace, for the one stream that opened it. Its ids are the ticks of what the events tell
// plus one (several events share one), so that a spectator that resumes with Last-Event-ID
// says where it was; a session keeps no history.
//
// The owner publishes the stream's opening (Intro, Status, Keyframe), then Serves the
// request with the function that writes the rest; Live says when to stop.
type Session struct {
	h    *Hub
	f    *roomFeed
	rate int // ticks a second
}

// NewSession returns a session whose ticks come rate times a second; nil once the hub is
// closed.
func (h *Hub) NewSession(rate int) *Session {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	s := &Session{h: h, f: &roomFeed{t: newTopic(h, "session", 0, true), session: true}, rate: rate}
	h.sessions[s] = struct{}{}
	return s
}

// Intro publishes an event that opens the stream, before its status and keyframe.
func (s *Session) Intro(kind string, data any, tick uint32) {
	s.f.publish(uint64(tick)+1, kind, mustJSON(data), intro)
}

// Keyframe publishes a snapshot of w, whatever is due.
func (s *Session) Keyframe(w *game.World, state protocol.State) {
	s.f.t.wantKey.Store(true)
	s.f.snapshot(w, state, s.h.opts.Rate, s.rate)
}

// Snapshot is Hub.Snapshot for the session: a score event when scores changed, and a
// snapshot at the hub's spectator rate of wall-clock time.
func (s *Session) Snapshot(w *game.World, state protocol.State) {
	s.f.snapshot(w, state, s.h.opts.Rate, s.rate)
}

// Status publishes the status at tick.
func (s *Session) Status(st *protocol.Status, tick uint32) { s.f.status(st, uint64(tick)+1) }

// Events publishes a tick's events.
func (s *Session) Events(list []protocol.Event) { s.f.events(list) }

// Serve streams the session to the request's client, admitted as any spectator stream, and
// starts play on a goroutine of its own once the stream is open; a stream that is refused
// (or a HEAD request) closes the session instead. It returns once the stream is handed over
// to the session's writer or, on a connection net/http cannot give up (HTTP/2, TLS), once
// the stream ends.
func (s *Session) Serve(w http.ResponseWriter, r *http.Request, play func()) {
	cors, release, refusal := s.h.opts.Admission.Stream(r)
	if refusal != nil {
		s.Close()
		refusal.Write(w)
		return
	}
	opened := false
	s.h.stream(w, r, s.f.t, streamArgs{cors: cors, release: release, opened: func() {
		opened = true
		go play()
	}})
	if !opened {
		s.Close()
	}
}

// Live reports whether the session still has its spectator.
func (s *Session) Live() bool {
	s.f.t.mu.Lock()
	defer s.f.t.mu.Unlock()
	return !s.f.t.closed && s.f.t.watchers.Load() > 0
}

// End tells the spectator, with a closed event naming id, that the session is over, and ends
// the stream once what is queued is written.
func (s *Session) End(id string, tick uint32) {
	s.f.publish(uint64(tick)+1, kindClosed, closedJSON(id), broadcast)
	s.Close()
}

// Close ends the stream at once.
func (s *Session) Close() {
	s.h.mu.Lock()
	delete(s.h.sessions, s)
	s.h.mu.Unlock()
	s.f.t.close()
}
