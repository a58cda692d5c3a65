package app

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/admin"
	"skirmish/server/internal/admission"
	"skirmish/server/internal/config"
	"skirmish/server/internal/fleet"
	"skirmish/server/internal/httpapi"
	"skirmish/server/internal/httperr"
	"skirmish/server/internal/listen"
	"skirmish/server/internal/lobby"
	"skirmish/server/internal/metrics"
	"skirmish/server/internal/overload"
	"skirmish/server/internal/replay"
	"skirmish/server/internal/room"
	"skirmish/server/internal/spectate"
	"skirmish/server/internal/transport"
)

// parts are the pieces of a server, wired together and not yet serving.
type parts struct {
	log       *slog.Logger
	roomCfg   room.Config
	metrics   *metrics.Metrics
	monitor   *overload.Monitor // nil when the options decide overload
	policy    *admission.Policy
	hub       *spectate.Hub
	rooms     *room.Manager
	stopRooms context.CancelFunc
	admin     *admin.Monitor // nil without -admin-token
	replays   *replay.Server // nil without a data directory
	http      *http.Server
	ln        net.Listener // what http serves from
	tls       bool         // http ends TLS on ln
	// metricsSrv serves /metrics on metricsLn when it has an address of its own; else nil.
	metricsSrv *http.Server
	metricsLn  net.Listener
	// node is this server's membership of a fleet (-nats), nil alone; health says why a
	// node cannot serve.
	node   *fleet.Node
	health func() error
}

// errNoDescriptors is the answer to a connection accepted while the process is at its
// connection budget.
var errNoDescriptors = httperr.New(http.StatusServiceUnavailable, "server_busy",
	"the server has as many connections open as it can; try again in a moment")

// wire builds every part of the server from the configuration and the options with their
// defaults. Nothing serves yet, but the sockets are bound.
func wire(cfg config.Config, opts Options) (p parts, err error) {
	p.log = opts.Logger
	soft, hard, err := listen.RaiseFileLimit()
	if err != nil {
		p.log.Warn("cannot raise the open-file limit", "err", err)
	}
	p.log.Info("open-file limit", "soft", soft, "hard", hard)
	var certs []tls.Certificate
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return p, fmt.Errorf("load the TLS certificate: %w", err)
		}
		certs = append(certs, cert)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return p, fmt.Errorf("listen: %w", err)
	}
	if cfg.MetricsAddr != "" {
		if p.metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			_ = ln.Close()
			return p, fmt.Errorf("listen for metrics: %w", err)
		}
	}
	p.metrics = metrics.New()
	p.wirePolicy(cfg, opts)
	p.roomCfg = opts.Room
	p.roomCfg.Conn.Stats = writerStats{p.metrics}
	p.roomCfg.Conn.GoroutineReads = p.roomCfg.Conn.GoroutineReads || cfg.GoroutineReads
	if cfg.NATS != "" {
		p.node, err = joinFleet(cfg, opts, ln.Addr(), p.policy.Overloaded, p.metrics, p.log)
	}
	if err == nil {
		err = p.wireRooms(cfg, opts)
	}
	if err != nil {
		_ = ln.Close()
		if p.metricsLn != nil {
			_ = p.metricsLn.Close()
		}
		return p, err
	}
	p.wireHTTP(cfg, ln, certs, opts)
	return p, nil
}

// wirePolicy builds the admission policy, and the measure of the server's headroom unless
// the options decide overload.
func (p *parts) wirePolicy(cfg config.Config, opts Options) {
	overloaded := opts.Overloaded
	if overloaded == nil {
		p.monitor = p.newMonitor(cfg.Overload)
		if cfg.Overload {
			overloaded = p.monitor.Overloaded
		}
	}
	p.policy = admission.New(admission.Config{
		Origins:        cfg.Origins,
		MaxConnsPerIP:  cfg.MaxConnsPerIP,
		RoomsPerMinute: cfg.RoomsPerIP,
		Overloaded:     overloaded,
		Fleet:          cfg.NATS != "",
		Refusals:       p.metrics.Refusals,
		Logger:         p.log,
	})
}

