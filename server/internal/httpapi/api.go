// Package httpapi is the server's HTTP surface: the room API, the player WebSocket endpoint,
// health, metrics, and the mount points of the spectator feed and the web client.
package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"skirmish/server/internal/admin"
	"skirmish/server/internal/admission"
	"skirmish/server/internal/httperr"
	"skirmish/server/internal/lobby"
	"skirmish/server/internal/replay"
	"skirmish/server/internal/room"
	"skirmish/server/internal/transport"
)

// Spectate is the spectator feed's HTTP side.
type Spectate interface {
	ServeRoom(w http.ResponseWriter, r *http.Request)  // GET /rooms/{room}/events
	ServeLobby(w http.ResponseWriter, r *http.Request) // GET /events
	ServeCheer(w http.ResponseWriter, r *http.Request) // POST (and OPTIONS) /api/rooms/{room}/cheers
}

// Deps are what the handlers serve.
type Deps struct {
	Rooms     *room.Manager
	Admission *admission.Policy
	Conn      transport.Options // options of every player connection
	Spectate  Spectate          // may be nil: no spectator feed
	Replays   *replay.Server    // may be nil: no match records
	Admin     *admin.Monitor    // may be nil: no operator pages (404)
	Web       fs.FS             // the web client, served at /; may be nil
	// Metrics serves /metrics; nil when the metrics are served on an address of their own.
	Metrics http.Handler
	// Health, when set, says why the server cannot serve (a node cut off from its fleet).
	Health func() error
	Logger *slog.Logger
}

// maxBody bounds the JSON body of a room request.
const maxBody = 4 << 10

// New returns the server's routes.
func New(d Deps) http.Handler {
	mux := http.NewServeMux()
	a := &api{d: d}
	mux.HandleFunc("GET /api/rooms", a.listRooms)
	mux.HandleFunc("POST /api/rooms", a.createRoom)
	mux.HandleFunc("POST /api/play", a.quickPlay)
	mux.HandleFunc("GET /api/rooms/{room}", a.getRoom)
	mux.HandleFunc("GET /ws", a.serveWS)
	mux.HandleFunc("GET /api/matches", a.listMatches)
	mux.HandleFunc("GET /replays/{match}/events", a.replayEvents)
	mux.HandleFunc("GET /healthz", a.health)
	if d.Metrics != nil {
		mux.Handle("GET /metrics", d.Metrics)
	}
	if s := d.Spectate; s != nil {
		mux.HandleFunc("GET /rooms/{room}/events", s.ServeRoom)
		mux.HandleFunc("GET /events", s.ServeLobby)
		mux.HandleFunc("POST /api/rooms/{room}/cheers", s.ServeCheer)
		mux.HandleFunc("OPTIONS /api/rooms/{room}/cheers", s.ServeCheer)
	}
	// By method: a pattern for every method would conflict with the web client's "GET /".
	admin := a.adminRoutes()
	mux.Handle("GET /api/admin/", admin)
	mux.Handle("POST /api/admin/", admin)
	if d.Web != nil {
		mountWeb(mux, d.Web)
		mux.HandleFunc("GET /admin", func(w http.ResponseWriter, r *http.Request) {
			if d.Admin == nil {
				adminOff(w)
				return
			}
			http.ServeFileFS(w, r, d.Web, "admin.html")
		})
	}
	return secure(mux)
}

// contentSecurity is the pages' Content-Security-Policy: scripts, styles and connections
// from the server's own origin only (no inline script or style, no eval), images also as
// data: URLs, and no framing by other sites.
const contentSecurity = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// secure sets the security headers of every answer: the CSP and framing ban for pages, no
// content sniffing, and no referrer sent to other sites.
func secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurity)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// mountWeb serves the web client at / and its spectator page at /watch and /watch/{room}.
func mountWeb(mux *http.ServeMux, web fs.FS) {
	mux.Handle("GET /", http.FileServerFS(web))
	// The spectator page is one file; the room id travels in the path for the page to read.
	mux.HandleFunc("GET /watch/{room}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, web, "watch.html")
	})
	mux.HandleFunc("GET /watch", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, web, "watch.html")
	})
	// The replays of finished matches are watched on the same page.
	mux.HandleFunc("GET /watch/replay/{match}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, web, "watch.html")
	})
}

