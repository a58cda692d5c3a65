package game

// Bot is the brain of a server-side player: each tick it looks at the World and decides an
// Input. It hunts the nearest live enemy along the shortest path through the map, and once it
// sees it, keeps a fighting distance, strafes, leads its shots and fires. A Bot is
// deterministic: its choices depend only on its own state (seeded by NewBot) and the World.
type Bot struct {
	seat   int
	rng    uint64
	strafe int32   // +1 or -1: which side the bot circles its target
	turnAt uint32  // tick at which the bot reconsiders its strafing side
	moved  Buttons // direction buttons of its last fighting move, to notice walls
	path   pathfinder
}

// NewBot returns a brain for seat whose own randomness starts from seed.
func NewBot(seat int, seed uint64) *Bot {
	return &Bot{seat: seat, rng: seed, strafe: 1}
}

// The bot's fighting habits, in pixels.
const (
	botNear = 140 // it backs off from an enemy closer than this
	botFar  = 300 // and closes in on one farther than this
	botLook = 10  // step of its line-of-sight test
)

// Think returns the bot's input for the World's next tick.
func (b *Bot) Think(w *World) Input {
	me := &w.Ships[b.seat]
	bumped := b.bumped(me)
	b.moved = 0
	if !me.Active || !me.Alive {
		return Input{}
	}
	enemy := b.nearestEnemy(w)
	if enemy < 0 {
		return Input{}
	}
	them := &w.Ships[enemy]
	dx, dy := them.Pos.X-me.Pos.X, them.Pos.Y-me.Pos.Y
	dist := isqrt(int64(dx)*int64(dx)+int64(dy)*int64(dy)) / SubPixel
	in := Input{}

	if !lineOfSight(w.Map, me.Pos, them.Pos) {
		// Out of sight: walk the shortest path towards it, aim where it is.
		in.Buttons = steer(b.path.next(w.Map, me.Pos, them.Pos))
		in.AimX, in.AimY = aimAt(dx, dy)
		return in
	}

	// In sight: lead the shot by the time it takes to arrive, with a little aiming error.
	flight := int32(dist) * SubPixel / max(w.Config.ProjectileSpeed(), 1)
	lx := dx + them.Vel.X*flight + int32(b.rand()%65) - 32
	ly := dy + them.Vel.Y*flight + int32(b.rand()%65) - 32
	in.AimX, in.AimY = aimAt(lx, ly)
	if dist*SubPixel < int64(w.Config.ProjectileSpeed())*int64(w.Config.Ticks(ProjectileLifeMS)) {
		in.Buttons |= ButtonFire
	}

	if bumped {
		b.strafe = -b.strafe
	}
	if w.Tick >= b.turnAt {
		if b.rand()%3 == 0 {
			b.strafe = -b.strafe
		}
		b.turnAt = w.Tick + uint32(w.Config.Ticks(500+int(b.rand()%1000)))
	}
	// Circle the enemy sideways, drifting in or out to keep the fighting distance.
	mx, my := -dy*b.strafe, dx*b.strafe
	switch {
	case dist > botFar:
		mx, my = mx+dx, my+dy
	case dist < botNear:
		mx, my = mx-dx, my-dy
	}
	b.moved = buttonsTowards(mx, my)
	in.Buttons |= b.moved
	return in
}

// bumped reports whether a wall stopped the ship on an axis the bot's last fighting move
// pressed: from any speed, a pressed direction changes the velocity unless a wall zeroes it.
func (b *Bot) bumped(me *Ship) bool {
	return b.moved&(ButtonLeft|ButtonRight) != 0 && me.Vel.X == 0 ||
		b.moved&(ButtonUp|ButtonDown) != 0 && me.Vel.Y == 0
}

// nearestEnemy returns the seat of the closest live ship other than the bot's, or -1.
func (b *Bot) nearestEnemy(w *World) int {
	me := &w.Ships[b.seat]
	best, bestD := -1, int64(0)
	for i := range w.Ships {
		s := &w.Ships[i]
		if i == b.seat || !s.Active || !s.Alive {
			continue
		}
		dx, dy := int64(s.Pos.X-me.Pos.X), int64(s.Pos.Y-me.Pos.Y)
		if d := dx*dx + dy*dy; best < 0 || d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

// rand returns the next number of the bot's own splitmix64 generator.
func (b *Bot) rand() uint64 {
	b.rng += 0x9e3779b97f4a7c15
	return mix64(b.rng)
}

// lineOfSight reports whether a straight shot from a to b meets no wall.
func lineOfSight(m *Map, a, b Vec) bool {
	dx, dy := int64(b.X-a.X), int64(b.Y-a.Y)
	n := isqrt(dx*dx+dy*dy)/(botLook*SubPixel) + 1
	for i := int64(1); i < n; i++ {
		if m.WallAt(Vec{a.X + int32(dx*i/n), a.Y + int32(dy*i/n)}) {
			return false
		}
	}
	return true
}

// buttonsTowards picks the one or two direction buttons closest to the direction (x, y).
func buttonsTowards(x, y int32) Buttons {
	var bt Buttons
	ax, ay := abs(x), abs(y)
	if 5*ax > 2*ay { // within about 68 degrees of the horizontal axis
		if x > 0 {
			bt |= ButtonRight
		} else {
			bt |= ButtonLeft
		}
	}
	if 5*ay > 2*ax {
		if y > 0 {
			bt |= ButtonDown
		} else {
			bt |= ButtonUp
		}
	}
	return bt
}

// steer presses a direction button on each axis on which the waypoint (x, y) is more than a
// few pixels away: heading for the centre of the next tile on both axes keeps the ship in the
// middle of a corridor, clear of the corners it would otherwise catch on.
func steer(x, y int32) Buttons {
	const slack = 3 * SubPixel
	var bt Buttons
	switch {
	case x > slack:
		bt |= ButtonRight
	case x < -slack:
		bt |= ButtonLeft
	}
	switch {
	case y > slack:
		bt |= ButtonDown
	case y < -slack:
		bt |= ButtonUp
	}
	return bt
}

// aimAt turns a world-unit offset into an Input aim in pixels.
func aimAt(dx, dy int32) (int16, int16) {
	x, y := dx/SubPixel, dy/SubPixel
	for abs(x) > 32767 || abs(y) > 32767 {
		x, y = x/2, y/2
	}
	if x == 0 && y == 0 {
		return int16(sign(dx)), int16(sign(dy))
	}
	return int16(x), int16(y)
}

func sign(v int32) int32 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
