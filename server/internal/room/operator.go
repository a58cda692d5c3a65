package room

import (
	"errors"
	"fmt"
	"time"

	"skirmish/game/protocol"
)

// ErrNoPlayer is returned for a seat that no player holds.
var ErrNoPlayer = errors.New("no player in that seat")

// Close closes a room at an operator's request: its players are closed with 4509 and reason,
// its spectators told, its match record ended.
func (m *Manager) Close(roomID, reason string) error {
	return m.ask(roomID, func(c *core) error {
		c.env.log.Info("room closed by an operator", "room", c.id, "reason", reason)
		c.shutdown(protocol.CodeRoomClosed, reason)
		return nil
	})
}

// Kick removes the player in seat from a room at an operator's request: its connection is
// closed with 4510 and reason, and the seat goes to a bot as if the player had left, except
// that the player's token no longer holds it.
func (m *Manager) Kick(roomID string, seat int, reason string) error {
	return m.ask(roomID, func(c *core) error { return c.kick(seat, reason, time.Now()) })
}

// TakeTickTimes returns how long each room's ticks took since the last call (at most a few
// hundred a room), by room id.
func (m *Manager) TakeTickTimes() map[string][]time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	times := make(map[string][]time.Duration, len(m.rooms))
	for id, r := range m.rooms {
		times[id] = r.times.take()
	}
	return times
}

// ask runs fn on the room's ticker and returns its error; ErrNoRoom if the room is not
// here or closes first.
func (m *Manager) ask(roomID string, fn func(*core) error) error {
	r := m.get(roomID)
	if r == nil {
		return ErrNoRoom
	}
	errc := make(chan error, 1)
	if !r.do(func() { errc <- fn(r.core) }) {
		return ErrNoRoom
	}
	err, ok := await(r, errc)
	if !ok {
		return ErrNoRoom
	}
	return err
}

// kick removes the player in seat i (see Manager.Kick). Before the match the seat is free,
// during it a plain bot takes it.
func (c *core) kick(i int, reason string, now time.Time) error {
	if i < 0 || i >= len(c.seats) {
		return fmt.Errorf("%w: seat %d is not one of the room's %d", ErrBadRequest, i, len(c.seats))
	}
	s := &c.seats[i]
	if s.kind != seatHuman {
		return fmt.Errorf("%w %d", ErrNoPlayer, i)
	}
	c.env.log.Info("player removed by an operator", "room", c.id, "seat", i, "name", s.name, "reason", reason)
	if p := s.peer; p != nil {
		c.detach(i)
		closePeer(p, protocol.CodeRemoved, reason)
	}
	if c.state == protocol.StateWaiting {
		*s = seat{gen: s.gen, inputs: s.inputs}
		c.setActive(i, false)
	} else {
		c.seatBot(i)
	}
	c.setKind()
	c.notice(protocol.EventLeft, i, "")
	c.resumeIfComplete(now)
	return nil
}
