package room

import (
	"time"

	"skirmish/game"
	"skirmish/server/internal/record"
)

// recSeat is what a match record says drives a seat: a player, a bot (which brain), or
// nobody, and under which name.
type recSeat struct {
	known bool
	kind  seatKind
	bot   *game.Bot
	name  string
}

// beginRecord starts the record of the match the world is about to play.
func (c *core) beginRecord(now time.Time) {
	c.setRecord(c.env.records.Begin(c.id, c.matches, c.world, now))
}

// setRecord makes rec the match's record; it names every seat's driver before its next step.
// In a fleet the record goes wherever the room goes, in the fleet's store beside its
// checkpoints.
func (c *core) setRecord(rec *record.Match) {
	if c.env.fleet != nil {
		rec.Travel()
	}
	c.rec = rec
	c.recSeats = make([]recSeat, len(c.seats))
}

// recordSeats tells the record, before a step, every seat whose driver changed since the
// last: the record holds a player's inputs, but only the seed of a bot, whose brain a replay
// runs again. A bot put in a seat is always a fresh brain, so a new one is a change.
func (c *core) recordSeats() {
	if c.rec == nil {
		return
	}
	tick := c.world.Tick
	for i := range c.seats {
		s := &c.seats[i]
		r := recSeat{known: true, kind: s.kind, name: s.name}
		if s.kind == seatBot {
			r.bot = s.bot
		}
		if r == c.recSeats[i] {
			continue
		}
		c.recSeats[i] = r
		switch s.kind {
		case seatHuman:
			c.rec.Player(tick, i, c.displayName(i))
		case seatBot:
			c.rec.Bot(tick, i, c.botSeed(i), c.cfg.BotLevel, c.displayName(i))
		default:
			c.rec.Idle(tick, i)
		}
	}
}
