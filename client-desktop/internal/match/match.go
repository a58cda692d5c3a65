// Package match is the client's model of the room it plays in: it takes what the network
// reports, keeps the screen state, the interpolated room, the predicted own ship and the
// scores, and turns the player's controls into inputs. The window only draws it.
package match

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"skirmish/client-desktop/internal/fx"
	"skirmish/client-desktop/internal/inputs"
	"skirmish/client-desktop/internal/interp"
	"skirmish/client-desktop/internal/predict"
	"skirmish/client-desktop/internal/screen"
	"skirmish/game"
	"skirmish/game/protocol"
)

// ConnKind says what happened to the connection in a Note.
type ConnKind uint8

// The connection happenings a Note reports besides messages.
const (
	ConnMessage ConnKind = iota // Note.Msg holds a server message
	ConnLost                    // the connection dropped; the client retries (Note.Err says why)
	ConnRefused                 // the server refused us for good or the client gave up (Note.Err)
	ConnRTT                     // Note.RTT holds a fresh round-trip time
)

// Note is one thing the network goroutine reports to the game loop. A Snapshot in Msg must
// be the network's own copy: the model keeps its records.
type Note struct {
	At   time.Time
	Kind ConnKind
	Msg  protocol.Message
	Err  error
	RTT  time.Duration
}

// FeedLine is one line of the kill feed.
type FeedLine struct {
	At   time.Time
	Text string
}

// feedLen is how many recent events the kill feed keeps.
const feedLen = 5

// Model is the state of the client. It is owned by the game loop; nothing in it locks.
type Model struct {
	Screen screen.State
	// Problem is the last error worth telling the player, in words: why the screen is
	// error, or why it is reconnecting.
	Problem string
	Room    string
	Welcome protocol.Welcome
	Map     *game.Map
	Status  protocol.Status
	// StatusAt is when Status arrived, to count its StateEnds down.
	StatusAt time.Time
	RTT      time.Duration
	Feed     []FeedLine
	// ResultsDone is set when the player chose to play again while the results show.
	ResultsDone bool

	// FX holds the hits, deaths, respawns and shots found in the snapshots, to be shown.
	FX fx.Effects

	cues       []Cue        // sounds due, for the window to play
	beep       int          // the countdown second last beeped
	heard      time.Time    // when the network last delivered anything from the server
	last       interp.Frame // the newest frame, to compare the next one with
	worldEnded bool         // the match ended: its ships and scores are no longer shown

	cfg     game.Config
	buf     *interp.Buffer
	pred    *predict.Predictor
	sampler *inputs.Sampler
	newest  protocol.Snapshot
	joined  bool // a welcome has arrived on this join

	fire  bool     // the fire button was held at the last Inputs
	spent []uint32 // seqs of own shots seen meeting a ship, see shots.go

	bot     *game.Bot   // steers for the player with Autopilot
	scratch *game.World // the newest state as a World, for the bot to look at
	travel  float64     // pixels the own ship moved according to the server
	lastPos game.Vec
	hasPos  bool
}

// New returns a Model showing the lobby.
func New() *Model { return &Model{Screen: screen.Lobby} }

// Join moves to the connecting screen for room; the caller starts the connection.
func (m *Model) Join(room string) {
	m.Screen = screen.Next(m.Screen, screen.Event{Kind: screen.Join})
	m.Room, m.Problem, m.joined = room, "", false
	m.Feed = m.Feed[:0]
	m.Status = protocol.Status{}
	m.ResultsDone, m.worldEnded = false, false
}

// PlayAgain puts the results away: the player stays in the room for the next match.
func (m *Model) PlayAgain() {
	if m.Screen == screen.Ended {
		m.ResultsDone = true
	}
}

// Leave returns to the lobby; the caller closes the connection.
func (m *Model) Leave() {
	m.Screen = screen.Next(m.Screen, screen.Event{Kind: screen.Leave})
}

// Dismiss returns from the error screen to the lobby.
func (m *Model) Dismiss() {
	m.Screen = screen.Next(m.Screen, screen.Event{Kind: screen.Dismiss})
}

// Handle applies one note from the network. Notes that arrive after the player left the
// room are ignored.
func (m *Model) Handle(n Note) {
	if !m.Screen.InRoom() {
		return
	}
	switch n.Kind {
	case ConnLost:
		m.Screen = screen.Next(m.Screen, screen.Event{Kind: screen.Lost})
		m.Problem = Explain(n.Err)
	case ConnRefused:
		m.fail(Explain(n.Err))
	case ConnRTT:
		m.RTT = n.RTT
		m.heard = n.At
	case ConnMessage:
		m.heard = n.At
		m.message(n)
	}
}

