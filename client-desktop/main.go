// Command client-desktop is Skirmish's desktop client: the lobby and the match in a window,
// with prediction of the own ship and automatic reconnection.
//
//	go run ./client-desktop -server ws://localhost:8080/ws [-room ID] [-name N]
package main

import (
	"flag"
	"fmt"
	"image"
	"os"

	"skirmish/client-desktop/internal/lobby"
	"skirmish/client-desktop/internal/netlink"
	"skirmish/client-desktop/internal/tokens"
	"skirmish/client-desktop/internal/ui"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	fs := flag.NewFlagSet("client-desktop", flag.ContinueOnError)
	server := fs.String("server", "ws://localhost:8080/ws", "the server's player WebSocket URL")
	room := fs.String("room", "", "join this room at once instead of showing the lobby")
	name := fs.String("name", defaultName(), "the player's name, 1 to 16 characters")
	tokenDir := fs.String("tokens", "", "where session tokens and settings are kept (default: skirmish in the user config directory)")
	shot := fs.String("screenshot", "", "write a PNG of the window to this file when the client quits")
	quitAfter := fs.Duration("quit-after", 0, "quit after this long, leaving the room (0: run until the window closes)")
	playFor := fs.Duration("play-for", 0, "quit after playing a running match this long, leaving the room (0: no limit)")
	until := fs.String("until", "", "quit once the client shows this screen (countdown, playing, ended, ...) or effect (hit, death, respawn, shot), leaving the room")
	calm := fs.Bool("reduced-motion", false, "do not shake the arena when the own ship dies")
	autopilot := fs.Bool("autopilot", false, "let the game's bot steer the ship (demos and tests)")
	summary := fs.String("summary", "", "write a JSON summary of the session to this file when the client quits")
	window := fs.String("window", "", "the window's size at the start, as WIDTHxHEIGHT (default: fits a laptop screen)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "client-desktop: unexpected arguments %q\n", fs.Args())
		fs.Usage()
		return 2
	}
	var size image.Point
	if *window != "" {
		if _, err := fmt.Sscanf(*window, "%dx%d", &size.X, &size.Y); err != nil || size.X <= 0 || size.Y <= 0 {
			fmt.Fprintf(os.Stderr, "client-desktop: -window %q is not WIDTHxHEIGHT\n", *window)
			return 2
		}
	}
	rooms, err := lobby.NewClient(*server)
	if err != nil {
		fmt.Fprintf(os.Stderr, "client-desktop: %v\n", err)
		return 2
	}
	dir := *tokenDir
	if dir == "" {
		if dir, err = tokens.DefaultDir(); err != nil {
			fmt.Fprintf(os.Stderr, "client-desktop: %v\n", err)
			return 1
		}
	}
	cfg := ui.Config{
		Name:       *name,
		Room:       *room,
		Dial:       dialer(*server, tokens.New(dir)),
		Rooms:      rooms,
		Screenshot: *shot,
		QuitAfter:  *quitAfter,
		PlayFor:    *playFor,
		Until:      *until,
		Calm:       *calm,
		Settings:   dir,
		Autopilot:  *autopilot,
		Summary:    *summary,
		Window:     size,
	}
	if err := ui.Run(cfg); err != nil {
		fmt.Fprintf(os.Stderr, "client-desktop: %v\n", err)
		return 1
	}
	return 0
}

// defaultName is the user's login name cut to the protocol's limit, or "player".
func defaultName() string {
	n := []rune(os.Getenv("USER"))
	if len(n) == 0 {
		return "player"
	}
	return string(n[:min(len(n), 16)])
}

// dialer connects the window to the network package.
func dialer(server string, store *tokens.Store) ui.Dialer {
	return func(room, name string) ui.Link { return netlink.Dial(server, store, room, name) }
}
