// Package app wires the server together: configuration in, listening socket, rooms, room
// directory, spectator hub, HTTP routes, and the graceful shutdown. It is the one place that
// decides which implementation of each part runs.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	clientweb "skirmish/client-web"
	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/admin"
	"skirmish/server/internal/config"
	"skirmish/server/internal/fleet"
	"skirmish/server/internal/httpapi"
	"skirmish/server/internal/lobby"
	"skirmish/server/internal/metrics"
	"skirmish/server/internal/replay"
	"skirmish/server/internal/room"
	"skirmish/server/internal/spectate"
	"skirmish/server/internal/transport"
)

// shutdownTimeout bounds how long a shutdown waits for rooms, players and HTTP requests.
const shutdownTimeout = 5 * time.Second

// Options are the parts of a server that the command line does not set. The zero value is
// the production server.
type Options struct {
	// Room tunes the rooms beyond the flags (tests shorten the countdown and timeouts); its
	// TickRate and Grace come from the Config when zero.
	Room room.Config
	// Observer, when set, sees every room in addition to the spectator hub.
	Observer room.Observer
	// Web is the web client served at /; nil means the embedded one.
	Web fs.FS
	// Fleet tunes the fleet a server with -nats joins beyond the flags (tests shorten the
	// lease); its URL, NodeID and PublicURL come from the Config.
	Fleet  fleet.Options
	Logger *slog.Logger
}

// Server is a started server.
type Server struct {
	addr net.Addr
	done chan struct{}
	err  error
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.addr }

// Done is closed when the server has shut down.
func (s *Server) Done() <-chan struct{} { return s.done }

// Err is why the server stopped, nil for a clean shutdown; valid after Done.
func (s *Server) Err() error { return s.err }

// Run serves until ctx ends (SIGINT or SIGTERM in the command), then shuts down gracefully,
// and returns the process exit code.
func Run(ctx context.Context, cfg config.Config, opts Options) int {
	s, err := Start(ctx, cfg, opts)
	log := logger(opts)
	if err != nil {
		log.Error("server failed to start", "err", err)
		return 1
	}
	<-s.Done()
	if s.Err() != nil {
		log.Error("server stopped", "err", s.Err())
		return 1
	}
	return 0
}

func logger(opts Options) *slog.Logger {
	if opts.Logger != nil {
		return opts.Logger
	}
	return slog.New(slog.NewTextHandler(os.Stderr, nil))
}