// How long the server may be silent before the connection counts as unstable: a running room
// sends a snapshot every tick, any other answers the ping the client sends every second. The
// connection is given up only after several seconds.
const (
	quietRunning = 600 * time.Millisecond
	quietOther   = 1600 * time.Millisecond
)

// Unstable reports whether the server has been silent at now for longer than it should be
// on an open connection, which the HUD shows long before the connection is given up.
func (m *Model) Unstable(now time.Time) bool {
	if !m.joined || m.heard.IsZero() {
		return false
	}
	switch m.Screen {
	case screen.Playing:
		return now.Sub(m.heard) > quietRunning
	case screen.Countdown, screen.Paused, screen.Ended:
		return now.Sub(m.heard) > quietOther
	}
	return false
}

func (m *Model) message(n Note) {
	switch msg := n.Msg.(type) {
	case *protocol.Welcome:
		m.welcome(msg)
	case *protocol.Snapshot:
		m.snapshot(msg, n.At)
	case *protocol.Status:
		if m.Status.State == protocol.StateEnded && msg.State != protocol.StateEnded {
			m.endWorld()
		}
		if msg.State != protocol.StateEnded {
			m.ResultsDone = false
		}
		if m.Status.State == protocol.StateCountdown && msg.State == protocol.StateRunning {
			m.cue("start", 1)
		}
		m.Status, m.StatusAt = *msg, n.At
		if m.buf != nil {
			m.buf.Playout().SetLive(msg.State == protocol.StateRunning)
		}
		m.Screen = screen.Next(m.Screen, screen.Event{Kind: screen.Status, Room: msg.State})
		m.Problem = ""
	case *protocol.Events:
		for _, e := range msg.List {
			switch e.Kind {
			case protocol.EventMatchOver:
				m.cue("end", 1)
			case protocol.EventCheer:
				m.cue("cheer", 1)
			}
			if text := m.describe(e); text != "" {
				m.Feed = append(m.Feed, FeedLine{At: n.At, Text: text})
			}
		}
		if extra := len(m.Feed) - feedLen; extra > 0 {
			m.Feed = append(m.Feed[:0], m.Feed[extra:]...)
		}
	case *protocol.Error:
		// A fatal error is followed by the close the connection reports; the words are kept
		// for the screen that close leads to.
		m.Problem = Explain(msg)
	}
}

// fail moves to the error screen with problem for the player to read.
func (m *Model) fail(problem string) {
	m.Screen = screen.Next(m.Screen, screen.Event{Kind: screen.Refused})
	m.Problem = problem
}

// endWorld stops showing the ended match's ships and scores; the next match's first snapshot
// brings the new ones.
func (m *Model) endWorld() {
	m.worldEnded = true
	m.FX.Clear()
	if m.buf != nil {
		m.buf.Reset()
	}
}

// welcome sets up a new seat, or keeps the prediction on a resync of the same seat.
func (m *Model) welcome(w *protocol.Welcome) {
	same := m.joined && m.Welcome.Room == w.Room && m.Welcome.Seat == w.Seat && m.Welcome.Token == w.Token &&
		m.Welcome.Map == w.Map && m.Welcome.TickRate == w.TickRate
	m.Welcome, m.joined, m.Room = *w, true, w.Room
	m.worldEnded = false
	m.FX.Clear()
	m.FX.TickRate, m.FX.Own = w.TickRate, w.Seat
	m.last = interp.Frame{}
	if same && m.Map != nil {
		// The room stood still while we were away; the old frames would only confuse the
		// clock, and the predicted ship is reconciled by the keyframe that follows.
		m.buf.Reset()
		return
	}
	cfg := game.Config{Seats: w.Seats, FragLimit: w.FragLimit, TimeLimit: w.TimeLimit, TickRate: w.TickRate}
	if err := cfg.Validate(); err != nil || w.Seat < 0 || w.Seat >= w.Seats {
		m.fail(fmt.Sprintf("The server's rules are beyond this client (%d seats at %d Hz, seat %d).", w.Seats, w.TickRate, w.Seat))
		return
	}
	mp, err := game.LoadMap(w.Map)
	if err != nil {
		m.fail(fmt.Sprintf("The server plays map %q, which this client does not have.", w.Map))
		return
	}
	m.Map = mp
	m.cfg = cfg
	m.buf = interp.NewBuffer(w.TickRate)
	m.pred = predict.New(mp, m.cfg)
	m.sampler = inputs.NewSampler(w.TickRate)
	m.bot = game.NewBot(w.Seat, uint64(time.Now().UnixNano()), game.BotNormal)
	m.scratch = game.NewWorld(m.cfg, mp)
	m.hasPos = false
	m.spent = m.spent[:0]
}

