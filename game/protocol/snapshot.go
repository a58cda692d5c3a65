package protocol

import (
	"cmp"
	"errors"
	"slices"

	"skirmish/game"
)

// ErrBase is wrapped by the errors of Delta.Diff and Snapshot.Apply when a delta and a
// keyframe do not belong together. A server that gets it sends a keyframe instead; a client
// that gets it has lost track of the state and resyncs by reconnecting with its token.
var ErrBase = errors.New("delta does not fit its base")

// Fill makes s the keyframe of w at w.Tick in room state state, reusing s's slices.
func (s *Snapshot) Fill(w *game.World, state State) {
	s.Tick, s.State = w.Tick, state
	s.Ships = s.Ships[:0]
	for i := range w.Ships {
		s.Ships = append(s.Ships, ShipRecordOf(i, &w.Ships[i]))
	}
	s.Projectiles = s.Projectiles[:0]
	for i := range w.Projectiles {
		s.Projectiles = append(s.Projectiles, ProjectileRecordOf(&w.Projectiles[i]))
	}
	// Deltas and Apply walk projectiles in id order; the game keeps them so, and this makes
	// the wire's promise independent of that.
	if !slices.IsSortedFunc(s.Projectiles, byID) {
		slices.SortFunc(s.Projectiles, byID)
	}
}

func byID(a, b ProjectileRecord) int { return cmp.Compare(a[ProjID], b[ProjID]) }

// CopyFrom makes s a copy of src, reusing s's slices.
func (s *Snapshot) CopyFrom(src *Snapshot) {
	s.Tick, s.State = src.Tick, src.State
	s.Ships = append(s.Ships[:0], src.Ships...)
	s.Projectiles = append(s.Projectiles[:0], src.Projectiles...)
}

// advance returns where a projectile not mentioned by a delta is one tick after p: moved by
// its velocity, its time to live one less (never below zero).
func advance(p ProjectileRecord) ProjectileRecord {
	p[ProjX] += p[ProjVX]
	p[ProjY] += p[ProjVY]
	p[ProjTTL] = max(p[ProjTTL]-1, 0)
	return p
}

// Diff makes d the delta that turns keyframe base into keyframe cur, reusing d's slices.
// cur must be the tick after base, with the same seats, and both must hold their projectiles
// in ascending id order as Fill and decoding leave them.
func (d *Delta) Diff(base, cur *Snapshot) error {
	if cur.Tick != base.Tick+1 || cur.Tick == 0 {
		return wrapf(ErrBase, "keyframe at tick %d does not follow tick %d", cur.Tick, base.Tick)
	}
	if len(cur.Ships) != len(base.Ships) {
		return wrapf(ErrBase, "%d seats, base has %d", len(cur.Ships), len(base.Ships))
	}
	d.Tick, d.BaseTick, d.State = cur.Tick, base.Tick, cur.State
	d.Ships, d.Spawned, d.Removed = d.Ships[:0], d.Spawned[:0], d.Removed[:0]
	for i := range cur.Ships {
		if cur.Ships[i] == base.Ships[i] {
			continue
		}
		var e ShipRecord
		e[ShipSeat] = int64(i)
		for f := ShipSeat + 1; f < ShipFields; f++ {
			e[f] = cur.Ships[i][f] - base.Ships[i][f]
		}
		d.Ships = append(d.Ships, e)
	}
	if !slices.IsSortedFunc(base.Projectiles, byID) || !slices.IsSortedFunc(cur.Projectiles, byID) {
		return wrapf(ErrBase, "projectiles not in id order")
	}
	// Walk both id-ordered lists at once: ids only in base ended, ids only in cur are new,
	// and shared ids need a record only where extrapolating the base one would be wrong.
	b, c := base.Projectiles, cur.Projectiles
	for len(b) > 0 || len(c) > 0 {
		switch {
		case len(c) == 0 || len(b) > 0 && b[0][ProjID] < c[0][ProjID]:
			d.Removed = append(d.Removed, uint32(b[0][ProjID]))
			b = b[1:]
		case len(b) == 0 || c[0][ProjID] < b[0][ProjID]:
			d.Spawned = append(d.Spawned, c[0])
			c = c[1:]
		default:
			if advance(b[0]) != c[0] {
				d.Spawned = append(d.Spawned, c[0])
			}
			b, c = b[1:], c[1:]
		}
	}
	return nil
}

