package feel

import (
	"math"
	"slices"
	"time"

	"skirmish/client-desktop/internal/inputs"
	"skirmish/client-desktop/internal/interp"
	"skirmish/client-desktop/internal/match"
	"skirmish/client-desktop/internal/netlink"
	"skirmish/client-desktop/internal/screen"
	"skirmish/game"
	"skirmish/game/protocol"
)

// The scene, on the arena map: the target strafes along row 6 between columns 15 and 24, in
// the open middle of the hall; the shooter stands four tiles below its middle. Nothing stands
// between them, so every miss is the network's or the aim's.
var (
	laneY    = game.TileCentre(0, 6).Y
	laneMinX = game.TileCentre(15, 6).X
	laneMaxX = game.TileCentre(24, 6).X
	spot     = game.Vec{X: (laneMinX + laneMaxX) / 2, Y: game.TileCentre(0, 10).Y}
)

// The shooter's habits: how often it tests how fast the own ship answers a key, how long
// between two aimed shots, and the margin kept from the ends of the target's lane, where it
// turns.
const (
	probeEvery = 3 * time.Second
	probeHold  = 4 // frames
	shotEvery  = 400 * time.Millisecond
	turnMargin = 48 * game.SubPixel
)

// shot is an aimed shot and what became of it.
type shot struct {
	resolved bool
	hit      bool
	refused  bool // the server did not fire it
	// late says the target was already down on the server when the shot left: an earlier
	// shot fragged it, which the shooter could not see yet. No rule lets such a shot hit.
	late bool
	// lag is how many ticks the server's present was ahead of the shooter's view when it
	// applied the shot's input: how far back lag compensation had to look. -1 until known.
	lag int
}

// shooter is a player on the desktop client's own code: the network link (netlink) and the
// match model, driven frame by frame as the window drives them, with a bot's hands that
// steer to a spot, test the controls, and aim at the target as drawn.
type shooter struct {
	link  *netlink.Link
	model *match.Model
	trace *trace // nil: no trace for the browser's modules

	notes []match.Note
	view  interp.View
	ctl   inputs.Controls

	// measurements
	playing   time.Duration // time in a running match
	answers   []time.Duration
	probeAt   time.Time // a key pressed to test the answer, zero when none is out
	probeX    float64
	probeLeft int // frames the probe key is still held
	nextProbe time.Time
	clicks    []int // frames from each press of fire to its shot on the screen
	press     time.Time
	pressSeq  uint32 // the newest own shot seq before the press
	lastShot  time.Time
	aimed     map[uint32]*shot
	views     map[uint32]uint32 // the view of each input that fired, by seq

	prev      protocol.Snapshot // the previous tick's state, for what ended in between
	havePrev  bool
	ownShots  map[uint32]bool // seqs of own shots seen in a snapshot
	lastAcked uint32
	// Ticks in which the server applied none of our inputs (it held the ship) or
	// skipped some (it dropped them from a backlog), while the match ran and we sent.
	held, dropped int
	// touched says the tick just settled held the ship or dropped one of our inputs; explained
	// counts the prediction's corrections on such ticks.
	touched   bool
	explained int

	outageEnd   time.Time // when the line came back, zero before
	countdownIn time.Duration
	backIn      time.Duration
}

// newShooter returns the player of room on link, as the window has it after a join.
func newShooter(link *netlink.Link, room string, tr *trace) *shooter {
	m := match.New()
	m.Join(room)
	return &shooter{link: link, model: m, trace: tr, aimed: map[uint32]*shot{}, views: map[uint32]uint32{}, ownShots: map[uint32]bool{}}
}

// frame runs one frame of the game loop at time now: what the network said, then the
// player's hands, then the picture.
func (s *shooter) frame(now time.Time, dt time.Duration) {
	m := s.model
	s.notes = s.link.Notes(s.notes[:0])
	for _, n := range s.notes {
		s.touched = false
		s.observe(n, now)
		s.trace.note(n)
		was := m.Feel().Prediction.Corrections
		m.Handle(n)
		if s.touched && m.Feel().Prediction.Corrections > was {
			s.explained++
		}
	}
	if m.Screen == screen.Playing {
		s.playing += dt
	}
	s.ctl = s.hands(now)
	m.Inputs(now, s.ctl, func(in game.Input) uint32 {
		seq := s.link.Send(in)
		in.Seq = seq
		if in.Buttons&game.ButtonFire != 0 {
			s.views[seq] = in.View
		}
		s.trace.input(in, now)
		return seq
	})
	if !m.Sample(now, &s.view) {
		return
	}
	s.look(now)
}

