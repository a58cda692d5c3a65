// Command server runs the Skirmish game server: rooms, the player WebSocket endpoint, the
// spectator feeds, the room API, the web client and metrics, all on one port. `server replay
// FILE` checks a match record instead.
package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"os/signal"
	"syscall"

	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
	"skirmish/server/internal/replay"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "replay" {
		os.Exit(replay.Command(os.Args[2:], os.Stdout, os.Stderr))
	}
	cfg, err := config.Parse(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(app.Run(ctx, cfg, app.Options{}))
}
