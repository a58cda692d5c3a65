// Package config turns the server's command line and environment into a validated Config.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode"

	"skirmish/game"
	"skirmish/server/internal/room"
)

// The tick rates the server accepts, in Hz.
const (
	MinTickRate = 10
	MaxTickRate = 128
)

// The spectator rates the server accepts, in Hz.
const (
	MinSpectatorRate = 1
	MaxSpectatorRate = 30
)

// MinAdminToken is the shortest operator token the server accepts.
const MinAdminToken = 12

// Config is everything the server needs to know to start.
type Config struct {
	Addr     string // listen address
	TickRate int    // simulation rate in Hz
	// SpectatorRate is how many snapshots a second spectators get, in Hz (at most one a tick).
	SpectatorRate int
	Grace         time.Duration // how long a paused room waits for a dropped player
	// Origins are the browser Origins allowed besides the server's own ("*" wildcards).
	Origins []string
	DataDir string // where checkpoints and match records go
	// AdminToken enables the operator pages and API for requests that carry it as a bearer
	// token; empty turns them off.
	AdminToken string
	// The match a room plays unless its request says otherwise.
	Map       string
	FragLimit int
	TimeLimit time.Duration
	// NATS, when set, is the NATS server (or comma-separated servers) of the fleet this
	// server joins as node NodeID, reached by players at PublicURL (its WebSocket URL). Both
	// default from the host name and the port of Addr.
	NATS      string
	NodeID    string
	PublicURL string
	// GoroutineReads reads every player on a goroutine of its own, as TLS connections are
	// read, instead of each room reading its players' plain TCP sockets itself once a tick;
	// make bench compares the two.
	GoroutineReads bool

	// Admission limits; 0 means no limit.
	MaxRooms      int // rooms open at once
	RoomsPerIP    int // rooms one address may create per minute
	MaxConnsPerIP int // player connections and spectator streams open from one address
	MaxSpectators int // spectator streams of one room
	// Record retention under DataDir: past either limit the oldest finished records are
	// deleted; 0 means no limit. A record in progress is never cut.
	KeepMatches    int   // how many finished records
	RecordsMaxSize int64 // how many bytes of records, the ones in progress included
	// Overload makes the server refuse new players and rooms while it is short of headroom.
	Overload bool

	MetricsAddr string // serve /metrics on this address instead of the main one
	TLSCert     string // certificate file (PEM); with TLSKey the server speaks https and wss
	TLSKey      string // private key file (PEM)

	// MaxRewind bounds the lag compensation of shots (PROTOCOL.md); 0 turns it off.
	MaxRewind time.Duration
}

// roomsPerCore is how many rooms the default -max-rooms allows per core: a room that only
// bots play costs about 0.2% of a core, so a core full of them still leaves room for play.
const roomsPerCore = 250

// Default returns the configuration used when no flag is given.
func Default() Config {
	return Config{
		Addr: ":8080", TickRate: 30, SpectatorRate: 10, Grace: 60 * time.Second, DataDir: "./data", KeepMatches: 1000,
		Map: game.MapNames()[0], FragLimit: game.DefaultFragLimit, TimeLimit: game.DefaultMatchLength * time.Second,
		MaxRooms: roomsPerCore * runtime.GOMAXPROCS(0), RoomsPerIP: 30, MaxConnsPerIP: 100, MaxSpectators: 1000,
		RecordsMaxSize: 1 << 30, Overload: true,
		MaxRewind: game.DefaultRewindMS * time.Millisecond,
	}
}

// ErrUsage is returned when the command line is invalid; the usage has already been printed.
var ErrUsage = errors.New("invalid command line")