// wireHTTP builds the HTTP side on ln: the operator pages (with -admin-token) and the
// replays of the data directory's records, the routes and their limits, the connection
// budget, and either TLS (certs given) or the demux of player upgrades; and /metrics on its
// own listener if it has one.
func (p *parts) wireHTTP(cfg config.Config, ln net.Listener, certs []tls.Certificate, opts Options) {
	if cfg.AdminToken != "" {
		p.admin = admin.New(admin.Deps{Token: cfg.AdminToken, Rooms: p.rooms, Metrics: p.metrics, Hub: p.hub})
	}
	if p.roomCfg.DataDir != "" {
		p.replays = replay.NewServer(p.roomCfg.DataDir, p.hub, p.log)
	}
	var metricsHandler http.Handler = p.metrics.Handler()
	if p.metricsLn != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metricsHandler)
		p.metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: opts.HTTP.HeaderTimeout}
		metricsHandler = nil
	}
	p.http = &http.Server{
		Handler: httpapi.New(httpapi.Deps{
			Rooms: p.rooms, Admission: p.policy, Conn: p.roomCfg.Conn, Spectate: p.hub, Replays: p.replays,
			Admin: p.admin, Web: opts.Web, Metrics: metricsHandler, Health: p.health, Logger: p.log,
		}),
		ReadHeaderTimeout: opts.HTTP.HeaderTimeout,
		ReadTimeout:       opts.HTTP.ReadTimeout,
		WriteTimeout:      opts.HTTP.WriteTimeout,
		IdleTimeout:       opts.HTTP.IdleTimeout,
		MaxHeaderBytes:    opts.HTTP.MaxHeader,
		ErrorLog:          slog.NewLogLogger(p.log.Handler(), slog.LevelWarn),
	}
	guarded := listen.Guard(ln, listen.Options{
		MaxOpen: opts.MaxOpen,
		Refusal: errNoDescriptors.Response(),
		OnRefuse: func(reason string) {
			admission.Count(p.metrics.Refusals, p.log, reason, "", "a connection was refused at accept")
		},
	})
	p.metrics.OpenConnections(guarded.Open)
	if len(certs) > 0 {
		// With TLS everything goes through net/http, which speaks HTTP/2 to browsers that
		// can (their feeds then share one connection) and upgrades players on HTTP/1.1.
		p.http.TLSConfig = &tls.Config{Certificates: certs, MinVersion: tls.VersionTLS12}
		p.ln, p.tls = guarded, true
		return
	}
	// Player upgrades take the zero-copy path straight from the socket; the rest is HTTP.
	p.ln = transport.NewDemux(guarded, transport.DemuxOptions{
		Path: "/ws", Admit: p.policy.Player, Serve: p.rooms.Serve, Conn: p.roomCfg.Conn,
		HeaderTimeout: opts.HTTP.HeaderTimeout, MaxHeader: opts.HTTP.MaxHeader,
		OnRefuse: func(code string, remote net.Addr) {
			admission.Count(p.metrics.Refusals, p.log, code, remote.String(), "the request head was refused")
		},
	})
}

// newMonitor returns the measure of the server's headroom, reporting to the metrics and the
// log; refusing says whether the server acts on it.
func (p *parts) newMonitor(refusing bool) *overload.Monitor {
	then := "new players and rooms are refused"
	if !refusing {
		then = "newcomers are still taken (-overload=false)"
	}
	return overload.New(overload.Options{
		Ticks: func() overload.Ticks {
			count, late, busy := p.metrics.TickTotals()
			return overload.Ticks{Count: count, Late: late, Time: busy}
		},
		Sample: func(f overload.Figures) {
			p.metrics.CPUShare.Set(f.CPU)
			p.metrics.SchedDelay.Set(f.Delay.Seconds())
		},
		OnChange: func(short bool, f overload.Figures) {
			attrs := []any{"cpu", fmt.Sprintf("%.2f", f.CPU), "ticks", fmt.Sprintf("%.2f", f.Ticks),
				"sched_delay_p99", f.Delay, "late_ticks", fmt.Sprintf("%.2f", f.Late)}
			if short {
				p.metrics.Overloaded.Set(1)
				p.log.Warn("short of headroom: "+then, attrs...)
			} else {
				p.metrics.Overloaded.Set(0)
				p.log.Info("headroom is back", attrs...)
			}
		},
	})
}

