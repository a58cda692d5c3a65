package replay

import (
	"net/http"
	"time"

	"skirmish/game/protocol"
	"skirmish/server/internal/httperr"
	"skirmish/server/internal/record"
	"skirmish/server/internal/spectate"
)

// Speeds are the replay speeds a spectator may ask for.
var Speeds = []int{1, 2, 4}

// pace is how often a replay's goroutine wakes to step the ticks that came due.
const pace = 25 * time.Millisecond

// intro is the data of the replay event that opens a replay's stream.
type intro struct {
	Match string `json:"match"`
	Ticks uint32 `json:"ticks"` // the last tick
	Rate  int    `json:"rate"`  // the match's tick rate
	Speed int    `json:"speed"`
	From  uint32 `json:"from"`
}

// Stream streams the match from tick from (at most its last) at speed times its pace to the
// request's client over the spectator feed's contract; a goroutine of its own plays the match
// until its end or until the spectator goes (see Session.Serve for when Stream returns).
//
// The stream opens with a replay event ({"match","ticks","rate","speed","from"}), the status
// and a snapshot at from; then come the match's events and snapshots as a live room's feed
// has them, whose rate field is the match's tick rate times speed, so that a page's clock
// runs at the replay's pace. At the end come the final status (ended, with the results) and
// a closed event, and the stream ends. Each event's id is its tick plus one.
func (s *Server) Stream(w http.ResponseWriter, r *http.Request, tl *Timeline, speed int, from uint32) {
	sess := s.hub.NewSession(tl.Rate() * speed)
	if sess == nil {
		httperr.Write(w, http.StatusServiceUnavailable, "shutting_down", "the server is shutting down")
		return
	}
	c := tl.seek(from)
	var st protocol.Status
	c.status(&st)
	sess.Intro("replay", intro{Match: tl.ID, Ticks: tl.Ticks, Rate: tl.Rate(), Speed: speed, From: c.w.Tick}, c.w.Tick)
	sess.Status(&st, c.w.Tick)
	sess.Keyframe(c.w, st.State)
	sess.Serve(w, r, func() { s.play(sess, c, tl, speed, st) })
}

// play steps the match at its pace and tells the session what happens, until the match
// ends or the spectator goes.
func (s *Server) play(sess *spectate.Session, c *cursor, tl *Timeline, speed int, st protocol.Status) {
	ticker := time.NewTicker(pace)
	defer ticker.Stop()
	start, from := time.Now(), c.w.Tick
	var events []protocol.Event
	for range ticker.C {
		if !sess.Live() {
			sess.Close()
			return
		}
		due := from + uint32(time.Since(start).Seconds()*float64(tl.Rate()*speed))
		for c.w.Tick < due && !c.done() {
			changes := c.step()
			events = events[:0]
			roster := false
			for _, f := range changes {
				switch f.Kind {
				case record.KindPlayer:
					events = append(events, protocol.Event{Kind: protocol.EventJoined, Tick: c.w.Tick, A: f.Seat, Text: f.Name})
					roster = true
				case record.KindBot, record.KindIdle:
					roster = true
				}
			}
			for _, e := range c.w.Events {
				events = append(events, protocol.Event{Kind: protocol.EventKind(e.Kind), Tick: e.Tick, A: int(e.A), B: int(e.B)})
			}
			if roster {
				c.status(&st)
				sess.Status(&st, c.w.Tick)
			}
			sess.Events(events)
			sess.Snapshot(c.w, protocol.StateRunning)
		}
		if c.done() {
			c.status(&st)
			sess.Status(&st, c.w.Tick)
			sess.Keyframe(c.w, st.State)
			sess.End(tl.ID, c.w.Tick)
			return
		}
	}
}