type api struct{ d Deps }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// The client may be gone; nothing useful can be done about a failed write.
	_ = json.NewEncoder(w).Encode(v)
}

func (a *api) listRooms(w http.ResponseWriter, _ *http.Request) {
	rooms := a.d.Rooms.Directory().List()
	for i := range rooms {
		a.live(&rooms[i])
	}
	writeJSON(w, http.StatusOK, rooms)
}

func (a *api) getRoom(w http.ResponseWriter, r *http.Request) {
	info, ok := a.d.Rooms.Directory().Get(r.PathValue("room"))
	if !ok {
		httperr.Write(w, http.StatusNotFound, "room_not_found", "no room with id "+httperr.Quote(r.PathValue("room")))
		return
	}
	a.live(&info)
	writeJSON(w, http.StatusOK, info)
}

// live refreshes the fast-moving figures of a room this process runs.
func (a *api) live(info *lobby.Room) {
	if tick, spectators, ok := a.d.Rooms.Live(info.ID); ok {
		info.Tick, info.Spectators = tick, spectators
	}
}

// createRequest is the body of POST /api/rooms; absent fields take the server's defaults.
type createRequest struct {
	Seats     int    `json:"seats"`
	Bots      int    `json:"bots"`
	Map       string `json:"map"`
	FragLimit int    `json:"fragLimit"`
	TimeLimit int    `json:"timeLimit"` // match length in seconds
	BotLevel  string `json:"botLevel"`
}

func (a *api) createRoom(w http.ResponseWriter, r *http.Request) {
	if !a.admitRoom(w, r) {
		return
	}
	var req createRequest
	if err := decodeCreate(w, r, &req); err != nil {
		err.Write(w)
		return
	}
	id, err := a.d.Rooms.Place(room.Settings{
		Seats: req.Seats, Bots: req.Bots, Map: req.Map, FragLimit: req.FragLimit,
		TimeLimit: time.Duration(req.TimeLimit) * time.Second, BotLevel: req.BotLevel,
	})
	if a.refused(w, r, err, "create room") {
		return
	}
	w.Header().Set("Location", "/api/rooms/"+id)
	writeJSON(w, http.StatusCreated, map[string]string{"id": id})
}

// quickPlay answers POST /api/play with a room to join at once and the URL to play it on.
// It is admitted as a new room, which it may be.
func (a *api) quickPlay(w http.ResponseWriter, r *http.Request) {
	if !a.admitRoom(w, r) {
		return
	}
	id, err := a.d.Rooms.QuickPlay()
	if a.refused(w, r, err, "quick play") {
		return
	}
	url := playURL(r)
	if info, ok := a.d.Rooms.Directory().Get(id); ok && info.URL != "" {
		url = info.URL // in a fleet, the node that runs the room
	}
	writeJSON(w, http.StatusOK, map[string]string{"room": id, "url": url})
}

// admitRoom applies the admission policy to a request that may open a room, answers a
// refusal, and reports whether the request may proceed.
func (a *api) admitRoom(w http.ResponseWriter, r *http.Request) bool {
	adm := a.d.Admission
	cors, refusal := adm.Browser(r)
	allowOrigin(w, cors)
	if refusal == nil {
		refusal = adm.CreateRoom(r)
	}
	if refusal != nil {
		refusal.Write(w)
		return false
	}
	return true
}

// allowOrigin lets the page of an allowed cross-site Origin read the answer; empty allows
// none.
func allowOrigin(w http.ResponseWriter, cors string) {
	if cors != "" {
		w.Header().Set("Access-Control-Allow-Origin", cors)
		w.Header().Set("Vary", "Origin")
	}
}

