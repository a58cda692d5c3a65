package app

import (
	"io/fs"
	"log/slog"
	"time"

	clientweb "skirmish/client-web"
	"skirmish/server/internal/config"
	"skirmish/server/internal/fleet"
	"skirmish/server/internal/ratelimit"
	"skirmish/server/internal/room"
)

// Options are the parts of a server that the command line does not set. The zero value is
// the production server.
type Options struct {
	// Room tunes the rooms beyond the flags (tests shorten the countdown and timeouts); its
	// TickRate, Grace, DataDir, MaxRooms, the record limits and the match settings come from
	// the Config when zero.
	Room room.Config
	// Observer, when set, sees every room in addition to the spectator hub.
	Observer room.Observer
	// Web is the web client served at /; nil means the embedded one.
	Web fs.FS
	// Fleet tunes the fleet a server with -nats joins beyond the flags (tests shorten the
	// lease); its URL, NodeID and PublicURL come from the Config.
	Fleet fleet.Options
	// Logger is the server's log; warnings and errors are rate-limited per kind on top of it.
	Logger *slog.Logger
	// HTTP bounds what one HTTP request may take.
	HTTP HTTPLimits
	// MaxOpen bounds the connections open at once; 0 means the descriptor limit less a
	// reserve for files.
	MaxOpen int
	// Overloaded, when set, replaces the server's own measure of its headroom (tests force it).
	Overloaded func() bool
}

// HTTPLimits bound the HTTP side of the server. Zero values mean the defaults.
type HTTPLimits struct {
	// HeaderTimeout bounds the time to send a request head (default 5 s); MaxHeader its size
	// (default 16 KiB).
	HeaderTimeout time.Duration
	MaxHeader     int
	// ReadTimeout bounds the time to send a whole request, body included (default 10 s).
	ReadTimeout time.Duration
	// WriteTimeout bounds the time to take a whole answer (default 30 s); the streams and
	// player connections have limits of their own.
	WriteTimeout time.Duration
	// IdleTimeout bounds how long a kept-alive connection may wait for its next request
	// (default 60 s).
	IdleTimeout time.Duration
}

// logBurst and logEvery limit each kind of warning: a burst, then one line per interval with
// the count of the lines left out.
const (
	logBurst = 5
	logEvery = 10 * time.Second
)

// A player sends one input a tick and a ping or two a second; a connection may send twice
// that (with a burst of five seconds' worth, for inputs a stalled network delivers at once)
// before it is closed for flooding.
const (
	inputsPerTick     = 2
	controlsPerSecond = 10
)

// withDefaults fills what the options leave open, from the configuration where it has a say.
func (o Options) withDefaults(cfg config.Config) Options {
	if o.Logger == nil {
		o.Logger = defaultLogger()
	}
	if _, limited := o.Logger.Handler().(*ratelimit.LogHandler); !limited {
		o.Logger = slog.New(ratelimit.NewLogHandler(o.Logger.Handler(), logBurst, logEvery))
	}
	if o.Room.TickRate == 0 {
		o.Room.TickRate = cfg.TickRate
	}
	if o.Room.Grace == 0 {
		o.Room.Grace = cfg.Grace
	}
	if o.Room.DataDir == "" {
		o.Room.DataDir = cfg.DataDir
	}
	if o.Room.MaxRooms == 0 {
		o.Room.MaxRooms = cfg.MaxRooms
	}
	if o.Room.KeepMatches == 0 {
		o.Room.KeepMatches = cfg.KeepMatches
	}
	if o.Room.RecordsMaxSize == 0 {
		o.Room.RecordsMaxSize = cfg.RecordsMaxSize
	}
	if o.Room.Map == "" {
		o.Room.Map = cfg.Map
	}
	if o.Room.FragLimit == 0 {
		o.Room.FragLimit = cfg.FragLimit
	}
	if o.Room.TimeLimit == 0 {
		o.Room.TimeLimit = int(cfg.TimeLimit * time.Duration(o.Room.TickRate) / time.Second)
	}
	if o.Room.MaxRewind == 0 {
		o.Room.MaxRewind = cfg.MaxRewind
	}
	if o.Room.Conn.MaxRate == 0 {
		o.Room.Conn.MaxRate = inputsPerTick*o.Room.TickRate + controlsPerSecond
	}
	if o.Web == nil {
		o.Web = clientweb.FS
	}
	h := &o.HTTP
	if h.HeaderTimeout <= 0 {
		h.HeaderTimeout = 5 * time.Second
	}
	if h.MaxHeader <= 0 {
		h.MaxHeader = 16 << 10
	}
	if h.ReadTimeout <= 0 {
		h.ReadTimeout = 10 * time.Second
	}
	if h.WriteTimeout <= 0 {
		h.WriteTimeout = 30 * time.Second
	}
	if h.IdleTimeout <= 0 {
		h.IdleTimeout = 60 * time.Second
	}
	return o
}
