package game

// MoveShip applies one tick of in to a live ship: aim, velocity, then position with wall
// collision; a dead ship stays as it is. Step uses it for every ship, and clients predict
// their own ship with it, the browser through a line-by-line port that must give the same
// integers. Everything it uses (Config.ShipSpeed, Config.ShipAccel, approach, collide,
// isqrt and the Map's Walls) is integer + - * and division truncating towards zero
// (Math.trunc in JavaScript; no value exceeds 2^53). The test vectors in
// testdata/move_vectors.json pin its behaviour.
func MoveShip(m *Map, cfg Config, s *Ship, in Input) {
	if !s.Alive {
		return
	}
	if in.AimX != 0 || in.AimY != 0 {
		x, y := int64(in.AimX), int64(in.AimY)
		n := isqrt(x*x + y*y)
		s.AimX, s.AimY = int8(x*127/n), int8(y*127/n)
	}

	speed := cfg.ShipSpeed()
	var tx, ty int32
	if in.Buttons&ButtonLeft != 0 {
		tx -= speed
	}
	if in.Buttons&ButtonRight != 0 {
		tx += speed
	}
	if in.Buttons&ButtonUp != 0 {
		ty -= speed
	}
	if in.Buttons&ButtonDown != 0 {
		ty += speed
	}
	if tx != 0 && ty != 0 {
		tx, ty = tx*diagonal/256, ty*diagonal/256
	}
	accel := cfg.ShipAccel()
	s.Vel.X = approach(s.Vel.X, tx, accel)
	s.Vel.Y = approach(s.Vel.Y, ty, accel)

	// One axis at a time, so a ship slides along a wall it meets at an angle.
	s.Pos.X += s.Vel.X
	collide(m.Walls, s, true)
	s.Pos.Y += s.Vel.Y
	collide(m.Walls, s, false)
}

// approach moves v towards target by accel/256 of the gap, and onto target once that share
// rounds to nothing, so a ship always reaches its top speed and comes to a full stop.
func approach(v, target, accel int32) int32 {
	step := (target - v) * accel / 256
	if step == 0 {
		return target
	}
	return v + step
}

// collide pushes a ship that has just moved along one axis back out of every wall it now
// overlaps, against the direction of the move, and stops it on that axis. A ship never
// overlaps a wall before it moves, so the walls' order does not change the outcome.
func collide(walls []Rect, s *Ship, horizontal bool) {
	const h = ShipHalf * SubPixel
	dir := s.Vel.Y
	if horizontal {
		dir = s.Vel.X
	}
	if dir == 0 {
		return
	}
	for _, r := range walls {
		if s.Pos.X-h >= r.Max.X || s.Pos.X+h <= r.Min.X || s.Pos.Y-h >= r.Max.Y || s.Pos.Y+h <= r.Min.Y {
			continue
		}
		switch {
		case horizontal && dir > 0:
			s.Pos.X, s.Vel.X = r.Min.X-h, 0
		case horizontal:
			s.Pos.X, s.Vel.X = r.Max.X+h, 0
		case dir > 0:
			s.Pos.Y, s.Vel.Y = r.Min.Y-h, 0
		default:
			s.Pos.Y, s.Vel.Y = r.Max.Y+h, 0
		}
	}
}

// isqrt returns the integer square root of n > 0 by Newton's method, which needs only
// division and ports exactly to JavaScript for the sizes an aim can have.
func isqrt(n int64) int64 {
	x := n
	y := (x + 1) / 2
	for y < x {
		x = y
		y = (x + n/x) / 2
	}
	return x
}
