package match

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"skirmish/client-desktop/internal/inputs"
	"skirmish/client-desktop/internal/interp"
	"skirmish/client-desktop/internal/screen"
	"skirmish/game"
	"skirmish/game/protocol"
)

// room is a real simulation standing in for the server's side of the messages.
type room struct {
	w    *game.World
	now  time.Time
	seat int // the player's
}

func newRoom(t *testing.T) *room {
	t.Helper()
	m, err := game.LoadMap("arena")
	if err != nil {
		t.Fatal(err)
	}
	w := game.NewWorld(game.DefaultConfig(4, 30), m)
	w.SetActive(0, true)
	w.SetActive(1, true)
	return &room{w: w, now: time.Unix(5000, 0)}
}

func (r *room) note(msg protocol.Message) Note {
	return Note{At: r.now, Kind: ConnMessage, Msg: msg}
}

func (r *room) welcome() Note {
	c := r.w.Config
	return r.note(&protocol.Welcome{Seat: r.seat, Token: strings.Repeat("a", 32), TickRate: c.TickRate, Map: "arena",
		Seats: c.Seats, Room: "r1", FragLimit: c.FragLimit, TimeLimit: c.TimeLimit})
}

// step advances the room one tick with the player's input and returns the keyframe.
func (r *room) step(in game.Input) Note {
	inputs := make([]game.Input, r.w.Config.Seats)
	inputs[r.seat] = in
	r.w.Step(inputs)
	r.now = r.now.Add(time.Second / 30)
	s := &protocol.Snapshot{}
	s.Fill(r.w, protocol.StateRunning)
	return r.note(s)
}

func status(state protocol.State, endsMS int64, missing ...int) *protocol.Status {
	return &protocol.Status{State: state, StateEnds: endsMS, Missing: missing, Players: []protocol.Player{
		{Seat: 0, Name: "me", Connected: true}, {Seat: 1, Name: "rival", Connected: len(missing) == 0},
	}}
}

func TestAMatchFromJoinToResults(t *testing.T) {
	r := newRoom(t)
	m := New()
	m.Join("r1")
	expect := func(want screen.State) {
		t.Helper()
		if m.Screen != want {
			t.Fatalf("screen %v, want %v (problem %q)", m.Screen, want, m.Problem)
		}
	}
	expect(screen.Connecting)

	m.Handle(r.welcome())
	m.Handle(r.step(game.Input{}))
	m.Handle(r.note(status(protocol.StateRunning, 0)))
	expect(screen.Playing)

	// Holding right for a second: every input is predicted at once and sent.
	start, _ := m.Own()
	var sent []game.Input
	send := func(in game.Input) uint32 {
		in.Seq = uint32(len(sent) + 1)
		sent = append(sent, in)
		return in.Seq
	}
	for range 30 {
		r.now = r.now.Add(time.Second / 30)
		m.Inputs(r.now, inputs.Controls{Right: true}, send)
	}
	if len(sent) < 29 || sent[0].Seq != 1 || sent[len(sent)-1].Seq != uint32(len(sent)) {
		t.Fatalf("sent %d inputs, seqs %v..%v; want about 30 numbered from 1", len(sent), sent[0].Seq, sent[len(sent)-1].Seq)
	}
	moved, _ := m.Own()
	if moved.Pos.X <= start.Pos.X {
		t.Fatalf("own ship did not move right at once: x %d -> %d", start.Pos.X, moved.Pos.X)
	}
	// The server applies them; once it has caught up the prediction agrees exactly.
	for _, in := range sent {
		m.Handle(r.step(in))
	}
	if own, _ := m.Own(); own.Pos != r.w.Ships[0].Pos {
		t.Errorf("after reconciliation own ship at %v, server has it at %v", own.Pos, r.w.Ships[0].Pos)
	}
	var v interp.View
	if !m.Sample(r.now, &v) || len(v.Ships) != 4 || !v.Ships[1].Active {
		t.Fatalf("sampled view %+v, want four seats with the rival active", v.Ships)
	}

	m.Handle(r.note(status(protocol.StatePaused, 60000, 1)))
	expect(screen.Paused)
	if left := m.Left(r.now.Add(10 * time.Second)); left != 50*time.Second {
		t.Errorf("pause time left after 10 s = %v, want 50s", left)
	}
	if n := m.Inputs(r.now.Add(time.Second), inputs.Controls{Right: true}, send); n != 0 {
		t.Errorf("%d inputs sent while paused", n)
	}

	m.Handle(Note{At: r.now, Kind: ConnLost, Err: errors.New("connection reset")})
	expect(screen.Reconnecting)
	m.Handle(r.welcome())
	m.Handle(r.step(game.Input{}))
	m.Handle(r.note(status(protocol.StateCountdown, 3000)))
	expect(screen.Countdown)

	m.Handle(r.note(&protocol.Events{List: []protocol.Event{{Kind: protocol.EventFrag, A: 0, B: 1}}}))
	if len(m.Feed) != 1 || m.Feed[0].Text != "me fragged rival" {
		t.Errorf("feed %+v, want one frag line with names", m.Feed)
	}
	final := status(protocol.StateEnded, 10000)
	final.Results = []protocol.Result{{Seat: 0, Frags: 10}, {Seat: 1, Deaths: 10}}
	m.Handle(r.note(final))
	expect(screen.Ended)

	m.Leave()
	expect(screen.Lobby)
	m.Handle(r.note(status(protocol.StateRunning, 0)))
	expect(screen.Lobby)
}

