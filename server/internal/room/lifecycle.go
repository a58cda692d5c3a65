package room

import (
	"slices"
	"time"

	"skirmish/game"
	"skirmish/game/protocol"
)

// edges are the legal changes of state, the table of the package doc.
var edges = map[protocol.State][]protocol.State{
	protocol.StateWaiting:   {protocol.StateCountdown},
	protocol.StateCountdown: {protocol.StateRunning, protocol.StatePaused},
	protocol.StateRunning:   {protocol.StatePaused, protocol.StateEnded},
	protocol.StatePaused:    {protocol.StateCountdown},
	protocol.StateEnded:     {protocol.StateCountdown, protocol.StatePaused},
}

// enter moves the room to state s, which ends at ends (zero if open-ended), and tells
// everyone. It refuses, and reports, an edge that is not in the table: that is a bug, and
// the room carries on in its current state rather than in one nobody designed.
func (c *core) enter(s protocol.State, ends, now time.Time) bool {
	if !slices.Contains(edges[c.state], s) {
		c.env.log.Error("illegal room state change refused", "room", c.id, "from", c.state.String(), "to", s.String())
		return false
	}
	c.env.metrics.Rooms.WithLabelValues(c.state.String()).Dec()
	c.env.metrics.Rooms.WithLabelValues(s.String()).Inc()
	c.state, c.stateEnds = s, ends
	c.fan.touch()
	c.changed(now)
	return true
}

// startCountdown counts down to the match, or back into it after a pause.
func (c *core) startCountdown(now time.Time) {
	c.enter(protocol.StateCountdown, now.Add(c.cfg.Countdown), now)
}

// maybeStart starts the countdown of a waiting room once every seat is held and every player
// connected, and reports whether it did.
func (c *core) maybeStart(now time.Time) bool {
	if c.state != protocol.StateWaiting {
		return false
	}
	for i := range c.seats {
		if s := &c.seats[i]; s.kind == seatFree || !s.connected() {
			return false
		}
	}
	c.startCountdown(now)
	return true
}

// startNow starts a waiting room at once: bots take the free seats and those of players not
// connected (who may take theirs back, as after leaving).
func (c *core) startNow(now time.Time) {
	if c.state != protocol.StateWaiting {
		return
	}
	for i := range c.seats {
		switch s := &c.seats[i]; {
		case s.kind == seatFree && s.token != nil:
			c.standIn(i)
		case s.kind == seatFree:
			c.seatBot(i)
		case !s.connected():
			c.standIn(i)
		}
	}
	c.setKind()
	c.startCountdown(now)
}

// pause stops the match while a lost player is awaited. Before the match and on the results
// screen nothing runs, so the roster change is all there is to tell.
func (c *core) pause(now time.Time) {
	switch c.state {
	case protocol.StateRunning, protocol.StateCountdown:
		c.env.metrics.Pauses.Inc()
		c.env.log.Info("room paused", "room", c.id, "missing", c.missing())
		c.enter(protocol.StatePaused, time.Time{}, now)
	default:
		c.changed(now)
	}
}

// resumeIfComplete counts a paused room back into play once nobody is awaited; otherwise it
// tells everyone about the roster change.
func (c *core) resumeIfComplete(now time.Time) {
	if c.state == protocol.StatePaused && !c.anyAwaited() {
		c.env.log.Info("room resumes", "room", c.id)
		c.startCountdown(now)
		return
	}
	if !c.maybeStart(now) {
		c.changed(now)
	}
}

// endMatch shows the results until the rematch.
func (c *core) endMatch(now time.Time) {
	c.rec.End(c.world)
	results := c.world.Results()
	if len(results) > 0 {
		best := results[0]
		c.env.log.Info("match over", "room", c.id, "match", c.matches, "winner", c.displayName(best.Seat),
			"seat", best.Seat, "frags", best.Frags, "ticks", c.world.Tick)
	}
	c.enter(protocol.StateEnded, now.Add(c.cfg.Results), now)
}

// rematch starts a new match in the same room with the same seats.
func (c *core) rematch(now time.Time) {
	c.matches++
	c.world = game.NewWorld(c.gameConfig(c.world.Map), c.world.Map)
	c.beginRecord(now)
	for i := range c.seats {
		s := &c.seats[i]
		if s.kind == seatFree {
			continue
		}
		c.setActive(i, true)
		if s.kind == seatBot {
			s.bot = c.newBot(i)
		}
	}
	if c.anyAwaited() {
		// A player was lost while the results showed: wait for it as during a match.
		c.env.metrics.Pauses.Inc()
		c.enter(protocol.StatePaused, time.Time{}, now)
		return
	}
	c.startCountdown(now)
}

// expireGrace hands the seats of players lost longer than the grace period to bots. Their
// tokens still take the seats back.
func (c *core) expireGrace(now time.Time) {
	expired := false
	for i := range c.seats {
		s := &c.seats[i]
		if s.awaited() && now.Sub(s.lost) >= c.cfg.Grace {
			c.env.log.Info("grace ran out", "room", c.id, "seat", i, "name", s.name)
			c.vacate(i)
			expired = true
		}
	}
	if expired {
		c.resumeIfComplete(now)
	}
}

// anyAwaited reports whether a seat waits for its lost player.
func (c *core) anyAwaited() bool {
	return slices.ContainsFunc(c.seats, func(s seat) bool { return s.awaited() })
}

// missing lists the seats that wait for their lost players.
func (c *core) missing() []int {
	var seats []int
	for i := range c.seats {
		if c.seats[i].awaited() {
			seats = append(seats, i)
		}
	}
	return seats
}

// graceEnds returns when the first awaited player's grace runs out.
func (c *core) graceEnds() time.Time {
	var first time.Time
	for i := range c.seats {
		if s := &c.seats[i]; s.awaited() {
			if end := s.lost.Add(c.cfg.Grace); first.IsZero() || end.Before(first) {
				first = end
			}
		}
	}
	return first
}
