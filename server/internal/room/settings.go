package room

import (
	"fmt"
	"slices"
	"time"

	"skirmish/game"
)

// Settings are what a room request may choose. Zero values take the Manager's defaults (its
// Config); Seats defaults to DefaultSeats.
type Settings struct {
	Seats     int
	Bots      int // seats held by bots from the start; they give way to joining players
	Map       string
	FragLimit int
	TimeLimit time.Duration // match length
	BotLevel  string        // "easy", "normal" or "hard"; empty for the default
}

// DefaultSeats is the size of a room when a request does not say.
const DefaultSeats = 4

// The bounds of a room request.
const (
	MaxFragLimit = 100
	MinTimeLimit = 30 * time.Second
	MaxTimeLimit = 30 * time.Minute
)

// resolve checks s and fills its zero fields from cfg (the operator's defaults, which are not
// held to the bounds of a request), returning the room's own Config.
func (s *Settings) resolve(cfg Config) (Config, error) {
	if s.Seats == 0 {
		s.Seats = DefaultSeats
	}
	switch {
	case s.Seats < game.MinSeats || s.Seats > game.MaxSeats:
		return cfg, fmt.Errorf("%w: seats must be %d..%d", ErrBadRequest, game.MinSeats, game.MaxSeats)
	case s.Bots < 0 || s.Bots > s.Seats:
		return cfg, fmt.Errorf("%w: bots must be 0..seats", ErrBadRequest)
	case s.Map != "" && !slices.Contains(game.MapNames(), s.Map):
		return cfg, fmt.Errorf("%w: no map %q (maps: %v)", ErrBadRequest, s.Map, game.MapNames())
	case s.FragLimit != 0 && (s.FragLimit < 1 || s.FragLimit > MaxFragLimit):
		return cfg, fmt.Errorf("%w: fragLimit must be 1..%d", ErrBadRequest, MaxFragLimit)
	case s.TimeLimit != 0 && (s.TimeLimit < MinTimeLimit || s.TimeLimit > MaxTimeLimit):
		return cfg, fmt.Errorf("%w: timeLimit must be %v..%v", ErrBadRequest, MinTimeLimit, MaxTimeLimit)
	}
	if s.BotLevel != "" {
		level, err := game.ParseBotLevel(s.BotLevel)
		if err != nil {
			return cfg, fmt.Errorf("%w: botLevel: %w", ErrBadRequest, err)
		}
		cfg.BotLevel = level
	}
	s.BotLevel = cfg.BotLevel.String()
	if s.Map != "" {
		cfg.Map = s.Map
	}
	if s.FragLimit != 0 {
		cfg.FragLimit = s.FragLimit
	}
	if s.TimeLimit != 0 {
		cfg.TimeLimit = int(s.TimeLimit * time.Duration(cfg.TickRate) / time.Second)
	}
	s.Map, s.FragLimit = cfg.Map, cfg.FragLimit
	s.TimeLimit = time.Duration(cfg.TimeLimit) * time.Second / time.Duration(cfg.TickRate)
	return cfg, nil
}
