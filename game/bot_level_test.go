package game

import "testing"

// The scripted average player the bot levels are measured against.
const (
	// humanReactMS is how late the human sees the arena: a common figure for a player's
	// reaction to what appears on screen.
	humanReactMS = 250
	// humanJitterPct is the human's aim jitter on each axis, in percent of the distance to
	// the target: up to about 4 degrees either way, a steady hand on a mouse.
	humanJitterPct = 7
	// humanTurnMS is how long the human circles its target one way before turning.
	humanTurnMS = 1000
)

// human is the yardstick for the bot levels: a scripted average player. It sees the whole
// arena, as both clients draw it, but humanReactMS late: it acts on the ships as they were
// then, expecting each to have gone on as it was going. While the nearest enemy is out of
// sight, it walks the shortest way to where it saw it, glancing again every humanTurnMS.
// Once the enemy is in sight, it circles it as a bot does, turning every humanTurnMS, fires
// whenever the enemy is in range, and aims where it expects the enemy, leading it by its
// motion over the shot's flight, with a fresh jitter of up to humanJitterPct of the distance
// on each axis.
type human struct {
	seat int
	rng  splitmix
	past [][]Ship // the ships of recent ticks, by tick modulo the length
	path pathfinder
	goal Vec // where it walks to find its target
}

// Think returns the human's input for the World's next tick.
func (h *human) Think(w *World) Input {
	delay := uint32(w.Config.Ticks(humanReactMS))
	if h.past == nil {
		h.past = make([][]Ship, delay+1)
		for i := range h.past {
			h.past[i] = make([]Ship, len(w.Ships))
		}
	}
	copy(h.past[w.Tick%(delay+1)], w.Ships)
	me := &w.Ships[h.seat]
	if w.Tick < delay || !me.Alive {
		return Input{}
	}
	seen := h.past[(w.Tick-delay)%(delay+1)]
	target, best := -1, int64(0)
	for i := range seen {
		s := &seen[i]
		if i == h.seat || !s.Active || !s.Alive {
			continue
		}
		dx, dy := int64(s.Pos.X-me.Pos.X), int64(s.Pos.Y-me.Pos.Y)
		if d := dx*dx + dy*dy; target < 0 || d < best {
			target, best = i, d
		}
	}
	if target < 0 {
		return Input{}
	}
	them := &seen[target]
	var in Input
	if !lineOfSight(w.Map, me.Pos, them.Pos) {
		if w.Tick%uint32(w.Config.Ticks(humanTurnMS)) == 0 || h.goal == (Vec{}) {
			h.goal = them.Pos
		}
		dx, dy := h.path.next(w.Map, me.Pos, h.goal)
		in.Buttons = steer(dx, dy)
		in.AimX, in.AimY = aimAt(dx, dy)
		return in
	}
	dx := them.Pos.X + them.Vel.X*int32(delay) - me.Pos.X
	dy := them.Pos.Y + them.Vel.Y*int32(delay) - me.Pos.Y
	dist := isqrt(int64(dx)*int64(dx)+int64(dy)*int64(dy)) / SubPixel
	flight := int32(dist) * SubPixel / w.Config.ProjectileSpeed()
	jitter := int32(dist) * SubPixel * humanJitterPct / 100
	in.AimX, in.AimY = aimAt(dx+them.Vel.X*flight+h.rng.spread(jitter), dy+them.Vel.Y*flight+h.rng.spread(jitter))
	if dist*SubPixel < int64(w.Config.ProjectileSpeed())*int64(w.Config.Ticks(ProjectileLifeMS)) {
		in.Buttons |= ButtonFire
	}
	side := int32(1)
	if w.Tick/uint32(w.Config.Ticks(humanTurnMS))%2 == 1 {
		side = -1
	}
	in.Buttons |= buttonsTowards(circle(dx, dy, dist, side))
	return in
}

// levelMatches is how many matches of levelMatchMS the human plays against each level on
// each map, alternating seats.
const (
	levelMatches = 16
	levelMatchMS = 120_000
)

// levelBands holds, for each level, the band its bot's frags per frag of the human must fall
// in, over all maps: a newcomer beats easy bots, meets its match in normal ones and is
// beaten by hard ones, but not crushed.
var levelBands = []struct {
	level  BotLevel
	lo, hi float64
}{
	{BotEasy, 0.3, 0.7},
	{BotNormal, 0.8, 1.25},
	{BotHard, 1.4, 2.5},
}

// TestBotLevels plays the scripted human against a bot of each level, one on one, on every
// map, and checks the bot's frags per frag of the human against the level's band. With -v
// it reports the ratio per level and map.
func TestBotLevels(t *testing.T) {
	for _, band := range levelBands {
		t.Run(band.level.String(), func(t *testing.T) {
			t.Parallel()
			var botFrags, humanFrags int
			for _, name := range MapNames() {
				m, err := LoadMap(name)
				if err != nil {
					t.Fatal(err)
				}
				var b, h int
				for i := range levelMatches {
					mb, mh := duelHuman(m, band.level, uint64(i), i%2)
					b, h = b+mb, h+mh
				}
				t.Logf("%-6s on %-7s bot %3d frags, human %3d: ratio %.2f", band.level, name, b, h, float64(b)/float64(h))
				botFrags, humanFrags = botFrags+b, humanFrags+h
			}
			r := float64(botFrags) / float64(humanFrags)
			t.Logf("%-6s on all maps  bot %3d frags, human %3d: ratio %.2f (band %.2f..%.2f)", band.level, botFrags, humanFrags, r, band.lo, band.hi)
			if !(r >= band.lo && r <= band.hi) { // also when no one scored
				t.Errorf("bot %s scores %.2f frags per frag of the human, want %.2f..%.2f", band.level, r, band.lo, band.hi)
			}
		})
	}
}

// duelHuman plays one match of the human against a bot of level on m, the human in seat
// humanSeat, and returns both frag counts.
func duelHuman(m *Map, level BotLevel, seed uint64, humanSeat int) (botFrags, humanFrags int) {
	cfg := DefaultConfig(2, 30)
	cfg.Seed = seed
	cfg.FragLimit = 1000
	cfg.TimeLimit = cfg.Ticks(levelMatchMS)
	w := NewWorld(cfg, m)
	w.SetActive(0, true)
	w.SetActive(1, true)
	botSeat := 1 - humanSeat
	bot := NewBot(botSeat, seed, level)
	h := &human{seat: humanSeat, rng: splitmix(^seed)}
	inputs := make([]Input, 2)
	for !w.Over {
		inputs[botSeat] = bot.Think(w)
		inputs[humanSeat] = h.Think(w)
		w.Step(inputs)
	}
	return int(w.Ships[botSeat].Frags), int(w.Ships[humanSeat].Frags)
}