// hands decides the controls for this frame.
func (s *shooter) hands(now time.Time) inputs.Controls {
	m := s.model
	own, ok := m.Own()
	if m.Screen != screen.Playing || !ok || !own.Alive {
		s.probeAt = time.Time{}
		return inputs.Controls{}
	}
	if s.probeLeft > 0 {
		s.probeLeft--
		return inputs.Controls{Left: true}
	}
	buttons, there := steer(m.Map, own.Pos, own.Vel, spot)
	if !there {
		return controls(buttons)
	}
	if now.After(s.nextProbe) {
		// Press a key from rest and see how soon the ship moves on the screen.
		s.nextProbe = now.Add(probeEvery)
		s.probeAt, s.probeX, s.probeLeft = now, s.ownX(), probeHold-1
		return inputs.Controls{Left: true}
	}
	c := controls(buttons)
	if aimX, aimY, ok := s.aim(own); ok {
		c.AimX, c.AimY = aimX, aimY
		if !s.ctl.Fire && own.Cooldown <= 1 && now.Sub(s.lastShot) >= shotEvery {
			c.Fire = true
			s.press, s.lastShot = now, now
			s.pressSeq = s.newestOwnSeq()
		}
	}
	return c
}

// controls holds the given buttons.
func controls(b game.Buttons) inputs.Controls {
	return inputs.Controls{
		Up: b&game.ButtonUp != 0, Down: b&game.ButtonDown != 0,
		Left: b&game.ButtonLeft != 0, Right: b&game.ButtonRight != 0,
	}
}

// aim returns where to point to hit the target as it is drawn, leading it along its velocity,
// when the shot is worth firing: the target in its lane at full speed, and not about to turn
// before the shot arrives.
func (s *shooter) aim(own game.Ship) (x, y float64, ok bool) {
	m := s.model
	tseat := 1 - m.Welcome.Seat
	if tseat >= len(s.view.Ships) {
		return 0, 0, false
	}
	t := s.view.Ships[tseat]
	rules := game.DefaultConfig(2, m.Welcome.TickRate)
	full := float64(rules.ShipSpeed()) / game.SubPixel
	ux, uy := t.VX, t.VY
	if !t.Active || !t.Alive || math.Abs(ux) < 0.95*full || math.Abs(t.Y-px(laneY)) > 4 {
		return 0, 0, false
	}
	// The shot is one tick out in the tick that fires it, then meets the target j ticks on:
	// |D + U j| = v (j + 1) with D from the ship to the target as drawn.
	v := float64(rules.ProjectileSpeed()) / game.SubPixel
	dx, dy := t.X-px(own.Pos.X), t.Y-px(own.Pos.Y)
	a := ux*ux + uy*uy - v*v
	b := 2 * (dx*ux + dy*uy - v*v)
	c := dx*dx + dy*dy - v*v
	disc := b*b - 4*a*c
	if disc < 0 {
		return 0, 0, false
	}
	j := (-b - math.Sqrt(disc)) / (2 * a)
	if j < 0 {
		j = (-b + math.Sqrt(disc)) / (2 * a)
	}
	hx := t.X + ux*j
	if j < 0 || hx < px(laneMinX+turnMargin) || hx > px(laneMaxX-turnMargin) {
		return 0, 0, false
	}
	return hx - px(own.Pos.X), t.Y + uy*j - px(own.Pos.Y), true
}

// look takes the measurements of the picture just sampled.
func (s *shooter) look(now time.Time) {
	if !s.probeAt.IsZero() && s.ownX() < s.probeX-0.5 {
		s.answers = append(s.answers, now.Sub(s.probeAt))
		s.probeAt = time.Time{}
	}
	if !s.press.IsZero() {
		if seq := s.newestOwnSeq(); seq > s.pressSeq {
			s.clicks = append(s.clicks, int(math.Round(float64(now.Sub(s.press))/float64(time.Second/60))))
			s.aimed[seq] = &shot{lag: -1}
			s.press = time.Time{}
		}
	}
}

// ownX returns where the own ship is drawn, in pixels.
func (s *shooter) ownX() float64 {
	if seat := s.model.Welcome.Seat; seat < len(s.view.Ships) {
		return s.view.Ships[seat].X
	}
	return 0
}

// newestOwnSeq returns the highest seq of the own shots drawn.
func (s *shooter) newestOwnSeq() uint32 {
	var seq uint32
	for _, p := range s.view.Projectiles {
		if int(p.Owner) == s.model.Welcome.Seat {
			seq = max(seq, p.Seq)
		}
	}
	return seq
}

