package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"skirmish/server/internal/httperr"
	"skirmish/server/internal/room"
)

// maxReason bounds an operator's reason in bytes: it travels in a WebSocket close frame,
// whose reason may not exceed 123.
const maxReason = 100

// adminRoutes returns the operator API under /api/admin/ (doc: DESIGN section 9): every call
// needs the operators' bearer token; without a monitor (no -admin-token) everything there is
// 404, as is the dashboard page.
func (a *api) adminRoutes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/admin/events", func(w http.ResponseWriter, r *http.Request) { a.d.Admin.ServeEvents(w, r) })
	mux.HandleFunc("GET /api/admin/rooms", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, a.d.Admin.Rooms())
	})
	mux.HandleFunc("POST /api/admin/rooms/{room}/close", a.closeRoom)
	mux.HandleFunc("POST /api/admin/rooms/{room}/kick", a.kickPlayer)
	mux.HandleFunc("/api/admin/", func(w http.ResponseWriter, r *http.Request) {
		httperr.Write(w, http.StatusNotFound, "not_found", "the operator API has no "+r.Method+" "+r.URL.Path)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.d.Admin == nil {
			adminOff(w)
			return
		}
		if !a.d.Admin.Authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="skirmish operators"`)
			a.d.Admission.Refuse(errUnauthorized, r.RemoteAddr).Write(w)
			return
		}
		// The token admits the operator; the page's Origin and a JSON body are still required,
		// as of every request that changes state.
		cors, refusal := a.d.Admission.Browser(r)
		if refusal != nil {
			refusal.Write(w)
			return
		}
		allowOrigin(w, cors)
		mux.ServeHTTP(w, r)
	})
}

// errUnauthorized answers an operator request without the right token.
var errUnauthorized = httperr.New(http.StatusUnauthorized, "unauthorized",
	"the operator API needs the header Authorization: Bearer TOKEN with the server's -admin-token")

func adminOff(w http.ResponseWriter) {
	httperr.Write(w, http.StatusNotFound, "not_found", "the operator pages are off: start the server with -admin-token")
}

// operatorRequest is the body of a close or kick; every field is optional but the kick's seat.
type operatorRequest struct {
	Seat   *int   `json:"seat"`
	Reason string `json:"reason"`
}

// readOperatorRequest decodes an operator's request, giving the reason its default; it
// answers a bad one itself and then returns false.
func readOperatorRequest(w http.ResponseWriter, r *http.Request, defaultReason string) (operatorRequest, bool) {
	var req operatorRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil && !errors.Is(err, io.EOF) {
		httperr.Write(w, http.StatusBadRequest, "bad_json", `the body must be a JSON object like {"seat":1,"reason":"..."}: `+err.Error())
		return req, false
	}
	req.Reason = strings.TrimSpace(req.Reason)
	printable := !strings.ContainsFunc(req.Reason, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' })
	switch {
	case len(req.Reason) > maxReason || !utf8.ValidString(req.Reason) || !printable:
		httperr.Write(w, http.StatusBadRequest, "bad_reason", "the reason must be printable text of at most 100 bytes")
		return req, false
	case req.Reason == "":
		req.Reason = defaultReason
	}
	return req, true
}

// closeRoom answers POST /api/admin/rooms/{room}/close ({"reason":"..."} optional).
func (a *api) closeRoom(w http.ResponseWriter, r *http.Request) {
	req, ok := readOperatorRequest(w, r, "closed by an operator")
	if !ok {
		return
	}
	id := r.PathValue("room")
	if a.operatorFailed(w, id, a.d.Rooms.Close(id, req.Reason)) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"closed": id, "reason": req.Reason})
}

// kickPlayer answers POST /api/admin/rooms/{room}/kick ({"seat":N,"reason":"..."}).
func (a *api) kickPlayer(w http.ResponseWriter, r *http.Request) {
	req, ok := readOperatorRequest(w, r, "removed by an operator")
	if !ok {
		return
	}
	if req.Seat == nil {
		httperr.Write(w, http.StatusBadRequest, "bad_seat", `say which seat: {"seat":N}`)
		return
	}
	id := r.PathValue("room")
	if a.operatorFailed(w, id, a.d.Rooms.Kick(id, *req.Seat, req.Reason)) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"room": id, "seat": *req.Seat, "reason": req.Reason})
}

// operatorFailed answers an operator's request that failed and reports whether err was one.
func (a *api) operatorFailed(w http.ResponseWriter, id string, err error) bool {
	info, listed := a.d.Rooms.Directory().Get(id)
	switch {
	case err == nil:
		return false
	case errors.Is(err, room.ErrNoRoom) && listed:
		httperr.Write(w, http.StatusConflict, "not_here", "room "+id+" runs on node "+info.Node+": ask that node's operator API")
	case errors.Is(err, room.ErrNoRoom):
		httperr.Write(w, http.StatusNotFound, "room_not_found", "no room with id "+httperr.Quote(id))
	case errors.Is(err, room.ErrNoPlayer):
		httperr.Write(w, http.StatusConflict, "no_player", err.Error())
	case errors.Is(err, room.ErrBadRequest):
		httperr.Write(w, http.StatusBadRequest, "bad_seat", err.Error())
	default:
		httperr.Write(w, http.StatusInternalServerError, "internal", err.Error())
	}
	return true
}
