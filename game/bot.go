package game

import (
	"errors"
	"fmt"
)

// BotLevel is how well a bot plays: how fast it reacts, how well it aims and how long it
// remembers a ship it lost sight of. The zero value is BotNormal, the level of a room that
// asks for none.
type BotLevel uint8

// The bot levels.
const (
	BotNormal BotLevel = iota // about as good as an average player
	BotEasy                   // a newcomer's first opponent
	BotHard                   // beats most players
)

// botLevelNames are the names ParseBotLevel reads and String writes, easiest first.
var botLevelNames = [...]struct {
	level BotLevel
	name  string
}{{BotEasy, "easy"}, {BotNormal, "normal"}, {BotHard, "hard"}}

// ErrBotLevel is wrapped by the error ParseBotLevel returns for a name it does not know.
var ErrBotLevel = errors.New("unknown bot level")

// ParseBotLevel returns the level called name: "easy", "normal" or "hard".
func ParseBotLevel(name string) (BotLevel, error) {
	for _, l := range botLevelNames {
		if l.name == name {
			return l.level, nil
		}
	}
	return BotNormal, fmt.Errorf("%w %q: want easy, normal or hard", ErrBotLevel, name)
}

// String returns the level's name as ParseBotLevel reads it.
func (l BotLevel) String() string {
	for _, n := range botLevelNames {
		if n.level == l {
			return n.name
		}
	}
	return fmt.Sprintf("BotLevel(%d)", uint8(l))
}

// botSkill is what a level sets in the way a bot plays.
type botSkill struct {
	// reactMS is the time between two looks around, give or take a quarter. A bot fights a
	// ship from the look after the one that first saw it, so it shoots at a ship that comes
	// into view about 1 to 2 reactMS later, and its picture of how its target moves is up to
	// reactMS old.
	reactMS  int
	memoryMS int // how long the bot hunts a ship it lost sight of
	// The bot's aim misses by up to aimPx pixels at the target, more aimDist pixels per 100
	// pixels of distance and aimSpeed pixels per 100 pixels a second of the target's speed.
	aimPx, aimDist, aimSpeed int32
	leadPct                  int32 // how much of the target's motion during the shot's flight it aims ahead
}

// botSkills holds each level's skill, by BotLevel.
var botSkills = [...]botSkill{
	BotEasy:   {reactMS: 450, memoryMS: 1500, aimPx: 10, aimDist: 12, aimSpeed: 16, leadPct: 50},
	BotNormal: {reactMS: 270, memoryMS: 3000, aimPx: 8, aimDist: 8, aimSpeed: 10, leadPct: 75},
	BotHard:   {reactMS: 150, memoryMS: 5000, aimPx: 3, aimDist: 3, aimSpeed: 4, leadPct: 100},
}

// Bot is the brain of a server-side player: each tick it looks at the World and decides an
// Input. It plays by what a player could know: it looks around every so often and knows only
// the ships in its line of sight, remembering for a while where it last saw the others. It
// fights the ship it keeps seeing (keeping a fighting distance, strafing, leading its shots
// with an aim error that grows with distance and the target's speed), hunts the one it lost
// sight of where it was last seen, and otherwise searches the spawn points it cannot see. A
// Bot is deterministic: its choices depend only on its level, its own state (seeded by
// NewBot) and the World.
type Bot struct {
	seat  int
	skill botSkill
	rng   splitmix
	// seen is what the bot knows of each seat's ship from its looks.
	seen      [MaxSeats]sighting
	lookedAt  uint32  // the tick of its last look
	lookEvery uint32  // ticks from the last look to the next
	target    int     // the seat it fights or hunts, -1 for none
	locked    bool    // it saw target at its last two looks, so it shoots at it
	aimErr    Vec     // how far its aim at target misses, drawn at each look
	goal      Vec     // where it walks while it shoots at nobody
	walking   bool    // it has a goal
	strafe    int32   // +1 or -1: which side the bot circles its target
	turnAt    uint32  // tick at which the bot reconsiders its strafing side
	moved     Buttons // direction buttons of its last fighting move, to notice walls
	path      pathfinder
}