func (m *Model) snapshot(s *protocol.Snapshot, at time.Time) {
	if m.buf == nil {
		return
	}
	f := interp.Frame{Tick: s.Tick, Ships: make([]game.Ship, len(s.Ships)), Projectiles: make([]game.Projectile, len(s.Projectiles))}
	for i := range s.Ships {
		f.Ships[i] = s.Ships[i].Ship()
	}
	for i := range s.Projectiles {
		f.Projectiles[i] = s.Projectiles[i].Projectile()
	}
	if s.Tick < m.newest.Tick {
		m.worldEnded = false // a new match
	}
	if m.last.Ships != nil && f.Tick > m.last.Tick {
		m.feel(fx.Detect(&m.last, &f))
	}
	m.last = f
	m.buf.Push(f, at)
	m.newest = *s
	if seat := m.Welcome.Seat; seat < len(f.Ships) {
		own := f.Ships[seat]
		m.pred.Reconcile(own)
		// A jump of more than a few tiles is a respawn or a rematch, not travel.
		if d := math.Hypot(float64(own.Pos.X-m.lastPos.X), float64(own.Pos.Y-m.lastPos.Y)) / game.SubPixel; m.hasPos && own.Alive && d < 3*game.TileSize {
			m.travel += d
		}
		m.lastPos, m.hasPos = own.Pos, own.Alive
	}
}

// feel takes what happened in the newest tick to the effects. Others are drawn a little in
// the past, so their effects wait for the picture to get there; what happens to the own ship,
// which is drawn in the present, shows at once.
func (m *Model) feel(evs []fx.Event) {
	seat := m.Welcome.Seat
	for _, e := range evs {
		mine, by := e.Seat == seat, e.By == seat && e.Seat != seat
		switch {
		case e.Kind == fx.Shot:
			m.cue("shot", pick(mine, 0.8, 0.3))
		case e.Kind == fx.Hit && by:
			m.cue("marker", 1)
		case e.Kind == fx.Hit:
			m.cue("hit", pick(mine, 1, 0.4))
		case e.Kind == fx.Death:
			m.cue("death", pick(mine || by, 1, 0.5))
		case e.Kind == fx.Respawn && mine:
			m.cue("respawn", 1)
		}
	}
	lead := m.buf.Playout().Delay().Seconds() * float64(m.Welcome.TickRate)
	own := slices.DeleteFunc(slices.Clone(evs), func(e fx.Event) bool { return e.Seat != seat })
	others := slices.DeleteFunc(evs, func(e fx.Event) bool { return e.Seat == seat })
	m.FX.Add(others, 0)
	m.FX.Add(own, lead)
}

// Cue is a sound to play: its name in the assets' sounds and its volume, 0 to 1.
type Cue struct {
	Sound  string
	Volume float64
}

func (m *Model) cue(sound string, volume float64) { m.cues = append(m.cues, Cue{sound, volume}) }

func pick(cond bool, yes, no float64) float64 {
	if cond {
		return yes
	}
	return no
}

// Sounds appends to dst the sounds due at now and forgets them: what happened in the room
// since the last call, and a beep for each second of a countdown.
func (m *Model) Sounds(now time.Time, dst []Cue) []Cue {
	if m.Screen == screen.Countdown {
		if left := m.Left(now); left > 0 {
			if s := int((left + time.Second - 1) / time.Second); s != m.beep {
				m.beep = s
				m.cue("countdown", 1)
			}
		}
	}
	dst = append(dst, m.cues...)
	m.cues = m.cues[:0]
	return dst
}

// Autopilot returns the controls the game's own bot would use for the player's ship now,
// so the client can play by itself in demos and tests.
func (m *Model) Autopilot() inputs.Controls {
	if m.bot == nil || len(m.newest.Ships) != len(m.scratch.Ships) || !m.pred.Known() {
		return inputs.Controls{}
	}
	w := m.scratch
	w.Tick = m.newest.Tick
	for i := range m.newest.Ships {
		w.Ships[i] = m.newest.Ships[i].Ship()
	}
	w.Ships[m.Welcome.Seat] = m.pred.Ship()
	w.Projectiles = w.Projectiles[:0]
	for i := range m.newest.Projectiles {
		w.Projectiles = append(w.Projectiles, m.newest.Projectiles[i].Projectile())
	}
	in := m.bot.Think(w)
	return inputs.Controls{
		Up: in.Buttons&game.ButtonUp != 0, Down: in.Buttons&game.ButtonDown != 0,
		Left: in.Buttons&game.ButtonLeft != 0, Right: in.Buttons&game.ButtonRight != 0,
		Fire: in.Buttons&game.ButtonFire != 0, AimX: float64(in.AimX), AimY: float64(in.AimY),
	}
}

