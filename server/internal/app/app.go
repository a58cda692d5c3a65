// Package app wires the server together: configuration in, listening socket, rooms, room
// directory, spectator hub, admission policy, fleet membership, replays, operator pages, HTTP
// routes, and the graceful shutdown. It is
// the one place that decides which implementation of each part runs. Start reads in three
// steps, each in a file of its own: defaults (options.go), wiring (wire.go) and shutdown
// (shutdown.go).
package app

import (
	"context"
	"log/slog"
	"net"
	"os"
	"runtime/debug"

	"skirmish/server/internal/config"
)

// Server is a started server.
type Server struct {
	parts
	stopMonitors context.CancelFunc // ends the headroom and operator monitors
	done         chan struct{}
	err          error
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// MetricsAddr is the address /metrics is served on when it has one of its own, else nil.
func (s *Server) MetricsAddr() net.Addr {
	if s.metricsLn == nil {
		return nil
	}
	return s.metricsLn.Addr()
}

// Done is closed when the server has shut down.
func (s *Server) Done() <-chan struct{} { return s.done }

// Err is why the server stopped, nil for a clean shutdown; valid after Done.
func (s *Server) Err() error { return s.err }

// Run serves until ctx ends (SIGINT or SIGTERM in the command), then shuts down gracefully,
// and returns the process exit code. It owns the process: it sets the GC target (gcPercent)
// unless GOGC does.
func Run(ctx context.Context, cfg config.Config, opts Options) int {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	s, err := Start(ctx, cfg, opts)
	if err != nil {
		opts.withDefaults(cfg).Logger.Error("server failed to start", "err", err)
		return 1
	}
	<-s.Done()
	if s.Err() != nil {
		s.log.Error("server stopped", "err", s.Err())
		return 1
	}
	return 0
}

// gcPercent is the server's GOGC unless the environment sets one. A tick allocates nothing,
// so collections are rare and a lower target costs little CPU, while the heap's headroom is
// most of the server's memory: at 250 rooms of 4 players, GOGC 50 against the default 100
// made the resident set 13.0 KiB a player instead of 17.8, and GOGC 20 against 50 made it
// 9.4-9.8 KiB instead of 11.8-13.1, at the same CPU a snapshot within the noise of three runs
// each (22.6-24.2 µs against 23.5-24.9). Below 20 the resident set hardly shrinks (8.6-8.9 KiB
// at 10) while a collection comes twice as often.
const gcPercent = 20

// Start listens on cfg.Addr and serves in the background until ctx ends.
func Start(ctx context.Context, cfg config.Config, opts Options) (*Server, error) {
	opts = opts.withDefaults(cfg)
	p, err := wire(cfg, opts)
	if err != nil {
		return nil, err
	}
	s := &Server{parts: p, done: make(chan struct{})}
	serveErr := s.serve()
	go s.shutdownOn(ctx, serveErr)
	return s, nil
}

// defaultLogger is the log of a server started without one: text on standard error.
func defaultLogger() *slog.Logger { return slog.New(slog.NewTextHandler(os.Stderr, nil)) }
