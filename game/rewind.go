package game

// Lag compensation. A player sees the other ships as they were a little in the past (the
// snapshots' trip plus the client's interpolation delay) and aims at them there. Each input
// says which tick the player was looking at (Input.View); a shot it fires remembers how far
// behind the present that was (Projectile.Lag, at most Config.Rewind ticks) and, for its
// whole flight, meets the other ships where they were that many ticks before: a shot that
// hits a ship on the shooter's screen hits it in the simulation. The ship must also be alive
// now (a dead ship takes no more hits), and alive then (a ship that was waiting to respawn
// in the shooter's view cannot be hit where it now is). Walls are where they always are.
//
// The rewind reads World.Past, where every Step leaves the ships' positions, so it is as
// deterministic as the rest: the inputs with their View ticks replay a match exactly.

// Ghost is where a ship was at the end of a past tick, as a rewound hit test sees it.
type Ghost struct {
	Pos   Vec
	Alive bool
}

// lag returns how many ticks back a shot fired now meets the other ships, for a player who
// saw tick view: the distance to the present, none for an unknown view (0) or one that is not
// in the past, and at most Config.Rewind.
func (w *World) lag(view uint32) uint8 {
	if view == 0 || view >= w.Tick {
		return 0
	}
	return uint8(min(w.Tick-view, uint32(w.Config.Rewind)))
}

// ghost returns where seat was lag ticks ago, 1 <= lag <= Config.Rewind.
func (w *World) ghost(seat int, lag uint8) Ghost {
	r := w.Config.Rewind
	slot := (int(w.Tick) - int(lag)) % r
	if slot < 0 {
		slot += r
	}
	return w.Past[slot*len(w.Ships)+seat]
}

// keepGhosts records where every ship is at the end of this tick, over the oldest tick kept.
func (w *World) keepGhosts() {
	if w.Config.Rewind == 0 {
		return
	}
	row := w.Past[int(w.Tick)%w.Config.Rewind*len(w.Ships):][:len(w.Ships)]
	for i := range w.Ships {
		s := &w.Ships[i]
		row[i] = Ghost{Pos: s.Pos, Alive: s.Active && s.Alive}
	}
}

// shipAt returns the lowest seat of a live ship other than owner within HitRadius of p, as
// the ships were lag ticks ago, or -1.
func (w *World) shipAt(p Vec, owner int, lag uint8) int {
	const r = int64(HitRadius * SubPixel)
	for seat := range w.Ships {
		s := &w.Ships[seat]
		if seat == owner || !s.Active || !s.Alive {
			continue
		}
		pos := s.Pos
		if lag > 0 {
			g := w.ghost(seat, lag)
			if !g.Alive {
				continue
			}
			pos = g.Pos
		}
		dx, dy := int64(pos.X-p.X), int64(pos.Y-p.Y)
		if dx*dx+dy*dy < r*r {
			return seat
		}
	}
	return -1
}
