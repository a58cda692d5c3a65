package room

import (
	"time"

	"skirmish/game"
	"skirmish/server/internal/transport"
)

// Config is what every room of a Manager shares.
type Config struct {
	TickRate  int           // simulation steps per second
	Grace     time.Duration // how long a paused room waits for a dropped player
	Countdown time.Duration // the countdown before a match starts or resumes; default 3 s
	Results   time.Duration // how long the results show before the rematch countdown; default 10 s
	// Idle is how long a room without human players lives on (spectators do not count);
	// default 2 min.
	Idle      time.Duration
	Map       string        // map name; default the first map
	FragLimit int           // default game.DefaultFragLimit
	TimeLimit int           // match length in ticks; default game.DefaultMatchLength seconds
	BotLevel  game.BotLevel // how well the bots play; the zero value is normal
	// MaxBacklog is how many inputs of one seat may wait; older ones are trimmed. Default 4.
	MaxBacklog int
	// MaxRewind bounds the lag compensation of shots, in whole ticks rounding down; 0 turns
	// it off.
	MaxRewind time.Duration
	// HelloTimeout is how long a new connection may take to say hello; default 5 s.
	HelloTimeout time.Duration
	// MaxRooms bounds the rooms open at once; 0 means no bound.
	MaxRooms int
	// DataDir is where match records (under matches/) and checkpoints (under checkpoints/)
	// go; empty turns both off.
	DataDir string
	// KeepMatches and RecordsMaxSize bound the match records kept: past either, the oldest
	// finished ones are deleted (a record in progress never is); 0 means no bound.
	KeepMatches    int
	RecordsMaxSize int64
	// CheckpointEvery spaces a running room's checkpoints; default 2 s.
	CheckpointEvery time.Duration
	Conn            transport.Options
}

func (c Config) withDefaults() Config {
	if c.TickRate == 0 {
		c.TickRate = 30
	}
	if c.Grace <= 0 {
		c.Grace = 60 * time.Second
	}
	if c.Countdown <= 0 {
		c.Countdown = 3 * time.Second
	}
	if c.Results <= 0 {
		c.Results = 10 * time.Second
	}
	if c.Idle <= 0 {
		c.Idle = 2 * time.Minute
	}
	if c.Map == "" {
		if names := game.MapNames(); len(names) > 0 {
			c.Map = names[0]
		}
	}
	if c.FragLimit <= 0 {
		c.FragLimit = game.DefaultFragLimit
	}
	if c.TimeLimit <= 0 {
		c.TimeLimit = game.DefaultMatchLength * c.TickRate
	}
	if c.MaxBacklog <= 0 {
		c.MaxBacklog = 4
	}
	if c.CheckpointEvery <= 0 {
		c.CheckpointEvery = 2 * time.Second
	}
	if c.HelloTimeout <= 0 {
		c.HelloTimeout = 5 * time.Second
	}
	return c
}