// sighting is where a bot last saw a ship.
type sighting struct {
	known   bool   // the bot remembers the ship
	visible bool   // it saw the ship at its last look
	at      uint32 // the tick it saw it
	pos     Vec
	vel     Vec
}

// NewBot returns a brain of the given level for seat, whose own randomness starts from seed.
// A level that is none of the BotLevel constants plays as BotNormal.
func NewBot(seat int, seed uint64, level BotLevel) *Bot {
	if int(level) >= len(botSkills) {
		level = BotNormal
	}
	return &Bot{seat: seat, skill: botSkills[level], rng: splitmix(seed), strafe: 1, target: -1}
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
		// A new life starts with a fresh look around: nothing is in sight yet.
		b.locked = false
		for i := range b.seen {
			b.seen[i].visible = false
		}
		return Input{}
	}
	// Unsigned, the time since the last look is also long when the tick went back: a World
	// rebuilt for a new match.
	if w.Tick-b.lookedAt >= b.lookEvery {
		b.look(w, me)
	}
	if b.locked {
		return b.fight(w, me, bumped)
	}
	return b.walk(w, me)
}

// look updates what the bot knows of the other ships, picks its target and draws its aim
// error for the next look's time.
func (b *Bot) look(w *World, me *Ship) {
	b.lookedAt = w.Tick
	b.lookEvery = uint32(w.Config.Ticks(b.skill.reactMS * (75 + int(b.rng.next()%51)) / 100))
	memory := uint32(w.Config.Ticks(b.skill.memoryMS))
	wasVisible := b.target >= 0 && b.seen[b.target].visible
	nearest, nearestD := -1, int64(0)
	for i := range w.Ships {
		s, sg := &w.Ships[i], &b.seen[i]
		sg.visible = false
		switch {
		case i == b.seat || !s.Active || !s.Alive:
			// The scoreboard and the kill feed tell every player who is out.
			sg.known = false
		case lineOfSight(w.Map, me.Pos, s.Pos):
			*sg = sighting{known: true, visible: true, at: w.Tick, pos: s.Pos, vel: s.Vel}
			dx, dy := int64(s.Pos.X-me.Pos.X), int64(s.Pos.Y-me.Pos.Y)
			if d := dx*dx + dy*dy; nearest < 0 || d < nearestD {
				nearest, nearestD = i, d
			}
		case w.Tick-sg.at > memory:
			sg.known = false
		}
	}
	switch {
	case b.target >= 0 && b.seen[b.target].visible:
		// It stays on the ship it fights while it sees it.
		b.locked = wasVisible
	case nearest >= 0:
		b.target, b.locked = nearest, false
	default:
		b.locked = false
		b.target = -1
		for i := range b.seen {
			if b.seen[i].known && (b.target < 0 || b.seen[i].at > b.seen[b.target].at) {
				b.target = i
			}
		}
		if b.target >= 0 {
			b.goal, b.walking = b.seen[b.target].pos, true
		}
	}
	if b.locked {
		b.drawAimError(w, me, &b.seen[b.target])
	}
}

// drawAimError picks how far the bot's shots at the ship it sees as sg will miss until its
// next look.
func (b *Bot) drawAimError(w *World, me *Ship, sg *sighting) {
	dx, dy := int64(sg.pos.X-me.Pos.X), int64(sg.pos.Y-me.Pos.Y)
	dist := isqrt(dx*dx+dy*dy) / SubPixel
	vx, vy := int64(sg.vel.X), int64(sg.vel.Y)
	speed := isqrt(vx*vx+vy*vy) * int64(w.Config.TickRate) / SubPixel
	r := (b.skill.aimPx + int32(dist)*b.skill.aimDist/100 + int32(speed)*b.skill.aimSpeed/100) * SubPixel
	b.aimErr = Vec{b.rng.spread(r), b.rng.spread(r)}
}