func TestRefusalsAreExplained(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"room full", &protocol.Error{Code: protocol.CodeRoomFull, Message: "no free seat"}, "This room is full"},
		{"unknown room", &protocol.Error{Code: protocol.CodeNoRoom}, "no room with that code"},
		{"bad token", &protocol.Error{Code: protocol.CodeBadToken}, "saved seat"},
		{"going away", &protocol.Error{Code: protocol.CodeGoingAway}, "shutting down"},
		{"other code", &protocol.Error{Code: protocol.CodeInternal, Message: "boom"}, "The server said: boom"},
		{"network", errors.New("dial tcp: connection refused"), "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			m.Join("r1")
			m.Handle(Note{Kind: ConnRefused, Err: tt.err})
			if m.Screen != screen.Failed {
				t.Errorf("screen %v, want error", m.Screen)
			}
			if !strings.Contains(m.Problem, tt.want) {
				t.Errorf("problem %q, want it to contain %q", m.Problem, tt.want)
			}
		})
	}
}

func TestFeedKeepsTheLatestLines(t *testing.T) {
	m := New()
	m.Join("r1")
	for i := range 2 * feedLen {
		m.Handle(Note{Kind: ConnMessage, Msg: &protocol.Events{List: []protocol.Event{{Kind: protocol.EventJoined, A: i, Text: string(rune('a' + i))}}}})
	}
	if len(m.Feed) != feedLen || m.Feed[feedLen-1].Text != "j joined" {
		t.Errorf("feed %+v, want the last %d lines", m.Feed, feedLen)
	}
}

func TestWelcomeBeyondThisClientIsRefused(t *testing.T) {
	tests := []struct {
		name string
		w    protocol.Welcome
		says string
	}{
		{"unknown map", protocol.Welcome{Seats: 4, TickRate: 30, FragLimit: 10, Map: "moon"}, "map \"moon\""},
		{"zero tick rate", protocol.Welcome{Seats: 4, FragLimit: 10, Map: "arena"}, "rules"},
		{"seat outside the room", protocol.Welcome{Seat: 4, Seats: 4, TickRate: 30, FragLimit: 10, Map: "arena"}, "rules"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := New()
			m.Join("r1")
			w := tt.w
			m.Handle(Note{Kind: ConnMessage, Msg: &w})
			m.Handle(Note{Kind: ConnMessage, Msg: &protocol.Snapshot{Tick: 1}})
			if m.Screen != screen.Failed || !strings.Contains(m.Problem, tt.says) {
				t.Errorf("screen %v with %q; want error saying %q", m.Screen, m.Problem, tt.says)
			}
		})
	}
}

// joined returns a room and a model welcomed into it with a first keyframe.
func joined(t *testing.T) (*room, *Model) {
	t.Helper()
	return joinedAs(t, 0)
}

// joinedAs is joined with the player in seat.
func joinedAs(t *testing.T, seat int) (*room, *Model) {
	t.Helper()
	r := newRoom(t)
	r.seat = seat
	m := New()
	m.Join("r1")
	m.Handle(r.welcome())
	m.Handle(r.step(game.Input{}))
	return r, m
}

