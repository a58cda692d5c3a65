package game

import (
	"errors"
	"fmt"
)

// The seat limits of a match.
const (
	MinSeats = 2
	MaxSeats = 8
)

// The tick rates a World accepts, in Hz.
const (
	MinTickRate = 10
	MaxTickRate = 128
)

// The tuning of the game in real units. Step converts them into per-tick values with the
// Config's TickRate, so a match plays the same at any rate.
const (
	ShipSpeed          = 220  // top speed, pixels per second
	ShipHalf           = 12   // half the edge of a ship's collision square, pixels
	ShipHealth         = 100  // health of a fresh ship
	ProjectileSpeed    = 600  // pixels per second
	ProjectileLifeMS   = 1200 // how long a shot flies
	ProjectileDamage   = 25   // health a hit takes
	HitRadius          = 16   // a shot hits a ship whose centre is closer than this, pixels
	FireCooldownMS     = 250  // time between two shots of one ship
	RespawnDelayMS     = 2000 // time a fragged ship stays dead
	DefaultRewindMS    = 500  // how far back a shot's hit tests may look by default (see Config.Rewind)
	MaxRewindMS        = 1000 // the longest Config.Rewind, well under RespawnDelayMS
	DefaultFragLimit   = 10
	DefaultMatchLength = 3 * 60 // seconds
)

// diagonal scales each axis of a diagonal move so that its length matches a straight one
// (181/256 is 1/sqrt(2) to three digits).
const diagonal = 181

// Config fixes the rules of one match. It is part of the World and never changes during it.
type Config struct {
	Seats     int    // ships in the match, MinSeats..MaxSeats
	FragLimit int    // frags that win the match
	TimeLimit int    // match length in ticks; 0 means no limit
	TickRate  int    // simulation steps per second, MinTickRate..MaxTickRate
	Seed      uint64 // initial state of the World's PRNG
	// Rewind is how many ticks into the past the hit tests of a shot may look to meet the
	// shooter's view (lag compensation, rewind.go), at most MaxRewindMS; 0 turns it off.
	Rewind int
}

// DefaultConfig returns the standard rules for seats ships at tickRate Hz: ten frags or three
// minutes, seed zero, shots compensated for up to DefaultRewindMS of the shooter's lag.
func DefaultConfig(seats, tickRate int) Config {
	return Config{
		Seats:     seats,
		FragLimit: DefaultFragLimit,
		TimeLimit: DefaultMatchLength * tickRate,
		TickRate:  tickRate,
		Rewind:    RewindTicks(DefaultRewindMS, tickRate),
	}
}

// RewindTicks converts a rewind bound in milliseconds into whole ticks at tickRate Hz,
// rounding down so that the bound is never exceeded.
func RewindTicks(ms, tickRate int) int { return ms * tickRate / 1000 }

// ErrConfig is wrapped by every error Validate returns.
var ErrConfig = errors.New("invalid game config")

// Validate reports the first rule of the Config that is out of range.
func (c Config) Validate() error {
	switch {
	case c.Seats < MinSeats || c.Seats > MaxSeats:
		return fmt.Errorf("%w: seats %d not in %d..%d", ErrConfig, c.Seats, MinSeats, MaxSeats)
	case c.TickRate < MinTickRate || c.TickRate > MaxTickRate:
		return fmt.Errorf("%w: tick rate %d not in %d..%d", ErrConfig, c.TickRate, MinTickRate, MaxTickRate)
	case c.FragLimit < 1 || c.FragLimit > 1000:
		return fmt.Errorf("%w: frag limit %d not in 1..1000", ErrConfig, c.FragLimit)
	case c.TimeLimit < 0:
		return fmt.Errorf("%w: negative time limit %d", ErrConfig, c.TimeLimit)
	case c.Rewind < 0 || c.Rewind > RewindTicks(MaxRewindMS, c.TickRate):
		return fmt.Errorf("%w: rewind %d ticks not in 0..%d (%d ms)", ErrConfig, c.Rewind, RewindTicks(MaxRewindMS, c.TickRate), MaxRewindMS)
	}
	return nil
}

// Ticks converts a duration in milliseconds into whole ticks, rounding up, at least one.
func (c Config) Ticks(ms int) int {
	t := (ms*c.TickRate + 999) / 1000
	if t < 1 {
		return 1
	}
	return t
}

// ShipSpeed is a ship's top speed in world units per tick.
func (c Config) ShipSpeed() int32 { return int32(ShipSpeed * SubPixel / c.TickRate) }

// ShipAccel is the share of the gap between a ship's velocity and its target velocity that
// it closes in one tick, in 256ths: about an eighth of a second to reach full speed.
func (c Config) ShipAccel() int32 { return int32(min(256, 2048/c.TickRate)) }

// ProjectileSpeed is the speed of a shot in world units per tick.
func (c Config) ProjectileSpeed() int32 { return int32(ProjectileSpeed * SubPixel / c.TickRate) }
