package game

// Step advances the match by one tick with one input per seat, inputs[seat] (inputs of free
// seats are ignored, missing ones count as empty): ships respawn, move, aim and fire in seat
// order (a held one does neither, see ButtonHold), then shots fly in ID order, then the match may end, and where every ship is stays on
// record for the rewound hit tests of lagging players' shots. It does nothing once the match
// is over, and allocates nothing.
func (w *World) Step(inputs []Input) {
	if w.Over {
		return
	}
	w.Events = w.Events[:0]
	w.Tick++
	for seat := range w.Ships {
		s := &w.Ships[seat]
		if !s.Active {
			continue
		}
		var in Input
		if seat < len(inputs) {
			in = inputs[seat]
		}
		if in.Seq != 0 {
			s.LastSeq = in.Seq
		}
		if !s.Alive {
			s.RespawnIn--
			if s.RespawnIn == 0 {
				w.spawn(seat)
				w.event(EventRespawn, seat, seat)
			}
			continue
		}
		if in.Buttons&ButtonHold != 0 {
			continue
		}
		MoveShip(w.Map, w.Config, s, in)
		if Trigger(w.Config, s, in) {
			p := NewShot(w.Config, s)
			p.ID, p.Owner, p.Seq, p.Lag = w.NextProjectileID, uint8(seat), in.Seq, w.lag(in.View)
			w.Projectiles = append(w.Projectiles, p)
			w.NextProjectileID++
		}
	}
	w.flyProjectiles()
	w.checkEnd()
	w.keepGhosts()
}

// Trigger applies one tick of in to a live ship's gun: the cooldown runs down, and a held fire
// button with the gun ready fires, which starts the cooldown again. It reports whether the
// ship fired; NewShot is the shot. Step calls it right after MoveShip, and clients predict
// their own shots with the two, the browser through a port that testdata/shot_vectors.json
// checks.
func Trigger(cfg Config, s *Ship, in Input) bool {
	if !s.Alive {
		return false
	}
	if s.Cooldown > 0 {
		s.Cooldown--
	}
	if in.Buttons&ButtonFire == 0 || s.Cooldown > 0 {
		return false
	}
	s.Cooldown = uint16(cfg.Ticks(FireCooldownMS))
	return true
}

// NewShot returns the shot a ship fires: from its centre along its aim with a full life, not
// yet numbered. It flies its first tick in the Step that fires it, so the snapshot of that
// tick shows it one tick out.
func NewShot(cfg Config, s *Ship) Projectile {
	speed := cfg.ProjectileSpeed()
	return Projectile{
		Pos: s.Pos,
		Vel: Vec{int32(s.AimX) * speed / 127, int32(s.AimY) * speed / 127},
		TTL: uint16(cfg.Ticks(ProjectileLifeMS)),
	}
}

// substep is the longest distance a shot covers between two collision tests, in world units:
// less than the smallest wall and the hit diameter, so nothing is skipped at low tick rates.
const substep = 8 * SubPixel

// flyProjectiles moves every shot, removes those that hit a wall or a ship or expire, and
// keeps the rest in ID order without allocating.
func (w *World) flyProjectiles() {
	kept := w.Projectiles[:0]
	for _, p := range w.Projectiles {
		if w.fly(&p) {
			kept = append(kept, p)
		}
	}
	w.Projectiles = kept
}

// fly moves one shot through its tick in short substeps and reports whether it lives on.
func (w *World) fly(p *Projectile) bool {
	n := substeps(p.Vel)
	start := p.Pos
	for i := int32(1); i <= n; i++ {
		p.Pos = Vec{start.X + p.Vel.X*i/n, start.Y + p.Vel.Y*i/n}
		if w.Map.WallAt(p.Pos) {
			return false
		}
		if victim := w.shipAt(p.Pos, int(p.Owner), p.Lag); victim >= 0 {
			w.hit(victim, int(p.Owner))
			return false
		}
	}
	p.TTL--
	return p.TTL > 0
}