func TestASilentConnectionIsUnstableLongBeforeItIsLost(t *testing.T) {
	r, m := joined(t)
	m.Handle(r.note(status(protocol.StateRunning, 0)))
	heard := r.now
	cases := []struct {
		name     string
		state    protocol.State
		after    time.Duration
		unstable bool
	}{
		{"running, a tick later", protocol.StateRunning, 40 * time.Millisecond, false},
		{"running, a second of silence", protocol.StateRunning, time.Second, true},
		{"counting down, between two pongs", protocol.StateCountdown, time.Second, false},
		{"counting down, two pongs missed", protocol.StateCountdown, 2 * time.Second, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m.Handle(Note{At: heard, Kind: ConnMessage, Msg: status(tc.state, 3000)})
			if got := m.Unstable(heard.Add(tc.after)); got != tc.unstable {
				t.Errorf("Unstable after %v = %v, want %v", tc.after, got, tc.unstable)
			}
		})
	}
	m.Handle(Note{At: heard.Add(3 * time.Second), Kind: ConnRTT, RTT: time.Millisecond})
	if m.Unstable(heard.Add(3*time.Second + 100*time.Millisecond)) {
		t.Errorf("a pong did not count as hearing from the server")
	}
}

func TestTheNextMatchStartsWithoutTheOldScores(t *testing.T) {
	r, m := joined(t)
	r.w.Ships[0].Frags, r.w.Ships[1].Deaths = 3, 3
	m.Handle(r.step(game.Input{}))
	m.Handle(r.note(status(protocol.StateRunning, 0)))
	if s := m.Scores(); len(s) != 2 || s[0].Name != "me" || s[0].Frags != 3 || !s[0].Own || s[1].Deaths != 3 {
		t.Fatalf("scores %+v, want me first with 3 frags, from the snapshot", s)
	}
	full, _ := m.ClockLeft()
	if want := time.Duration(r.w.Config.TimeLimit-int(r.w.Tick)) * time.Second / 30; full != want {
		t.Errorf("clock shows %v left at tick %d, want %v", full, r.w.Tick, want)
	}

	final := status(protocol.StateEnded, 10000)
	final.Results = []protocol.Result{{Seat: 0, Frags: 3}, {Seat: 1, Deaths: 3}}
	m.Handle(r.note(final))
	m.PlayAgain()
	if !m.ResultsDone {
		t.Errorf("playing again did not put the results away")
	}
	// The rematch's countdown: the roster says zero, and the ended match is not drawn.
	m.Handle(r.note(status(protocol.StateCountdown, 3000)))
	if m.ResultsDone {
		t.Errorf("the next match starts with the results put away; the next results must show again")
	}
	for _, s := range m.Scores() {
		if s.Frags != 0 || s.Deaths != 0 {
			t.Errorf("during the next countdown %s shows %d / %d, want the new match's 0 / 0", s.Name, s.Frags, s.Deaths)
		}
	}
	if left, _ := m.ClockLeft(); left != time.Duration(r.w.Config.TimeLimit)*time.Second/30 {
		t.Errorf("the next match's clock shows %v, want all of it", left)
	}
	var v interp.View
	if m.Sample(r.now, &v) {
		t.Errorf("the ended match's ships are still drawn during the next countdown")
	}
}

func TestSoundsFollowTheRoom(t *testing.T) {
	r, m := joined(t)
	m.Handle(r.note(status(protocol.StateCountdown, 3000)))
	names := func(cues []Cue) (out []string) {
		for _, c := range cues {
			out = append(out, c.Sound)
		}
		return out
	}
	var got []string
	for ms := 0; ms < 3000; ms += 250 {
		got = append(got, names(m.Sounds(r.now.Add(time.Duration(ms)*time.Millisecond), nil))...)
	}
	if want := []string{"countdown", "countdown", "countdown"}; !slices.Equal(got, want) {
		t.Errorf("a three-second countdown sounds %v, want %v", got, want)
	}
	m.Handle(r.note(status(protocol.StateRunning, 0)))
	m.Handle(r.note(&protocol.Events{List: []protocol.Event{{Kind: protocol.EventCheer, A: -1, B: -1, Text: "gg"}}}))
	// A shot away from the wall the ship spawned by.
	m.Handle(r.step(game.Input{Buttons: game.ButtonFire, AimX: -1}))
	got = names(m.Sounds(r.now, nil))
	if want := []string{"start", "cheer", "shot"}; !slices.Equal(got, want) {
		t.Errorf("the start, a cheer and a shot of our own sound %v, want %v", got, want)
	}
	if again := m.Sounds(r.now, nil); len(again) != 0 {
		t.Errorf("sounds played twice: %v", again)
	}
}