// decodeCreate reads the body of a room request into req: one JSON object (an empty one
// takes every default) and nothing after it.
func decodeCreate(w http.ResponseWriter, r *http.Request, req *createRequest) *httperr.Error {
	const example = ` like {"seats":4,"bots":2}`
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			return httperr.New(http.StatusRequestEntityTooLarge, "too_large", "the body is larger than 4 KiB")
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return httperr.New(http.StatusRequestTimeout, "body_timeout", "the body did not arrive in time")
		}
		return httperr.New(http.StatusBadRequest, "bad_body", "the body could not be read")
	}
	if trimmed := bytes.TrimSpace(body); len(trimmed) == 0 || trimmed[0] != '{' {
		return httperr.New(http.StatusBadRequest, "bad_json", "the body must be a JSON object"+example)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(req); err != nil {
		return httperr.New(http.StatusBadRequest, "bad_json", "the body must be a JSON object"+example+": "+jsonProblem(err))
	}
	if dec.More() {
		return httperr.New(http.StatusBadRequest, "bad_json", "the body must be one JSON object"+example)
	}
	return nil
}

// jsonProblem says what is wrong with a JSON body without echoing more than a little of it.
func jsonProblem(err error) string {
	msg := err.Error()
	if field, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return "unknown field " + httperr.Quote(strings.Trim(field, `"`))
	}
	return msg
}

// playURL is the player WebSocket URL of the server r reached.
func playURL(r *http.Request) string {
	scheme := "ws"
	if r.TLS != nil {
		scheme = "wss"
	}
	return scheme + "://" + r.Host + "/ws"
}

// refused answers a failed room request and reports whether err was one.
// Every refusal counts in /metrics by its code; a failure of the server's own does not.
func (a *api) refused(w http.ResponseWriter, r *http.Request, err error, what string) bool {
	var refusal *httperr.Error
	switch {
	case err == nil:
		return false
	case errors.Is(err, room.ErrBadRequest):
		refusal = httperr.New(http.StatusBadRequest, "bad_room", err.Error())
	case errors.Is(err, room.ErrDraining):
		refusal = httperr.New(http.StatusServiceUnavailable, "shutting_down", "the server is shutting down")
	case errors.Is(err, room.ErrShort):
		refusal = admission.ErrOverloaded
	case errors.Is(err, room.ErrFull):
		refusal = httperr.New(http.StatusServiceUnavailable, "server_full",
			"the server has as many rooms as it can run; join one or try again later")
	default:
		a.d.Logger.Error(what, "err", err)
		httperr.Write(w, http.StatusInternalServerError, "internal", "the room could not be created")
		return true
	}
	a.d.Admission.Refuse(refusal, r.RemoteAddr).Write(w)
	return true
}

func (a *api) health(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if a.d.Admission.Draining() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "draining\n")
		return
	}
	if a.d.Health != nil {
		if err := a.d.Health(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, err.Error()+"\n")
			return
		}
	}
	_, _ = io.WriteString(w, "ok\n")
}

// serveWS upgrades a player connection and serves it on a goroutine of its own, so that
// net/http's goroutine (and the stack it grew serving HTTP) ends with the handler.
func (a *api) serveWS(w http.ResponseWriter, r *http.Request) {
	release, refusal := a.d.Admission.Player(transport.Handshake{
		Origin: r.Header.Get("Origin"), Host: r.Host, Remote: remoteAddr(r.RemoteAddr),
	})
	if refusal != nil {
		refusal.Write(w)
		return
	}
	c, err := transport.Upgrade(w, r, a.d.Conn, release)
	if err != nil {
		// The upgrader has already answered the client with the reason.
		a.d.Logger.Debug("websocket upgrade failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	go a.d.Rooms.Serve(c)
}

// remoteAddr is a request's RemoteAddr as a net.Addr.
type remoteAddr string

func (a remoteAddr) Network() string { return "tcp" }
func (a remoteAddr) String() string  { return string(a) }
