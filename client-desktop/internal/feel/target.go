package feel

import (
	"context"
	"sync"
	"time"

	"skirmish/client"
	"skirmish/game"
	"skirmish/game/protocol"
)

// target is the other player, straight on the server's port: it goes to its lane and runs
// from one end to the other at full speed, turning at the ends, firing never.
type target struct {
	c    *client.Client
	m    *game.Map
	mu   sync.Mutex
	seat int
	ship game.Ship
	have bool
	dir  game.Buttons
}

func startTarget(ctx context.Context, url, room string) (*target, error) {
	m, err := game.LoadMap("arena")
	if err != nil {
		return nil, err
	}
	t := &target{m: m, seat: -1, dir: game.ButtonRight}
	t.c = client.Start(ctx, client.Config{URL: url, Room: room, Name: "target", NoReconnect: true}, client.Handler{
		OnWelcome: func(w *protocol.Welcome) {
			t.mu.Lock()
			t.seat = w.Seat
			t.mu.Unlock()
		},
		OnSnapshot: func(s *protocol.Snapshot, _ bool) {
			t.mu.Lock()
			defer t.mu.Unlock()
			if t.seat >= 0 && t.seat < len(s.Ships) {
				t.ship, t.have = s.Ships[t.seat].Ship(), true
			}
		},
	})
	go t.run(ctx)
	return t, nil
}

// run sends one input a tick until ctx ends.
func (t *target) run(ctx context.Context) {
	tick := time.NewTicker(time.Second / 30)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			t.c.Close()
			return
		case <-tick.C:
		}
		t.mu.Lock()
		s, have := t.ship, t.have
		t.mu.Unlock()
		if have && s.Alive {
			_, _ = t.c.Input(uint8(t.buttons(s)), 0, 0)
		}
	}
}

// buttons runs the lane: to its nearer end first, then from end to end.
func (t *target) buttons(s game.Ship) game.Buttons {
	if abs(s.Pos.Y-laneY) > 4*game.SubPixel || s.Pos.X < laneMinX-16*game.SubPixel || s.Pos.X > laneMaxX+16*game.SubPixel {
		end := game.Vec{X: laneMinX, Y: laneY}
		if abs(s.Pos.X-laneMaxX) < abs(s.Pos.X-laneMinX) {
			end.X = laneMaxX
		}
		b, _ := steer(t.m, s.Pos, s.Vel, end)
		return b
	}
	switch {
	case s.Pos.X >= laneMaxX:
		t.dir = game.ButtonLeft
	case s.Pos.X <= laneMinX:
		t.dir = game.ButtonRight
	}
	return t.dir
}