// wireRooms builds the spectator hub and the room manager, which know each other: rooms
// report to the hub, and the hub hands cheers to rooms (through the fleet, for a node of one).
// It restores the rooms of the data directory's checkpoints, or joins the fleet's.
func (p *parts) wireRooms(cfg config.Config, opts Options) error {
	var rooms *room.Manager
	cheer := func(id, text string) error { return rooms.Cheer(id, text) }
	hubOpts := spectate.Options{
		Admission:     p.policy,
		MaxSpectators: cfg.MaxSpectators,
		Rate:          float64(cfg.SpectatorRate),
		Registerer:    p.metrics.Registry,
	}
	if p.node != nil {
		cheer, hubOpts.Relay = p.node.Cheer, p.node
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
		if p.node != nil {
			p.node.Close()
		}
		return err
	}
	var observer room.Observer = hub
	if opts.Observer != nil {
		observer = tee{hub, opts.Observer}
	}
	deps := room.Deps{
		Metrics:    p.metrics,
		Observer:   observer,
		Directory:  lobby.NewMemory(lobbyFeed(hub, p.log)),
		Spectators: hub.Spectators,
		Feeds:      hub,
		Overloaded: p.policy.Overloaded,
		Logger:     p.log,
	}
	if p.node != nil {
		// A node's rooms live in the fleet's store: another node may run them by now, so
		// the data directory's checkpoints are not restored.
		deps.Directory, deps.Fleet, deps.Place, p.health = p.node.Directory(), p.node, p.node.Place, p.node.Health
	}
	roomsCtx, stopRooms := context.WithCancel(context.Background())
	rooms = room.NewManager(roomsCtx, p.roomCfg, deps)
	if p.node != nil {
		if err := p.node.Start(rooms, hub, lobbyFeed(hub, p.log)); err != nil {
			stopRooms()
			p.node.Close()
			hub.Close()
			return fmt.Errorf("join the fleet: %w", err)
		}
	} else if n := rooms.Restore(); n > 0 {
		p.log.Info("rooms restored from their checkpoints", "rooms", n)
	}
	p.hub, p.rooms, p.stopRooms = hub, rooms, stopRooms
	return nil
}

// joinFleet connects to the fleet's NATS as the node cfg names, by default host:port, reached
// by players at ws://host:port/ws; overloaded is the node's measure of its headroom.
func joinFleet(cfg config.Config, opts Options, addr net.Addr, overloaded func() bool, m *metrics.Metrics, log *slog.Logger) (*fleet.Node, error) {
	fo := opts.Fleet
	fo.URL, fo.NodeID, fo.PublicURL, fo.Logger, fo.Registerer = cfg.NATS, cfg.NodeID, cfg.PublicURL, log, m.Registry
	fo.Overloaded = overloaded
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

// lobbyFeed passes directory changes to the hub's lobby feed as the JSON of GET /api/rooms/{room}.
func lobbyFeed(hub *spectate.Hub, log *slog.Logger) func(lobby.Change) {
	return func(c lobby.Change) {
		switch c.Kind {
		case lobby.Closed:
			hub.RoomClosed(c.Room.ID)
			return
		case lobby.Lost:
			// Its spectators stay: the room comes back on another node, and its feed with it.
			hub.RoomUnlisted(c.Room.ID)
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