// Summary is what a finished session reports, for tests and scripts.
type Summary struct {
	Screen  string `json:"screen"`
	Problem string `json:"problem,omitempty"`
	Room    string `json:"room"`
	Seat    int    `json:"seat"`
	// Acked is the last input seq the server applied for our seat, as its snapshots say.
	Acked uint32 `json:"acked"`
	// Travel is how far, in pixels, the server moved our ship.
	Travel float64 `json:"travel"`
	Tick   uint32  `json:"tick"`
	RTTMS  int64   `json:"rttMs"`
	Frags  int64   `json:"frags"`
	// Effects counts the effects shown by kind (hit, death, respawn, shot, and marker for the
	// player's own hits); Showing lists those in the screenshot (or on the screen at the end
	// without one), which the window fills in with their place on it.
	Effects map[string]int `json:"effects"`
	Showing []Shown        `json:"showing,omitempty"`
}

// Shown is an effect on the screen: its kind and where, in window pixels.
type Shown struct {
	Kind string  `json:"kind"`
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
}

// Summary reports the session so far.
func (m *Model) Summary() Summary {
	s := Summary{Screen: m.Screen.String(), Problem: m.Problem, Room: m.Room, Seat: m.Welcome.Seat, Travel: m.travel,
		Tick: m.newest.Tick, RTTMS: m.RTT.Milliseconds(), Effects: map[string]int{"marker": m.FX.Markers}}
	for k, n := range m.FX.Shown {
		s.Effects[fx.Kind(k).String()] = n
	}
	if seat := m.Welcome.Seat; m.joined && seat < len(m.newest.Ships) {
		s.Acked = uint32(m.newest.Ships[seat][protocol.ShipLastSeq])
		s.Frags = m.newest.Ships[seat][protocol.ShipFrags]
	}
	return s
}

// Inputs turns the controls at time now into the inputs due: each goes to send, which
// returns the seq the connection numbered it with, and then to the predicted ship. It
// returns how many were sent. Inputs flow only while the match runs: in a countdown, pause
// or results nothing steps on the server. A press of the fire button with the gun ready
// sends its input at once, so the shot leaves in this frame. Each input carries the tick the
// other ships are drawn at, for the server's lag compensation.
func (m *Model) Inputs(now time.Time, c inputs.Controls, send func(game.Input) uint32) int {
	if m.Screen != screen.Playing || m.pred == nil || !m.pred.Known() {
		return 0
	}
	n := m.sampler.Due(now)
	pressed := c.Fire && !m.fire
	m.fire = c.Fire
	if own := m.pred.Ship(); n == 0 && pressed && own.Alive && own.Cooldown <= 1 && m.sampler.Pull(now) {
		n = 1
	}
	// The other ships are on the screen as of the tick drawn last: the server judges our
	// shots against them there.
	view := uint32(math.Round(m.buf.Playout().Drawn()))
	for range n {
		in := c.Input()
		in.View = view
		in.Seq = send(in)
		m.pred.Input(in)
	}
	return n
}

// Sample fills v with the room as it should be drawn at time now: others interpolated, the
// own ship where prediction puts it. It returns false before the first snapshot.
func (m *Model) Sample(now time.Time, v *interp.View) bool {
	if m.buf == nil || !m.buf.Sample(now, v) {
		return false
	}
	seat := m.Welcome.Seat
	if seat < len(v.Ships) && m.pred.Known() {
		own := m.pred.Ship()
		x, y := m.pred.DrawPos()
		s := &v.Ships[seat]
		s.Active, s.Alive, s.X, s.Y = own.Active, own.Alive, x, y
		s.AimX, s.AimY, s.Health = float64(own.AimX), float64(own.AimY), own.Health
		m.ownShots(v)
	}
	return true
}

// Feel is how prediction and interpolation have fared since the client started.
type Feel struct {
	Prediction predict.Stats
	Playout    interp.PlayoutStats
	Delay      time.Duration // the interpolation delay now
}

// Feel reports how prediction and interpolation have fared so far.
func (m *Model) Feel() Feel {
	if m.pred == nil {
		return Feel{}
	}
	p := m.buf.Playout()
	return Feel{Prediction: m.pred.Stats(), Playout: p.Stats(), Delay: p.Delay()}
}

