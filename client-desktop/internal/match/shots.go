package match

import (
	"math"

	"skirmish/client-desktop/internal/interp"
	"skirmish/client-desktop/internal/predict"
	"skirmish/game"
	"skirmish/game/protocol"
)

// The player's own shots are drawn in the predicted present, where the own ship is, not in
// the interpolated past where the other ships are: a shot leaves the ship the moment the
// input that fires it is made. Shots of inputs the server has not applied come from the
// predictor; the server's records of the others, from the newest snapshot, are carried on by
// as many ticks as the prediction runs ahead of it. Both fly straight, so a predicted shot
// and the server's record of it are drawn at the same spot and the swap cannot be seen. A
// shot stops at the first wall on its way (game.Map.Flight), and at the first ship it meets
// on the screen, before the server says so a round trip later.

// spentLen is how many own shots seen hitting a ship are remembered, far more than fly at once.
const spentLen = 16

// ownShots replaces the own shots in v, which the interpolation placed in the past, with the
// own shots in the predicted present.
func (m *Model) ownShots(v *interp.View) {
	seat := uint8(m.Welcome.Seat)
	kept := v.Projectiles[:0]
	for _, p := range v.Projectiles {
		if p.Owner != seat {
			kept = append(kept, p)
		}
	}
	v.Projectiles = kept

	// The predicted ship is the newest snapshot's plus the pending inputs: that many ticks
	// ahead of it.
	ahead := float64(m.pred.Pending())
	for i := range m.newest.Projectiles {
		rec := &m.newest.Projectiles[i]
		if uint8(rec[protocol.ProjOwner]) != seat {
			continue
		}
		p := rec.Projectile()
		m.placeShot(v, p, m.Map.Flight(p), ahead)
	}
	newest := m.pred.Newest()
	for _, s := range m.pred.Shots() {
		// A predicted shot is where it was before the tick that fired it: one tick further.
		m.placeShot(v, shotOf(s, seat), s.Flight, float64(newest-s.Seq)+1)
	}
}

// shotOf returns a predicted shot as a projectile of the player in seat.
func shotOf(s predict.Shot, seat uint8) game.Projectile {
	p := s.P
	p.Seq, p.Owner = s.Seq, seat
	return p
}

// placeShot adds p to v as it is age ticks after its record, unless it has met a wall by then
// (it flies flight more ticks) or a ship drawn in v.
func (m *Model) placeShot(v *interp.View, p game.Projectile, flight int, age float64) {
	if age < 0 || age >= float64(flight+1) || m.isSpent(p.Seq) {
		return
	}
	x := (float64(p.Pos.X) + float64(p.Vel.X)*age) / game.SubPixel
	y := (float64(p.Pos.Y) + float64(p.Vel.Y)*age) / game.SubPixel
	for _, s := range v.Ships {
		if s.Seat != int(p.Owner) && s.Active && s.Alive && math.Hypot(s.X-x, s.Y-y) < game.HitRadius {
			m.spend(p.Seq)
			return
		}
	}
	v.Projectiles = append(v.Projectiles, interp.Projectile{ID: p.ID, Owner: p.Owner, Seq: p.Seq, X: x, Y: y})
}

// spend remembers that the own shot fired by input seq met a ship on the screen, so that the
// server's record of it is not drawn flying on until the server reports the hit. Shots no
// input of ours fired (seq 0) cannot be told apart and are not remembered.
func (m *Model) spend(seq uint32) {
	if seq == 0 {
		return
	}
	if len(m.spent) == spentLen {
		m.spent = append(m.spent[:0], m.spent[1:]...)
	}
	m.spent = append(m.spent, seq)
}

func (m *Model) isSpent(seq uint32) bool {
	for _, s := range m.spent {
		if s == seq && seq != 0 {
			return true
		}
	}
	return false
}
