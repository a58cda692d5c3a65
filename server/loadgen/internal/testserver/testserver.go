// Package testserver runs the real server in a test's process for the load generator's
// tests: on a free loopback port, with a short countdown and a silent log.
package testserver

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
	"skirmish/server/internal/room"
)

// Start runs a server until the test ends, after tune (if any) has changed its
// configuration and options, and returns its address and tick rate.
func Start(t testing.TB, tune func(*config.Config, *app.Options)) (addr string, tickRate int) {
	t.Helper()
	cfg := config.Default()
	cfg.Addr, cfg.DataDir = "127.0.0.1:0", t.TempDir()
	opts := app.Options{
		Room:   room.Config{Countdown: 100 * time.Millisecond},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if tune != nil {
		tune(&cfg, &opts)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := app.Start(ctx, cfg, opts)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		<-srv.Done()
	})
	return srv.Addr().String(), cfg.TickRate
}