// ownShots returns the own projectiles in v.
func ownShots(v *interp.View, seat int) []interp.Projectile {
	var own []interp.Projectile
	for _, p := range v.Projectiles {
		if int(p.Owner) == seat {
			own = append(own, p)
		}
	}
	return own
}

// TestAnOwnShotIsDrawnAtOnceAndTheServersRecordTakesOver: a press of fire mid-tick sends
// its input at once and the shot is in the very next picture, at the ship. When the server's
// snapshot brings its record of the shot, it is drawn where the predicted one was.
func TestAnOwnShotIsDrawnAtOnceAndTheServersRecordTakesOver(t *testing.T) {
	r, m := joined(t)
	m.Handle(r.note(status(protocol.StateRunning, 0)))
	var sent []game.Input
	send := func(in game.Input) uint32 {
		in.Seq = uint32(len(sent) + 1)
		sent = append(sent, in)
		return in.Seq
	}
	now := r.now
	m.Inputs(now, inputs.Controls{Left: true, AimX: -1}, send)
	now = now.Add(time.Second / 90)
	if n := m.Inputs(now, inputs.Controls{Left: true, AimX: -1, Fire: true}, send); n != 1 {
		t.Fatalf("%d inputs sent on a press of fire a third into a tick, want 1 at once", n)
	}
	var v interp.View
	m.Sample(now, &v)
	shots := ownShots(&v, r.seat)
	own, _ := m.Own()
	if len(shots) != 1 || shots[0].Seq != 2 {
		t.Fatalf("own shots drawn right after the press: %+v, want the one of input 2", shots)
	}
	if d := math.Hypot(shots[0].X-float64(own.Pos.X)/game.SubPixel, shots[0].Y-float64(own.Pos.Y)/game.SubPixel); d > game.ProjectileSpeed/30+1 {
		t.Errorf("the shot is drawn %.0f px from the ship, more than a tick of its flight", d)
	}

	// A few more inputs, then the server applies the first two: the shot's record arrives
	// while the prediction runs ahead; the picture does not change.
	for range 3 {
		now = now.Add(time.Second / 30)
		m.Inputs(now, inputs.Controls{Left: true, AimX: -1, Fire: true}, send)
	}
	m.Sample(now, &v)
	before := ownShots(&v, r.seat)
	m.Handle(r.step(sent[0]))
	m.Handle(r.step(sent[1]))
	if len(r.w.Projectiles) != 1 || r.w.Projectiles[0].Seq != 2 {
		t.Fatalf("the server fired %+v, want the shot of input 2", r.w.Projectiles)
	}
	m.Sample(now, &v)
	after := ownShots(&v, r.seat)
	if len(before) != 1 || len(after) != 1 || after[0].ID == 0 || math.Abs(after[0].X-before[0].X) > 1e-9 || math.Abs(after[0].Y-before[0].Y) > 1e-9 {
		t.Errorf("own shots before the server's record %+v, after %+v: want the same spot, now with the server's id", before, after)
	}
}

// TestARefusedOwnShotVanishes: the server did not fire a shot the client predicted (its
// ship was fragged first); once the server has applied the input, the shot is not drawn. The
// player holds seat 1 here: own shots are the seat's, whichever it is.
func TestARefusedOwnShotVanishes(t *testing.T) {
	r, m := joinedAs(t, 1)
	m.Handle(r.note(status(protocol.StateRunning, 0)))
	seq := uint32(0)
	send := func(game.Input) uint32 { seq++; return seq }
	m.Inputs(r.now, inputs.Controls{Fire: true, AimX: -1}, send)
	var v interp.View
	if m.Sample(r.now, &v); len(ownShots(&v, r.seat)) != 1 {
		t.Fatalf("own shots %+v, want the predicted one", ownShots(&v, r.seat))
	}
	r.w.Ships[1].Alive, r.w.Ships[1].RespawnIn = false, 60
	m.Handle(r.step(game.Input{Seq: seq, Buttons: game.ButtonFire, AimX: -1}))
	if m.Sample(r.now, &v); len(ownShots(&v, r.seat)) != 0 {
		t.Errorf("own shots %+v after the server refused the shot", ownShots(&v, r.seat))
	}
}
