package app

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"skirmish/game"
	"skirmish/game/protocol"
)

// shutdownTimeout bounds how long a shutdown waits for rooms, players and HTTP requests.
const shutdownTimeout = 5 * time.Second

// handoverTimeout bounds how long a draining node of a fleet spends handing its rooms over.
const handoverTimeout = 20 * time.Second

// serve starts the HTTP servers, the headroom monitor and the operators' figures in the
// background; the channel reports the first server to stop on its own.
func (s *Server) serve() <-chan error {
	ctx, stop := context.WithCancel(context.Background())
	s.stopMonitors = stop
	if s.monitor != nil {
		go s.monitor.Run(ctx)
	}
	if s.admin != nil {
		go s.admin.Run(ctx)
	}
	serveErr := make(chan error, 2)
	go func() {
		if s.tls {
			serveErr <- s.http.ServeTLS(s.ln, "", "")
		} else {
			serveErr <- s.http.Serve(s.ln)
		}
	}()
	if s.metricsSrv != nil {
		go func() {
			if err := s.metricsSrv.Serve(s.metricsLn); !errors.Is(err, http.ErrServerClosed) {
				serveErr <- err
			}
		}()
	}
	s.log.Info("serving", "addr", s.ln.Addr().String(), "url", pageURL(s.ln.Addr(), s.tls), "tick", s.roomCfg.TickRate,
		"grace", s.roomCfg.Grace, "maps", game.MapNames(), "protocol", protocol.Version)
	return serveErr
}

// pageURL is the address a person on this machine opens to play.
func pageURL(addr net.Addr, secure bool) string {
	host := "localhost"
	if a, ok := addr.(*net.TCPAddr); ok && !a.IP.IsUnspecified() {
		host = a.IP.String()
	}
	port := "80"
	if a, ok := addr.(*net.TCPAddr); ok {
		port = strconv.Itoa(a.Port)
	}
	scheme := "http://"
	if secure {
		scheme = "https://"
	}
	return scheme + net.JoinHostPort(host, port) + "/"
}

// shutdownOn waits for ctx to end or a server to fail, then shuts down: health turns 503
// and no new room, player, stream or replay is taken; then every room tells its players the
// server goes away (1001) and closes; then the spectator feeds (replays and the operators'
// figures included) end and the HTTP servers stop.
func (s *Server) shutdownOn(ctx context.Context, serveErr <-chan error) {
	defer close(s.done)
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		s.err = err
	}
	s.policy.Drain()
	s.rooms.Drain()
	s.log.Info("shutting down")
	if s.node != nil {
		handover, cancel := context.WithTimeout(context.Background(), handoverTimeout)
		n := s.node.Drain(handover)
		cancel()
		s.log.Info("rooms handed over to the fleet", "rooms", n)
	}
	s.stopRooms()
	wait, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := s.rooms.Wait(wait); err != nil {
		s.log.Warn("rooms did not close in time", "err", err)
	}
	// The operators' figures end with the spectator feeds: their streams are the hub's too.
	s.stopMonitors()
	if s.node != nil {
		// The rooms run elsewhere now: their spectators here are sent on rather than left to
		// retry an address that is going away.
		s.hub.Move(s.node.Home)
	}
	s.hub.Close()
	if err := s.http.Shutdown(wait); err != nil {
		s.log.Warn("http shutdown", "err", err)
	}
	if s.metricsSrv != nil {
		_ = s.metricsSrv.Shutdown(wait)
	}
	if s.node != nil {
		s.node.Close()
	}
	s.log.Info("stopped")
}