// Start listens on cfg.Addr and serves in the background until ctx ends.
func Start(ctx context.Context, cfg config.Config, opts Options) (*Server, error) {
	log := logger(opts)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	m := metrics.New()
	origins := transport.OriginPolicy{Allowed: cfg.Origins}

	roomCfg := opts.Room
	if roomCfg.TickRate == 0 {
		roomCfg.TickRate = cfg.TickRate
	}
	if roomCfg.Grace == 0 {
		roomCfg.Grace = cfg.Grace
	}
	if roomCfg.DataDir == "" {
		roomCfg.DataDir = cfg.DataDir
	}
	if roomCfg.Map == "" {
		roomCfg.Map = cfg.Map
	}
	if roomCfg.KeepMatches == 0 {
		roomCfg.KeepMatches = cfg.KeepMatches
	}
	if roomCfg.FragLimit == 0 {
		roomCfg.FragLimit = cfg.FragLimit
	}
	if roomCfg.TimeLimit == 0 {
		roomCfg.TimeLimit = int(cfg.TimeLimit * time.Duration(roomCfg.TickRate) / time.Second)
	}
	roomCfg.Conn.Stats = writerStats{m}
	roomCfg.Conn.GoroutineReads = roomCfg.Conn.GoroutineReads || cfg.GoroutineReads

	var node *fleet.Node
	if cfg.NATS != "" {
		if node, err = joinFleet(cfg, opts, ln.Addr(), m, log); err != nil {
			_ = ln.Close()
			return nil, err
		}
	}
	var rooms *room.Manager
	cheer := func(id, text string) error { return rooms.Cheer(id, text) }
	hubOpts := spectate.Options{
		Origins:    cfg.Origins,
		Rate:       float64(cfg.SpectatorRate),
		Registerer: m.Registry,
	}
	if node != nil {
		cheer, hubOpts.Relay = node.Cheer, node
	}
	hubOpts.Cheer = func(id, text string) error {
		if err := cheer(id, text); errors.Is(err, room.ErrNoRoom) {
			return spectate.ErrNoRoom
		} else {
			return err
		}
	}
	hub, err := spectate.New(hubOpts)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	var observer room.Observer = hub
	if opts.Observer != nil {
		observer = tee{hub, opts.Observer}
	}
	roomsCtx, stopRooms := context.WithCancel(context.Background())
	deps := room.Deps{
		Metrics:    m,
		Observer:   observer,
		Directory:  lobby.NewMemory(lobbyFeed(hub, log)),
		Spectators: hub.Spectators,
		Feeds:      hub,
		Logger:     log,
	}
	var health func() error
	if node != nil {
		// A node's rooms live in the fleet's store: another node may run them by now, so
		// the data directory's checkpoints are not restored.
		deps.Directory, deps.Fleet, deps.Place, health = node.Directory(), node, node.Place, node.Health
	}
	rooms = room.NewManager(roomsCtx, roomCfg, deps)
	if node != nil {
		if err := node.Start(rooms, hub, lobbyFeed(hub, log)); err != nil {
			stopRooms()
			node.Close()
			_ = ln.Close()
			return nil, fmt.Errorf("join the fleet: %w", err)
		}
	} else if n := rooms.Restore(); n > 0 {
		log.Info("rooms restored from their checkpoints", "rooms", n)
	}
	web := opts.Web
	if web == nil {
		web = clientweb.FS
	}
	var monitor *admin.Monitor
	if cfg.AdminToken != "" {
		monitor = admin.New(admin.Deps{Token: cfg.AdminToken, Rooms: rooms, Metrics: m, Hub: hub})
		go monitor.Run(ctx)
	}
	var replays *replay.Server
	if roomCfg.DataDir != "" {
		replays = replay.NewServer(roomCfg.DataDir, hub, log)
	}
	var draining atomic.Bool
	srv := &http.Server{
		Handler: httpapi.New(httpapi.Deps{
			Rooms: rooms, Metrics: m, Origins: origins, Conn: roomCfg.Conn,
			Spectate: hub, Replays: replays, Admin: monitor, Web: web, Draining: &draining, Health: health, Logger: log,
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Player upgrades take the zero-copy path straight from the socket; the rest is HTTP.
	demux := transport.NewDemux(ln, "/ws", func(origin, host string) *transport.Refusal {
		if err := origins.CheckOrigin(origin, host); err != nil {
			return &transport.Refusal{Status: http.StatusForbidden, Code: "origin_not_allowed", Reason: err.Error()}
		}
		if draining.Load() {
			return &transport.Refusal{Status: http.StatusServiceUnavailable, Code: "shutting_down", Reason: "the server is shutting down"}
		}
		return nil
	}, rooms.Serve, roomCfg.Conn)
	s := &Server{addr: ln.Addr(), done: make(chan struct{})}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(demux) }()
	log.Info("serving", "addr", ln.Addr().String(), "url", pageURL(ln.Addr()), "tick", roomCfg.TickRate, "grace", roomCfg.Grace,
		"maps", game.MapNames(), "protocol", protocol.Version)

	go func() {
		defer close(s.done)
		select {
		case <-ctx.Done():
		case err := <-serveErr:
			s.err = err
		}
		// Drain: health turns 503 and no new room or player is taken; then every room tells
		// its players the server goes away (1001) and closes; then the HTTP server stops.
		draining.Store(true)
		rooms.Drain()
		log.Info("shutting down")
		if node != nil {
			handover, cancel := context.WithTimeout(context.Background(), handoverTimeout)
			n := node.Drain(handover)
			cancel()
			log.Info("rooms handed over to the fleet", "rooms", n)
		}
		stopRooms()
		wait, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		if err := rooms.Wait(wait); err != nil {
			log.Warn("rooms did not close in time", "err", err)
		}
		hub.Close()
		if err := srv.Shutdown(wait); err != nil {
			log.Warn("http shutdown", "err", err)
		}
		if node != nil {
			node.Close()
		}
		log.Info("stopped")
	}()
	return s, nil
}

// handoverTimeout bounds how long a draining node of a fleet spends handing its rooms over.
const handoverTimeout = 20 * time.Second

// joinFleet connects to the fleet's NATS as the node cfg names, by default host:port, reached
// by players at ws://host:port/ws.
func joinFleet(cfg config.Config, opts Options, addr net.Addr, m *metrics.Metrics, log *slog.Logger) (*fleet.Node, error) {
	fo := opts.Fleet
	fo.URL, fo.NodeID, fo.PublicURL, fo.Logger, fo.Registerer = cfg.NATS, cfg.NodeID, cfg.PublicURL, log, m.Registry
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	port := "80"
	if a, ok := addr.(*net.TCPAddr); ok {
		port = strconv.Itoa(a.Port)
	}
	if fo.NodeID == "" {
		fo.NodeID = host + "-" + port
	}
	if fo.PublicURL == "" {
		fo.PublicURL = "ws://" + net.JoinHostPort(host, port) + "/ws"
	}
	return fleet.Join(fo)
}

// pageURL is the address a person on this machine opens to play.
func pageURL(addr net.Addr) string {
	host := "localhost"
	if a, ok := addr.(*net.TCPAddr); ok && !a.IP.IsUnspecified() {
		host = a.IP.String()
	}
	port := "80"
	if a, ok := addr.(*net.TCPAddr); ok {
		port = strconv.Itoa(a.Port)
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// lobbyFeed passes directory changes to the hub's lobby feed as the JSON of GET /api/rooms/{room}.
func lobbyFeed(hub *spectate.Hub, log *slog.Logger) func(lobby.Change) {
	return func(c lobby.Change) {
		if c.Kind == lobby.Closed {
			hub.RoomClosed(c.Room.ID)
			return
		}
		b, err := json.Marshal(c.Room)
		if err != nil {
			log.Error("encode room for the lobby feed", "room", c.Room.ID, "err", err)
			return
		}
		hub.RoomChanged(c.Room.ID, b)
	}
}

// writerStats counts what player connections send.
type writerStats struct{ m *metrics.Metrics }

func (s writerStats) Sent(frames, bytes int) {
	s.m.MessagesOut.Add(float64(frames))
	s.m.BytesOut.Add(float64(bytes))
}

func (s writerStats) SnapshotsDropped(n int) { s.m.SnapshotsDropped.Add(float64(n)) }

// tee passes every room notification to two observers.
type tee [2]room.Observer

func (t tee) Snapshot(id string, w *game.World, st protocol.State) {
	t[0].Snapshot(id, w, st)
	t[1].Snapshot(id, w, st)
}

func (t tee) Status(id string, st *protocol.Status) {
	t[0].Status(id, st)
	t[1].Status(id, st)
}

func (t tee) Events(id string, evs []protocol.Event) {
	t[0].Events(id, evs)
	t[1].Events(id, evs)
}

func (t tee) Closed(id string) {
	t[0].Closed(id)
	t[1].Closed(id)
}
