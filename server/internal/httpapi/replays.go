package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"skirmish/server/internal/httperr"
	"skirmish/server/internal/replay"
	"skirmish/server/internal/spectate"
)

// listMatches answers GET /api/matches (?room=ID for one room's): the finished matches,
// newest first.
func (a *api) listMatches(w http.ResponseWriter, r *http.Request) {
	cors, refusal := a.d.Admission.CORS(r)
	if refusal != nil {
		refusal.Write(w)
		return
	}
	allowOrigin(w, cors)
	if a.d.Replays == nil {
		writeJSON(w, http.StatusOK, []replay.Summary{})
		return
	}
	list, err := a.d.Replays.List(r.URL.Query().Get("room"))
	if err != nil {
		a.d.Logger.Error("list matches", "err", err)
		httperr.Write(w, http.StatusInternalServerError, "internal", "the matches could not be listed")
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// replayEvents answers GET /replays/{match}/events?speed=1|2|4&from=TICK: the match played
// again over the spectator feed's contract. A reconnection's Last-Event-ID (a tick plus one)
// takes precedence over from.
func (a *api) replayEvents(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("match")
	q := r.URL.Query()
	speed := 1
	if s := q.Get("speed"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || !slices.Contains(replay.Speeds, n) {
			httperr.Write(w, http.StatusBadRequest, "bad_speed", fmt.Sprintf("speed %s is not one of %v", httperr.Quote(s), replay.Speeds))
			return
		}
		speed = n
	}
	var from uint64
	if s := q.Get("from"); s != "" {
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			httperr.Write(w, http.StatusBadRequest, "bad_from", fmt.Sprintf("from %s is not a tick", httperr.Quote(s)))
			return
		}
		from = n
	}
	if last, resume := spectate.LastEventID(r); resume && last > 0 && last <= 1<<32 {
		from = last - 1
	}
	if a.d.Replays == nil {
		httperr.Write(w, http.StatusNotFound, "match_not_found", "this server keeps no match records")
		return
	}
	// A replay runs a simulation of its own: its page's Origin and the server's headroom are
	// checked before its match is loaded, and its stream is admitted as any spectator's after.
	_, refusal := a.d.Admission.CORS(r)
	if refusal == nil {
		refusal = a.d.Admission.Simulation(r)
	}
	if refusal != nil {
		refusal.Write(w)
		return
	}
	tl, err := a.d.Replays.Timeline(id)
	switch {
	case errors.Is(err, replay.ErrNoMatch):
		httperr.Write(w, http.StatusNotFound, "match_not_found", "no recorded match "+httperr.Quote(id))
		return
	case err != nil:
		httperr.Write(w, http.StatusUnprocessableEntity, "unplayable", "the record of this match does not replay on this server: "+err.Error())
		return
	case from > uint64(tl.Ticks):
		httperr.Write(w, http.StatusBadRequest, "bad_from", fmt.Sprintf("from %d is past the match's last tick, %d", from, tl.Ticks))
		return
	}
	a.d.Replays.Stream(w, r, tl, speed, uint32(from))
}
