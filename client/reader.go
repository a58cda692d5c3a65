package client

import (
	"errors"
	"fmt"
	"time"

	"skirmish/game/protocol"
)

// reader decodes one connection's messages and keeps the full state.
type reader struct {
	c        *Client
	conn     *wsConn
	rd       protocol.Reader
	state    protocol.Snapshot // the full state at state.Tick
	have     bool              // state holds a keyframe
	welcomed bool
	lastErr  *protocol.Error
}

// loop reads until the connection ends and returns why.
func (r *reader) loop() error {
	h := &r.c.h
	for {
		p, err := r.conn.read()
		if err != nil {
			var ce *CloseError
			if errors.As(err, &ce) && r.lastErr != nil && ce.Reason == "" {
				ce.Reason = r.lastErr.Message
			}
			return err
		}
		t, err := r.rd.Decode(p)
		if err != nil {
			return fmt.Errorf("bad message from the server: %w", err)
		}
		switch t {
		case protocol.TypeWelcome:
			w := &r.rd.Welcome
			r.c.mu.Lock()
			r.c.token, r.c.seat, r.c.conn = w.Token, w.Seat, r.conn
			r.c.mu.Unlock()
			r.welcomed, r.have = true, false
			r.c.state(Connected, nil)
			if h.OnWelcome != nil {
				h.OnWelcome(w)
			}
		case protocol.TypeSnapshot:
			r.state.CopyFrom(&r.rd.Snapshot)
			r.have = true
			if h.OnSnapshot != nil {
				h.OnSnapshot(&r.state, true)
			}
		case protocol.TypeDelta:
			if !r.have {
				return errors.New("a delta arrived before any keyframe")
			}
			if err := r.state.Apply(&r.rd.Delta); err != nil {
				// The state is lost; a new connection starts with a keyframe.
				return fmt.Errorf("resync: %w", err)
			}
			if h.OnSnapshot != nil {
				h.OnSnapshot(&r.state, false)
			}
		case protocol.TypeEvents:
			if h.OnEvents != nil {
				h.OnEvents(r.rd.Events.List)
			}
		case protocol.TypeStatus:
			if h.OnStatus != nil {
				h.OnStatus(&r.rd.Status)
			}
		case protocol.TypePong:
			rtt := time.Duration(time.Now().UnixNano() - r.rd.Pong.ClientTime)
			r.c.rtt.Store(int64(rtt))
			if h.OnPong != nil {
				h.OnPong(rtt, r.rd.Pong.Tick)
			}
		case protocol.TypeError:
			e := r.rd.Error
			r.lastErr = &e
			if h.OnError != nil {
				h.OnError(&e)
			}
		}
	}
}