// fight aims at the target where the bot expects it, fires when it is in range, and circles
// it sideways, drifting in or out to keep the fighting distance.
func (b *Bot) fight(w *World, me *Ship, bumped bool) Input {
	sg := &b.seen[b.target]
	// Between looks the bot expects the target to keep going as it saw it going.
	age := int32(w.Tick - sg.at)
	dx := sg.pos.X + sg.vel.X*age - me.Pos.X
	dy := sg.pos.Y + sg.vel.Y*age - me.Pos.Y
	dist := isqrt(int64(dx)*int64(dx)+int64(dy)*int64(dy)) / SubPixel
	var in Input
	// Lead the shot by (part of) the target's motion during its flight.
	lead := int32(dist) * SubPixel / max(w.Config.ProjectileSpeed(), 1) * b.skill.leadPct / 100
	in.AimX, in.AimY = aimAt(dx+sg.vel.X*lead+b.aimErr.X, dy+sg.vel.Y*lead+b.aimErr.Y)
	if dist*SubPixel < int64(w.Config.ProjectileSpeed())*int64(w.Config.Ticks(ProjectileLifeMS)) {
		in.Buttons |= ButtonFire
	}

	if bumped {
		b.strafe = -b.strafe
	}
	if w.Tick >= b.turnAt {
		if b.rng.next()%3 == 0 {
			b.strafe = -b.strafe
		}
		b.turnAt = w.Tick + uint32(w.Config.Ticks(500+int(b.rng.next()%1000)))
	}
	b.moved = buttonsTowards(circle(dx, dy, dist, b.strafe))
	in.Buttons |= b.moved
	return in
}

// walk heads for the bot's goal, looking the way it goes: the place it last saw the ship it
// hunts, else a spawn point out of its sight. A hunted ship that is not where it was seen is
// forgotten.
func (b *Bot) walk(w *World, me *Ship) Input {
	const tile = TileSize * SubPixel
	if !b.walking || me.Pos.X/tile == b.goal.X/tile && me.Pos.Y/tile == b.goal.Y/tile {
		if b.target >= 0 && !b.seen[b.target].visible {
			b.seen[b.target].known = false
			b.target = -1
		}
		b.goal, b.walking = b.hidingPlace(w.Map, me.Pos), true
	}
	dx, dy := b.path.next(w.Map, me.Pos, b.goal)
	in := Input{Buttons: steer(dx, dy)}
	in.AimX, in.AimY = aimAt(dx, dy)
	return in
}

// hidingPlace picks a spawn point at random among those out of sight from pos: where a
// ship may be that the bot cannot see. It falls back on any spawn point.
func (b *Bot) hidingPlace(m *Map, pos Vec) Vec {
	n := uint64(len(m.Spawns))
	first := b.rng.next() % n
	for i := range n {
		if sp := m.Spawns[(first+i)%n]; !lineOfSight(m, pos, sp) {
			return sp
		}
	}
	return m.Spawns[first]
}

// circle returns the direction in which a ship circles an enemy at offset (dx, dy), dist
// pixels away, on the given side (+1 or -1): sideways, drifting in when it is farther than
// botFar and out when it is nearer than botNear.
func circle(dx, dy int32, dist int64, side int32) (int32, int32) {
	mx, my := -dy*side, dx*side
	switch {
	case dist > botFar:
		mx, my = mx+dx, my+dy
	case dist < botNear:
		mx, my = mx-dx, my-dy
	}
	return mx, my
}

// bumped reports whether a wall stopped the ship on an axis the bot's last fighting move
// pressed: from any speed, a pressed direction changes the velocity unless a wall zeroes it.
func (b *Bot) bumped(me *Ship) bool {
	return b.moved&(ButtonLeft|ButtonRight) != 0 && me.Vel.X == 0 ||
		b.moved&(ButtonUp|ButtonDown) != 0 && me.Vel.Y == 0
}

// splitmix is a splitmix64 generator, a bot's own source of randomness.
type splitmix uint64

// next returns the generator's next number.
func (s *splitmix) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	return mix64(uint64(*s))
}

// spread returns a number in -r..r, near zero more often than near the ends, as a hand's
// error is.
func (s *splitmix) spread(r int32) int32 {
	n := uint64(2*r + 1)
	return int32((s.next()%n+s.next()%n)/2) - r
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