// Tick returns the newest server tick the client holds.
func (m *Model) Tick() uint32 { return m.newest.Tick }

// ClockLeft returns the match time left: all of it before the match's first tick, and false
// for a match without a time limit.
func (m *Model) ClockLeft() (time.Duration, bool) {
	w := m.Welcome
	if w.TimeLimit <= 0 || w.TickRate <= 0 {
		return 0, false
	}
	tick := 0
	if !m.worldEnded {
		tick = int(m.newest.Tick)
	}
	return time.Duration(max(0, w.TimeLimit-tick)) * time.Second / time.Duration(w.TickRate), true
}

// Score is one scoreboard row.
type Score struct {
	Seat          int
	Name          string
	Bot, Away     bool
	Own           bool
	Frags, Deaths int
}

// Scores returns the scoreboard, best first: the roster of the latest status with the scores
// of the newest snapshot, which are fresher, except once the match has ended and the next
// one not begun, when the roster's own (zero) scores are the right ones.
func (m *Model) Scores() []Score {
	rows := make([]Score, 0, len(m.Status.Players))
	for _, p := range m.Status.Players {
		r := Score{Seat: p.Seat, Name: p.Name, Bot: p.Bot, Away: !p.Connected, Own: m.joined && p.Seat == m.Welcome.Seat,
			Frags: p.Frags, Deaths: p.Deaths}
		if !m.worldEnded && p.Seat < len(m.newest.Ships) {
			r.Frags, r.Deaths = int(m.newest.Ships[p.Seat][protocol.ShipFrags]), int(m.newest.Ships[p.Seat][protocol.ShipDeaths])
		}
		rows = append(rows, r)
	}
	slices.SortStableFunc(rows, func(a, b Score) int {
		if a.Frags != b.Frags {
			return b.Frags - a.Frags
		}
		if a.Deaths != b.Deaths {
			return a.Deaths - b.Deaths
		}
		return a.Seat - b.Seat
	})
	return rows
}

// Own returns the predicted own ship, and false before the first snapshot.
func (m *Model) Own() (game.Ship, bool) {
	if m.pred == nil || !m.pred.Known() {
		return game.Ship{}, false
	}
	return m.pred.Ship(), true
}

// Left returns the time left in the current room state (countdown, pause, results), or 0
// if it is open-ended.
func (m *Model) Left(now time.Time) time.Duration {
	if m.Status.StateEnds <= 0 {
		return 0
	}
	return max(0, m.StatusAt.Add(time.Duration(m.Status.StateEnds)*time.Millisecond).Sub(now))
}

// Name returns the name of the player in seat, or "seat N" if the roster does not say.
func (m *Model) Name(seat int) string {
	for _, p := range m.Status.Players {
		if p.Seat == seat {
			return p.Name
		}
	}
	return fmt.Sprintf("seat %d", seat+1)
}

// describe turns an event into a kill-feed line, or "" for events not worth one.
func (m *Model) describe(e protocol.Event) string {
	switch e.Kind {
	case protocol.EventFrag:
		return m.Name(e.A) + " fragged " + m.Name(e.B)
	case protocol.EventMatchOver:
		return m.Name(e.A) + " wins the match"
	case protocol.EventCheer:
		return "spectators: " + e.Text
	case protocol.EventJoined:
		return e.Text + " joined"
	case protocol.EventLeft:
		return m.Name(e.A) + " left"
	}
	return ""
}

// Explain turns a connection error into a sentence for the player.
func Explain(err error) string {
	if err == nil {
		return ""
	}
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		return "Connection problem: " + err.Error()
	}
	switch pe.Code {
	case protocol.CodeRoomFull:
		return "This room is full. Pick another room or create one."
	case protocol.CodeNoRoom:
		return "There is no room with that code."
	case protocol.CodeBadToken:
		return "The saved seat for this room is no longer valid."
	case protocol.CodeSeatLost:
		return "You were away too long: your seat went to a bot."
	case protocol.CodeGoingAway:
		return "The server is shutting down."
	case protocol.CodeVersion:
		return "This client is too old or too new for the server."
	case protocol.CodeBadName:
		return "That name is not allowed: use 1 to 16 printable characters."
	case protocol.CodeReplaced:
		return "This seat was taken over by another connection."
	}
	if pe.Message != "" {
		return fmt.Sprintf("The server said: %s (%s).", pe.Message, pe.Code)
	}
	return fmt.Sprintf("The server closed the connection (%s).", pe.Code)
}