// Apply turns keyframe s at d.BaseTick into the keyframe at d.Tick. It checks the whole delta
// before changing anything, so after an error s is unchanged. Apply allocates only when the
// projectile list outgrows its capacity.
func (s *Snapshot) Apply(d *Delta) error {
	if err := s.check(d); err != nil {
		return err
	}
	for _, e := range d.Ships {
		r := &s.Ships[e[ShipSeat]]
		for f := ShipSeat + 1; f < ShipFields; f++ {
			r[f] += e[f]
		}
	}
	// Keep the base projectiles that neither ended nor were replaced, moved on by a tick;
	// then merge the spawned ones in from the back, so that ids stay in order without a
	// second buffer.
	kept := s.Projectiles[:0]
	rm, sp := d.Removed, d.Spawned
	for _, p := range s.Projectiles {
		id := p[ProjID]
		for len(rm) > 0 && int64(rm[0]) < id {
			rm = rm[1:]
		}
		for len(sp) > 0 && sp[0][ProjID] < id {
			sp = sp[1:]
		}
		if len(rm) > 0 && int64(rm[0]) == id || len(sp) > 0 && sp[0][ProjID] == id {
			continue
		}
		kept = append(kept, advance(p))
	}
	i, j := len(kept)-1, len(d.Spawned)-1
	all := slices.Grow(kept, len(d.Spawned))[:len(kept)+len(d.Spawned)]
	for k := len(all) - 1; j >= 0; k-- {
		if i >= 0 && all[i][ProjID] > d.Spawned[j][ProjID] {
			all[k] = all[i]
			i--
		} else {
			all[k] = d.Spawned[j]
			j--
		}
	}
	s.Projectiles = all
	s.Tick, s.State = d.Tick, d.State
	return nil
}

// check reports why d cannot be applied to s, if it cannot.
func (s *Snapshot) check(d *Delta) error {
	if d.BaseTick != s.Tick || d.Tick != s.Tick+1 {
		return wrapf(ErrBase, "delta from tick %d to %d, keyframe at tick %d", d.BaseTick, d.Tick, s.Tick)
	}
	for k, e := range d.Ships {
		seat := e[ShipSeat]
		if seat < 0 || seat >= int64(len(s.Ships)) || k > 0 && seat <= d.Ships[k-1][ShipSeat] {
			return wrapf(ErrBase, "delta for seat %d: seats missing or out of order", seat)
		}
		r := s.Ships[seat]
		for f := ShipSeat + 1; f < ShipFields; f++ {
			r[f] += e[f]
		}
		if f := inSpans(r[:], shipSpans[:]); f >= 0 {
			return wrapf(ErrBase, "seat %d field %d overflows to %d", seat, f, r[f])
		}
	}
	if !ascending(d.Removed, func(id uint32) int64 { return int64(id) }) ||
		!ascending(d.Spawned, func(p ProjectileRecord) int64 { return p[ProjID] }) {
		return wrapf(ErrBase, "removed or spawned projectiles not in id order")
	}
	rm, sp := d.Removed, d.Spawned
	for _, p := range s.Projectiles {
		id := p[ProjID]
		if len(rm) > 0 && int64(rm[0]) < id {
			return wrapf(ErrBase, "removed projectile %d is not in flight", rm[0])
		}
		if len(rm) > 0 && int64(rm[0]) == id {
			rm = rm[1:]
			continue
		}
		for len(sp) > 0 && sp[0][ProjID] < id {
			sp = sp[1:]
		}
		if len(sp) > 0 && sp[0][ProjID] == id {
			continue
		}
		if a := advance(p); inSpans(a[:], projSpans[:]) >= 0 {
			return wrapf(ErrBase, "projectile %d flies out of range", id)
		}
	}
	if len(rm) > 0 {
		return wrapf(ErrBase, "removed projectile %d is not in flight", rm[0])
	}
	return nil
}

// ascending reports whether the keys of s rise strictly.
func ascending[T any](s []T, key func(T) int64) bool {
	for i := 1; i < len(s); i++ {
		if key(s[i]) <= key(s[i-1]) {
			return false
		}
	}
	return true
}

// gameEvents maps the game's event kinds to the wire's; the game may report more kinds than
// players are told about.
var gameEvents = map[game.EventKind]EventKind{
	game.EventFrag: EventFrag, game.EventRespawn: EventRespawn, game.EventMatchOver: EventMatchOver,
}

// Fill makes m the events of one game step that players are told about, reusing m's slice.
func (m *Events) Fill(events []game.Event) {
	m.List = m.List[:0]
	for _, e := range events {
		if kind, ok := gameEvents[e.Kind]; ok {
			m.List = append(m.List, Event{Kind: kind, Tick: e.Tick, A: seatOrNone(e.A), B: seatOrNone(e.B)})
		}
	}
}

// seatOrNone turns a game event's seat byte into a wire seat: the game stores "no seat" (a
// match over without a winner) as the byte of -1, which the wire spells -1.
func seatOrNone(seat uint8) int {
	if int(seat) >= game.MaxSeats {
		return -1
	}
	return int(seat)
}
