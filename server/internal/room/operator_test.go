package room

import (
	"errors"
	"testing"
	"time"

	"skirmish/game/protocol"
)

func TestKickHandsTheSeatToABot(t *testing.T) {
	f, ps := running(t, 3, 1, "ada", "bob")
	a, b := ps[0], ps[1]
	token := f.token(a)
	if err := f.c.kick(a.seat, "no camping", f.now); err != nil {
		t.Fatal(err)
	}
	if !a.closed || a.code != protocol.CodeRemoved || a.reason != "no camping" {
		t.Fatalf("the removed player's connection: closed %v code %d reason %q", a.closed, a.code, a.reason)
	}
	if e, ok := last[*protocol.Error](a.fakePeer); !ok || e.Code != protocol.CodeRemoved || e.Message != "no camping" {
		t.Fatalf("the removed player was told %+v", e)
	}
	if p := f.player(a.seat); !p.Bot || p.Name == "ada" || f.c.state != protocol.StateRunning {
		t.Fatalf("the seat is %+v in state %s, want a plain bot in a running match", p, f.c.state)
	}
	if st, _ := last[*protocol.Status](b.fakePeer); len(st.Players) != 3 {
		t.Fatalf("the other player sees %+v", st.Players)
	}
	if _, ref := f.join("ada", token); ref == nil || ref.code != protocol.CodeBadToken {
		t.Fatalf("the removed player's token: %+v, want it refused", ref)
	}
	tick := f.c.world.Tick
	f.advance(time.Second)
	if f.c.world.Tick <= tick {
		t.Fatal("the match stopped after a player was removed")
	}
}

func TestKickTheAwaitedPlayerResumesTheMatch(t *testing.T) {
	f, ps := running(t, 3, 1, "ada", "bob")
	b := ps[1]
	f.c.lost(b.seat, b.gen, f.now)
	if err := f.c.kick(b.seat, "gone for good", f.now); err != nil {
		t.Fatal(err)
	}
	if f.c.state != protocol.StateCountdown {
		t.Fatalf("state %s after the awaited player was removed, want a countdown back into play", f.c.state)
	}
}

func TestKickBeforeTheMatchFreesTheSeat(t *testing.T) {
	f := newFixture(t, 3, 0)
	a := f.mustJoin("ada")
	if err := f.c.kick(a.seat, "wrong room", f.now); err != nil {
		t.Fatal(err)
	}
	if s := f.c.seats[a.seat]; s.kind != seatFree || s.token != nil || f.c.world.Ships[a.seat].Active {
		t.Fatalf("the seat after a removal before the match: %+v", s)
	}
}

func TestKickRefusals(t *testing.T) {
	f, _ := running(t, 2, 1, "ada")
	for _, tt := range []struct {
		seat int
		want error
	}{{1, ErrNoPlayer}, {2, ErrBadRequest}, {-1, ErrBadRequest}} {
		if err := f.c.kick(tt.seat, "why", f.now); !errors.Is(err, tt.want) {
			t.Errorf("kick seat %d: %v, want %v", tt.seat, err, tt.want)
		}
	}
}