// observe follows the room tick by tick for what became of the aimed shots: a shot that ends
// in the tick the target loses health hit it; one that ends otherwise missed; one whose input
// the server applied without a shot was refused. It also times the return after an outage.
func (s *shooter) observe(n match.Note, now time.Time) {
	switch msg := n.Msg.(type) {
	case *protocol.Status:
		if !s.outageEnd.IsZero() && s.countdownIn == 0 && msg.State == protocol.StateCountdown {
			s.countdownIn = n.At.Sub(s.outageEnd)
		}
	case *protocol.Snapshot:
		s.settle(msg)
		if !s.outageEnd.IsZero() && s.backIn == 0 && msg.State == protocol.StateRunning && s.model.Screen == screen.Playing {
			if seat := s.model.Welcome.Seat; seat < len(msg.Ships) && uint32(msg.Ships[seat][protocol.ShipLastSeq]) > s.lastAcked {
				s.backIn = n.At.Sub(s.outageEnd)
			}
		}
	}
}

// settle compares the state at a tick with the one before.
func (s *shooter) settle(cur *protocol.Snapshot) {
	seat := s.model.Welcome.Seat
	tseat := 1 - seat
	defer func() {
		s.prev.CopyFrom(cur)
		s.havePrev = true
	}()
	if seat >= len(cur.Ships) || tseat >= len(cur.Ships) {
		return
	}
	targetUp := cur.Ships[tseat][protocol.ShipFlags]&protocol.FlagAlive != 0
	for i := range cur.Projectiles {
		if p := &cur.Projectiles[i]; int(p[protocol.ProjOwner]) == seat && p[protocol.ProjSeq] != 0 {
			seq := uint32(p[protocol.ProjSeq])
			if sh := s.aimed[seq]; sh != nil && !s.ownShots[seq] {
				sh.late = !targetUp
			}
			s.ownShots[seq] = true
		}
	}
	acked := uint32(cur.Ships[seat][protocol.ShipLastSeq])
	if steady := s.havePrev && cur.Tick == s.prev.Tick+1 && cur.State == protocol.StateRunning && s.prev.State == protocol.StateRunning; steady && seat < len(s.prev.Ships) {
		switch was := uint32(s.prev.Ships[seat][protocol.ShipLastSeq]); {
		case acked == was && was != 0:
			s.held++
			s.touched = true
		case acked > was+1 && was != 0:
			s.dropped += int(acked - was - 1)
			s.touched = true
		}
	}
	for seq, sh := range s.aimed {
		if view := s.views[seq]; sh.lag < 0 && seq <= acked && view != 0 {
			sh.lag = int(cur.Tick) - int(view)
		}
		if !sh.resolved && seq <= acked && !s.ownShots[seq] && s.havePrev && cur.Tick == s.prev.Tick+1 {
			sh.resolved, sh.refused = true, true
		}
	}
	if s.outageEnd.IsZero() {
		s.lastAcked = acked
	}
	if !s.havePrev || cur.Tick != s.prev.Tick+1 || len(s.prev.Ships) != len(cur.Ships) {
		return
	}
	was, now := s.prev.Ships[tseat], cur.Ships[tseat]
	hurt := now[protocol.ShipHealth] < was[protocol.ShipHealth] ||
		was[protocol.ShipFlags]&protocol.FlagAlive != 0 && now[protocol.ShipFlags]&protocol.FlagAlive == 0
	for i := range s.prev.Projectiles {
		p := &s.prev.Projectiles[i]
		if int(p[protocol.ProjOwner]) != seat || stillFlies(cur, p[protocol.ProjID]) {
			continue
		}
		if sh := s.aimed[uint32(p[protocol.ProjSeq])]; sh != nil && !sh.resolved {
			sh.resolved, sh.hit = true, hurt
		}
	}
}

// stillFlies reports whether the snapshot holds the projectile id.
func stillFlies(snap *protocol.Snapshot, id int64) bool {
	for i := range snap.Projectiles {
		if snap.Projectiles[i][protocol.ProjID] == id {
			return true
		}
	}
	return false
}

// hits returns how many aimed shots the server judged at a live target, how many of them
// hit, how many it did not fire, and how many left after the target was already down.
func (s *shooter) hits() (judged, hit, refused, late int) {
	for _, sh := range s.aimed {
		switch {
		case sh.refused:
			refused++
		case sh.resolved && sh.late:
			late++
		case sh.resolved:
			judged++
			if sh.hit {
				hit++
			}
		}
	}
	return judged, hit, refused, late
}

// lags returns how far back each judged shot's hit tests had to look, in ticks, sorted.
func (s *shooter) lags() []int {
	var ls []int
	for _, sh := range s.aimed {
		if sh.resolved && !sh.refused && !sh.late && sh.lag >= 0 {
			ls = append(ls, sh.lag)
		}
	}
	slices.Sort(ls)
	return ls
}