// Parse reads args (without the program name) and the environment through getenv. On an
// invalid command line it prints the problem and the usage to out and returns an error
// wrapping ErrUsage (or flag.ErrHelp for -h).
func Parse(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	cfg := Default()
	if addr := getenv("SKIRMISH_ADDR"); addr != "" {
		cfg.Addr = addr
	}
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(out)
	var origins string
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (env SKIRMISH_ADDR)")
	fs.IntVar(&cfg.TickRate, "tick", cfg.TickRate, fmt.Sprintf("simulation rate in Hz (%d..%d)", MinTickRate, MaxTickRate))
	fs.IntVar(&cfg.SpectatorRate, "spectator-rate", cfg.SpectatorRate,
		fmt.Sprintf("snapshots a second for spectators in Hz (%d..%d)", MinSpectatorRate, MaxSpectatorRate))
	fs.DurationVar(&cfg.Grace, "grace", cfg.Grace, "how long a paused room waits for a dropped player")
	fs.StringVar(&origins, "origins", "", "comma-separated Origins allowed besides the server's own, for WebSocket, SSE and the API (* wildcards)")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "where checkpoints and match records go")
	// The token's default stays out of the usage text: it would print the environment's.
	fs.StringVar(&cfg.AdminToken, "admin-token", "",
		fmt.Sprintf("enables /admin and the operator API for this bearer token (env SKIRMISH_ADMIN_TOKEN; at least %d characters)", MinAdminToken))
	fs.StringVar(&cfg.Map, "map", cfg.Map, fmt.Sprintf("map of new rooms (%s)", strings.Join(game.MapNames(), ", ")))
	fs.IntVar(&cfg.FragLimit, "frag-limit", cfg.FragLimit, "frags that win a match in new rooms")
	fs.DurationVar(&cfg.TimeLimit, "time-limit", cfg.TimeLimit, "match length in new rooms")
	fs.StringVar(&cfg.NATS, "nats", "", "NATS URL of a fleet to join, e.g. nats://localhost:4222 (JetStream, nats-server 2.11 or later)")
	fs.StringVar(&cfg.NodeID, "node-id", "", "this node's name in the fleet (default host:port)")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "the WebSocket URL players reach this node at, e.g. ws://game1.example:8080/ws (default from the host name)")
	fs.BoolVar(&cfg.GoroutineReads, "goroutine-reads", false, "read each player on a goroutine of its own instead of from its room once a tick (about twice the memory, the same CPU)")
	fs.IntVar(&cfg.MaxRooms, "max-rooms", cfg.MaxRooms, "rooms open at once (0: no limit)")
	fs.IntVar(&cfg.RoomsPerIP, "rooms-per-ip", cfg.RoomsPerIP, "rooms one address may create per minute (0: no limit)")
	fs.IntVar(&cfg.MaxConnsPerIP, "max-conns-per-ip", cfg.MaxConnsPerIP, "player connections and spectator streams open from one address, an IPv6 /64 counting as one (0: no limit)")
	fs.IntVar(&cfg.MaxSpectators, "max-spectators", cfg.MaxSpectators, "spectators of one room (0: no limit)")
	fs.IntVar(&cfg.KeepMatches, "keep-matches", cfg.KeepMatches, "finished match records to keep, the newest (0: no limit)")
	fs.Int64Var(&cfg.RecordsMaxSize, "records-max-size", cfg.RecordsMaxSize, "bytes of match records kept; the oldest finished ones are deleted beyond it (0: no limit)")
	fs.BoolVar(&cfg.Overload, "overload", cfg.Overload, "refuse new players (4003) and rooms (503) while the server is short of headroom")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", "", "serve /metrics on this address only (default: on -addr, public)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "certificate file (PEM): serve https and wss, HTTP/2 included")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "private key file (PEM) of -tls-cert")
	fs.DurationVar(&cfg.MaxRewind, "max-rewind", cfg.MaxRewind,
		fmt.Sprintf("how far back a shot's hit tests may look to meet the shooter's view (0..%dms, 0 turns lag compensation off)", game.MaxRewindMS))
	if err := fs.Parse(args); err != nil {
		return cfg, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if cfg.AdminToken == "" {
		cfg.AdminToken = getenv("SKIRMISH_ADMIN_TOKEN")
	}
	cfg.Origins = splitList(origins)
	err := cfg.validate()
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err != nil {
		fmt.Fprintln(out, err)
		fs.Usage()
		return cfg, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	return cfg, nil
}

func (c Config) validate() error {
	switch {
	case c.Addr == "":
		return errors.New("-addr must not be empty")
	case c.TickRate < MinTickRate || c.TickRate > MaxTickRate:
		return fmt.Errorf("-tick %d is not in %d..%d", c.TickRate, MinTickRate, MaxTickRate)
	case c.SpectatorRate < MinSpectatorRate || c.SpectatorRate > MaxSpectatorRate:
		return fmt.Errorf("-spectator-rate %d is not in %d..%d", c.SpectatorRate, MinSpectatorRate, MaxSpectatorRate)
	case c.AdminToken != "" && (len(c.AdminToken) < MinAdminToken || strings.ContainsFunc(c.AdminToken, unicode.IsSpace)):
		return fmt.Errorf("-admin-token must be at least %d characters without spaces", MinAdminToken)
	case c.Grace <= 0:
		return fmt.Errorf("-grace %v must be positive", c.Grace)
	case !slices.Contains(game.MapNames(), c.Map):
		return fmt.Errorf("-map %q is not one of %s", c.Map, strings.Join(game.MapNames(), ", "))
	case c.FragLimit < 1 || c.FragLimit > room.MaxFragLimit:
		return fmt.Errorf("-frag-limit %d is not in 1..%d", c.FragLimit, room.MaxFragLimit)
	case c.TimeLimit < room.MinTimeLimit || c.TimeLimit > room.MaxTimeLimit:
		return fmt.Errorf("-time-limit %v is not in %v..%v", c.TimeLimit, room.MinTimeLimit, room.MaxTimeLimit)
	case c.MaxRooms < 0 || c.RoomsPerIP < 0 || c.MaxConnsPerIP < 0 || c.MaxSpectators < 0 || c.KeepMatches < 0 || c.RecordsMaxSize < 0:
		return errors.New("-max-rooms, -rooms-per-ip, -max-conns-per-ip, -max-spectators, -keep-matches and -records-max-size must not be negative")
	case (c.TLSCert == "") != (c.TLSKey == ""):
		return errors.New("-tls-cert and -tls-key go together")
	case c.MaxRewind < 0 || c.MaxRewind > game.MaxRewindMS*time.Millisecond:
		return fmt.Errorf("-max-rewind %v is not in 0..%dms", c.MaxRewind, game.MaxRewindMS)
	}
	if c.NATS == "" && (c.NodeID != "" || c.PublicURL != "") {
		return errors.New("-node-id and -public-url name a node of a fleet: give -nats too")
	}
	if u, err := url.Parse(c.PublicURL); c.PublicURL != "" && (err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "") {
		return fmt.Errorf("-public-url %q is not a WebSocket URL like ws://host:8080/ws", c.PublicURL)
	}
	if strings.ContainsAny(c.NodeID, ".*> \t") {
		return fmt.Errorf("-node-id %q may not hold dots, spaces, * or >", c.NodeID)
	}
	for _, o := range c.Origins {
		if o != "*" && !strings.Contains(o, "://") {
			return fmt.Errorf("-origins entry %q is not an origin like https://example.com (or *)", o)
		}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, strings.TrimRight(part, "/"))
		}
	}
	return out
}
