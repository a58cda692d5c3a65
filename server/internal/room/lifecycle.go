package room

import (
	"slices"
	"time"

	"skirmish/game"
	"skirmish/game/protocol"
)

// setState moves the room to state s, which ends at ends (zero if open-ended), and tells
// everyone.
func (r *Room) setState(s protocol.State, ends time.Time) {
	if s != r.state {
		r.m.metrics.Rooms.WithLabelValues(r.state.String()).Dec()
		r.m.metrics.Rooms.WithLabelValues(s.String()).Inc()
	}
	r.state, r.stateEnds = s, ends
	r.fan.touch()
	r.changed(time.Now())
}

// maybeStart starts the countdown of a waiting room once every seat is held and every player
// connected, and reports whether it did.
func (r *Room) maybeStart(now time.Time) bool {
	if r.state != protocol.StateWaiting {
		return false
	}
	for i := range r.seats {
		s := &r.seats[i]
		if s.kind == seatFree || (s.kind == seatHuman && s.conn == nil) {
			return false
		}
	}
	r.startCountdown(now)
	return true
}

func (r *Room) startCountdown(now time.Time) {
	r.setState(protocol.StateCountdown, now.Add(r.cfg.Countdown))
}

// rematch starts a new match in the same room with the same seats.
func (r *Room) rematch(now time.Time) {
	r.matches++
	r.world = game.NewWorld(r.gameConfig(r.world.Map), r.world.Map)
	r.rec = r.m.records.begin(r.id, r.matches, r.world)
	for i := range r.seats {
		s := &r.seats[i]
		if s.kind == seatFree {
			continue
		}
		r.setActive(i, true)
		if s.kind == seatBot {
			s.bot = game.NewBot(i, seedOf(r.id, r.matches<<8|uint64(i)))
		}
	}
	r.curTick.Store(0)
	if r.anyMissing() {
		// A player dropped while the results showed: wait for it as during a match.
		r.m.metrics.Pauses.Inc()
		r.setState(protocol.StatePaused, time.Time{})
		return
	}
	r.startCountdown(now)
}

// changed tells players, observers and the directory about a new state or roster.
func (r *Room) changed(now time.Time) {
	st := r.buildStatus(now)
	f := r.fan.status(st)
	for i := range r.seats {
		if c := r.seats[i].conn; c != nil {
			c.Send(f)
		}
	}
	f.Release()
	r.m.obs.Status(r.id, st)
	r.publish(now)
}

// buildStatus fills the room's reused Status for now.
func (r *Room) buildStatus(now time.Time) *protocol.Status {
	st := &r.status
	st.State = r.state
	ends := r.stateEnds
	if r.state == protocol.StatePaused {
		ends = r.graceEnds()
	}
	st.StateEnds = 0
	if !ends.IsZero() {
		st.StateEnds = max(ends.Sub(now).Milliseconds(), 0)
	}
	st.Players, st.Missing, st.Results = st.Players[:0], st.Missing[:0], st.Results[:0]
	for i := range r.seats {
		s := &r.seats[i]
		if s.kind == seatFree {
			continue
		}
		ship := &r.world.Ships[i]
		st.Players = append(st.Players, protocol.Player{
			Seat: i, Name: s.name, Bot: s.kind == seatBot, Connected: s.kind == seatBot || s.conn != nil,
			Frags: int(ship.Frags), Deaths: int(ship.Deaths),
		})
		if s.kind == seatHuman && s.conn == nil && r.state == protocol.StatePaused {
			st.Missing = append(st.Missing, i)
		}
	}
	if r.state == protocol.StateEnded {
		for _, res := range r.world.Results() {
			st.Results = append(st.Results, protocol.Result{Seat: res.Seat, Frags: int(res.Frags), Deaths: int(res.Deaths)})
		}
	}
	return st
}

// notice sends one room event (joined, left, cheer) to players and observers.
func (r *Room) notice(kind protocol.EventKind, a int, text string) {
	r.events = append(r.events[:0], protocol.Event{Kind: kind, Tick: r.world.Tick, A: a, Text: text})
	r.sendEvents(r.events)
}

// sendEvents sends evs, encoded once, to every player and the observers.
func (r *Room) sendEvents(evs []protocol.Event) {
	f := r.fan.events(evs)
	for i := range r.seats {
		if c := r.seats[i].conn; c != nil {
			c.Send(f)
		}
	}
	f.Release()
	r.m.obs.Events(r.id, slices.Clip(evs))
}
