package test

import (
	"context"
	"errors"
	"io"
	"net"
	neturl "net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"skirmish/client-desktop/internal/lobby"
	"skirmish/client-desktop/internal/match"
	"skirmish/client-desktop/internal/netlink"
	"skirmish/client-desktop/internal/tokens"
	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/servertest"
)

// These tests drive the network link the window uses, without a window, against a real
// server.

// server starts a fresh server for a link test and returns its URL and room API.
func server(t *testing.T) (string, *lobby.Client) {
	t.Helper()
	t.Parallel()
	url := servertest.Start(t, "-grace", "60s").URL()
	api, err := lobby.NewClient(url)
	if err != nil {
		t.Fatal(err)
	}
	return url, api
}

func create(t *testing.T, api *lobby.Client, seats, bots int) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, err := api.Create(ctx, seats, bots)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// await reads the link's notes until ok accepts one, for at most 30 s.
func await(t *testing.T, l *netlink.Link, what string, ok func(match.Note) bool) match.Note {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var notes []match.Note
	for time.Now().Before(deadline) {
		notes = l.Notes(notes[:0])
		for _, n := range notes {
			if ok(n) {
				return n
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %s within 30 s", what)
	return match.Note{}
}

func welcome(n match.Note) bool {
	_, ok := n.Msg.(*protocol.Welcome)
	return ok
}

func TestLinkPlaysAndLeavesWithBye(t *testing.T) {
	url, api := server(t)
	room := create(t, api, 2, 1)
	store := tokens.New(t.TempDir())
	l := netlink.Dial(url, store, room, "linker")

	w := await(t, l, "welcome", welcome).Msg.(*protocol.Welcome)
	if saved, _ := store.Load(url, room); saved != w.Token {
		t.Errorf("saved token %q, want the welcome's %q", saved, w.Token)
	}
	await(t, l, "running match", func(n match.Note) bool {
		s, ok := n.Msg.(*protocol.Status)
		return ok && s.State == protocol.StateRunning
	})
	// The seqs Send numbers inputs with are the ones the server echoes back. Inputs go at
	// the tick rate, as the window sends them (the server drops a flood), until the echo
	// passes ten.
	var sent, echoed uint32
	var notes []match.Note
	for deadline := time.Now().Add(30 * time.Second); echoed < 10; time.Sleep(time.Second / 30) {
		if time.Now().After(deadline) {
			t.Fatalf("sent %d inputs, the server echoes only seq %d", sent, echoed)
		}
		sent = l.Send(game.Input{Buttons: game.ButtonDown})
		notes = l.Notes(notes[:0])
		for _, n := range notes {
			if s, ok := n.Msg.(*protocol.Snapshot); ok {
				echoed = uint32(s.Ships[w.Seat][protocol.ShipLastSeq])
			}
		}
		if echoed > sent {
			t.Fatalf("the server echoes seq %d, but Send numbered only %d inputs", echoed, sent)
		}
	}

	l.Close()
	r := awaitRoom(t, api, room, "the player to leave", func(r lobby.Room) bool {
		for _, p := range r.Players {
			if p.Name == "linker" && !p.Bot {
				return false
			}
		}
		return true
	})
	if r.State == "paused" {
		t.Errorf("room paused after a bye")
	}
	if saved, _ := store.Load(url, room); saved != "" {
		t.Errorf("token %q still saved after leaving", saved)
	}
}

func TestLinkReplacesAStaleToken(t *testing.T) {
	url, api := server(t)
	room := create(t, api, 2, 0)
	store := tokens.New(t.TempDir())
	stale := strings.Repeat("ab", 16)
	if err := store.Save(url, room, stale); err != nil {
		t.Fatal(err)
	}
	l := netlink.Dial(url, store, room, "linker")
	defer l.Exit()
	w := await(t, l, "welcome on a new seat", welcome).Msg.(*protocol.Welcome)
	if w.Token == stale {
		t.Fatal("the server accepted a token it never issued")
	}
	if saved, _ := store.Load(url, room); saved != w.Token {
		t.Errorf("saved token %q, want the new %q", saved, w.Token)
	}
}

func TestLinkReportsRefusals(t *testing.T) {
	url, api := server(t)
	full := create(t, api, 2, 0)
	for _, name := range []string{"ada", "bob"} {
		l := netlink.Dial(url, tokens.New(t.TempDir()), full, name)
		defer l.Exit()
		await(t, l, "welcome", welcome)
	}
	tests := []struct {
		name, room string
		code       protocol.Code
		says       string
	}{
		{"unknown room", "nosuchroom", protocol.CodeNoRoom, "no room with that code"},
		{"room full", full, protocol.CodeRoomFull, "room is full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := netlink.Dial(url, tokens.New(t.TempDir()), tt.room, "linker")
			defer l.Exit()
			n := await(t, l, "refusal", func(n match.Note) bool { return n.Kind == match.ConnRefused })
			var pe *protocol.Error
			if !errors.As(n.Err, &pe) || pe.Code != tt.code {
				t.Fatalf("refused with %v, want code %d", n.Err, tt.code)
			}
			if got := match.Explain(n.Err); !strings.Contains(got, tt.says) {
				t.Errorf("the player reads %q, want it to say %q", got, tt.says)
			}
		})
	}
}

// cutter forwards loopback TCP connections to a server and can cut them all at once, as a
// network failure would, while still accepting new ones.
type cutter struct {
	l     net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newCutter(t *testing.T, target string) *cutter {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &cutter{l: l}
	t.Cleanup(func() { l.Close(); c.cut() })
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			c.mu.Lock()
			c.conns = append(c.conns, in, out)
			c.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	return c
}

func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conn := range c.conns {
		conn.Close()
	}
	c.conns = nil
}

func TestLinkReconnectsToItsSeat(t *testing.T) {
	url, api := server(t)
	room := create(t, api, 2, 1)
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCutter(t, u.Host)
	l := netlink.Dial("ws://"+proxy.l.Addr().String()+"/ws", tokens.New(t.TempDir()), room, "linker")
	defer l.Exit()
	first := await(t, l, "welcome", welcome).Msg.(*protocol.Welcome)

	proxy.cut()
	lost := await(t, l, "lost connection", func(n match.Note) bool { return n.Kind == match.ConnLost })
	if lost.Err == nil {
		t.Error("the drop came without a reason to show")
	}
	again := await(t, l, "welcome after reconnecting", welcome).Msg.(*protocol.Welcome)
	if again.Seat != first.Seat || again.Room != first.Room {
		t.Errorf("reconnected to seat %d of %s, want seat %d of %s", again.Seat, again.Room, first.Seat, first.Room)
	}
}

// TestLinkExitKeepsTheSeat: closing the window says bye, so the room plays on with a bot in the
// seat and nobody waits; the token stays saved, and a restarted client takes the seat back.
func TestLinkExitKeepsTheSeat(t *testing.T) {
	url, api := server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	room, playURL, err := api.QuickPlay(ctx)
	if err != nil || playURL != url {
		t.Fatalf("quick play: room %q, url %q, %v; want a room on %s", room, playURL, err, url)
	}
	store := tokens.New(t.TempDir())
	l := netlink.Dial(url, store, room, "linker")
	first := await(t, l, "welcome", welcome).Msg.(*protocol.Welcome)
	l.Exit()
	r := awaitRoom(t, api, room, "a bot in the seat", func(r lobby.Room) bool {
		for _, p := range r.Players {
			if p.Seat == first.Seat {
				return p.Bot && p.Name == "linker (bot)"
			}
		}
		return false
	})
	if r.State == "paused" {
		t.Error("the room paused for a closed window")
	}
	if saved, _ := store.Load(url, room); saved != first.Token {
		t.Fatalf("saved token %q after the window closed, want %q", saved, first.Token)
	}
	again := netlink.Dial(url, store, room, "linker")
	defer again.Exit()
	if w := await(t, again, "welcome after the restart", welcome).Msg.(*protocol.Welcome); w.Seat != first.Seat {
		t.Fatalf("the restarted client took seat %d, want %d back", w.Seat, first.Seat)
	}
}