// substeps is the number of collision tests a shot of velocity v makes in one tick.
func substeps(v Vec) int32 { return max((max(abs(v.X), abs(v.Y))+substep-1)/substep, 1) }

// Flight returns how many more Steps the shot p survives when nothing but walls is in its
// way: it is in the World after each of them and gone after the next. Clients use it to end
// a shot at the wall it meets before the server says so.
func (m *Map) Flight(p Projectile) int {
	n := substeps(p.Vel)
	for t := 0; ; t++ {
		start := p.Pos
		for i := int32(1); i <= n; i++ {
			if m.WallAt(Vec{start.X + p.Vel.X*i/n, start.Y + p.Vel.Y*i/n}) {
				return t
			}
		}
		p.Pos = Vec{start.X + p.Vel.X, start.Y + p.Vel.Y}
		if p.TTL <= 1 {
			return t
		}
		p.TTL--
	}
}

// hit applies one shot's damage; a ship left without health is fragged and waits to respawn.
func (w *World) hit(victim, owner int) {
	s := &w.Ships[victim]
	s.Health -= ProjectileDamage
	if s.Health > 0 {
		return
	}
	s.Health = 0
	s.Alive = false
	s.Vel = Vec{}
	s.Cooldown = 0
	s.RespawnIn = uint16(w.Config.Ticks(RespawnDelayMS))
	s.Deaths++
	w.Ships[owner].Frags++
	w.event(EventFrag, owner, victim)
}

// spawn brings a ship to life at a spawn point far from the other live ships: the PRNG picks
// among the spawns at least three quarters as far from the nearest of them as the best one,
// so ships are hard to camp yet do not always appear at the same place.
func (w *World) spawn(seat int) {
	best := int64(-1)
	for _, sp := range w.Map.Spawns {
		best = max(best, w.clearance(sp, seat))
	}
	candidates := 0
	for _, sp := range w.Map.Spawns {
		if w.clearance(sp, seat)*16 >= best*9 {
			candidates++
		}
	}
	pick := int(w.next() % uint64(candidates))
	for _, sp := range w.Map.Spawns {
		if w.clearance(sp, seat)*16 < best*9 {
			continue
		}
		if pick == 0 {
			s := &w.Ships[seat]
			s.Alive = true
			s.Pos = sp
			s.Vel = Vec{}
			s.Health = ShipHealth
			s.Cooldown = 0
			s.RespawnIn = 0
			return
		}
		pick--
	}
}

// clearance is the squared distance from p to the nearest live ship other than seat, or
// more than any map allows when there is none.
func (w *World) clearance(p Vec, seat int) int64 {
	d := int64(1) << 40
	for i := range w.Ships {
		s := &w.Ships[i]
		if i == seat || !s.Active || !s.Alive {
			continue
		}
		dx, dy := int64(s.Pos.X-p.X), int64(s.Pos.Y-p.Y)
		d = min(d, dx*dx+dy*dy)
	}
	return d
}

// checkEnd ends the match when a ship has reached the frag limit or the time is up.
func (w *World) checkEnd() {
	done := w.Config.TimeLimit > 0 && int(w.Tick) >= w.Config.TimeLimit
	for i := range w.Ships {
		if w.Ships[i].Active && int(w.Ships[i].Frags) >= w.Config.FragLimit {
			done = true
		}
	}
	if !done {
		return
	}
	w.Over = true
	w.Winner = -1
	for i := range w.Ships {
		if w.Ships[i].Active && (w.Winner < 0 || better(w.result(i), w.result(w.Winner))) {
			w.Winner = i
		}
	}
	w.event(EventMatchOver, w.Winner, w.Winner)
}

// event records something that happened during this Step.
func (w *World) event(kind EventKind, a, b int) {
	w.Events = append(w.Events, Event{Kind: kind, Tick: w.Tick, A: uint8(a), B: uint8(b)})
}

func abs(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}
