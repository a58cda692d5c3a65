// Package httpapi is the server's HTTP surface: the room API, the player WebSocket endpoint,
// health, metrics, and the mount points of the spectator feed and the web client.
package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"skirmish/server/internal/admin"
	"skirmish/server/internal/lobby"
	"skirmish/server/internal/metrics"
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
	Rooms    *room.Manager
	Metrics  *metrics.Metrics
	Origins  transport.OriginPolicy
	Conn     transport.Options // options of every player connection
	Spectate Spectate          // may be nil: no spectator feed
	Replays  *replay.Server    // may be nil: no match records
	Admin    *admin.Monitor    // may be nil: no operator pages (404)
	Web      fs.FS             // the web client, served at /; may be nil
	Draining *atomic.Bool      // true once the server shuts down
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
	mux.Handle("GET /metrics", d.Metrics.Handler())
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
	return mux
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

// apiError is the JSON body of every error answer.
type apiError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// The client may be gone; nothing useful can be done about a failed write.
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, apiError{Error: msg, Code: code})
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
		writeError(w, http.StatusNotFound, "room_not_found", "no room with id "+r.PathValue("room"))
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
	var req createRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil && !errors.Is(err, io.EOF) {
		writeError(w, http.StatusBadRequest, "bad_json", "the body must be a JSON object like {\"seats\":4,\"bots\":2}: "+err.Error())
		return
	}
	id, err := a.d.Rooms.Place(room.Settings{
		Seats: req.Seats, Bots: req.Bots, Map: req.Map, FragLimit: req.FragLimit,
		TimeLimit: time.Duration(req.TimeLimit) * time.Second, BotLevel: req.BotLevel,
	})
	if a.refused(w, err, "create room") {
		return
	}
	w.Header().Set("Location", "/api/rooms/"+id)
	writeJSON(w, http.StatusCreated, map[string]string{"id": id})
}

// quickPlay answers POST /api/play with a room to join at once and the URL to play it on.
func (a *api) quickPlay(w http.ResponseWriter, r *http.Request) {
	id, err := a.d.Rooms.QuickPlay()
	if a.refused(w, err, "quick play") {
		return
	}
	url := playURL(r)
	if info, ok := a.d.Rooms.Directory().Get(id); ok && info.URL != "" {
		url = info.URL // in a fleet, the node that runs the room
	}
	writeJSON(w, http.StatusOK, map[string]string{"room": id, "url": url})
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
func (a *api) refused(w http.ResponseWriter, err error, what string) bool {
	if err == nil {
		return false
	}
	a.d.Metrics.Refusals.WithLabelValues("room").Inc()
	switch {
	case errors.Is(err, room.ErrBadRequest):
		writeError(w, http.StatusBadRequest, "bad_room", err.Error())
	case errors.Is(err, room.ErrDraining):
		writeError(w, http.StatusServiceUnavailable, "shutting_down", "the server is shutting down")
	default:
		a.d.Logger.Error(what, "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "the room could not be created")
	}
	return true
}

func (a *api) health(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if a.d.Draining.Load() {
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
	if err := a.d.Origins.Check(r); err != nil {
		writeError(w, http.StatusForbidden, "origin_not_allowed", err.Error())
		return
	}
	if a.d.Draining.Load() {
		writeError(w, http.StatusServiceUnavailable, "shutting_down", "the server is shutting down")
		return
	}
	c, err := transport.Upgrade(w, r, a.d.Conn)
	if err != nil {
		// The upgrader has already answered the client with the reason.
		a.d.Logger.Debug("websocket upgrade failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	go a.d.Rooms.Serve(c)
}
