package feel

import "skirmish/game"

// steer returns the buttons that bring a ship at pos with velocity vel (world units) towards
// spot along the floor tiles, as a player would hold the arrow keys: towards the centre of the
// next tile of a shortest path, sliding along walls at corners; and whether it is there (within
// a few pixels) and all but at rest.
func steer(m *game.Map, pos, vel, spot game.Vec) (game.Buttons, bool) {
	const near, still = 4 * game.SubPixel, game.SubPixel
	if abs(pos.X-spot.X) <= near && abs(pos.Y-spot.Y) <= near {
		return brake(vel), abs(vel.X) <= still && abs(vel.Y) <= still
	}
	next := spot
	if path := route(m, tileOf(m, pos), tileOf(m, spot)); len(path) > 1 {
		next = game.TileCentre(path[0]%m.Width, path[0]/m.Width)
	}
	return towards(pos, vel, next), false
}

// towards holds the keys that move a ship at pos towards to, easing off as it gets close so
// that its speed does not carry it past.
func towards(pos, vel, to game.Vec) game.Buttons {
	var b game.Buttons
	// A ship stops within about an eighth of a second: a few ticks of its velocity.
	dx, dy := to.X-pos.X-3*vel.X, to.Y-pos.Y-3*vel.Y
	const dead = 2 * game.SubPixel
	switch {
	case dx > dead:
		b |= game.ButtonRight
	case dx < -dead:
		b |= game.ButtonLeft
	}
	switch {
	case dy > dead:
		b |= game.ButtonDown
	case dy < -dead:
		b |= game.ButtonUp
	}
	return b
}

// brake holds the keys against a ship's motion until it stops.
func brake(vel game.Vec) game.Buttons { return towards(game.Vec{}, vel, game.Vec{}) }

// tileOf returns the index of the tile that holds pos.
func tileOf(m *game.Map, pos game.Vec) int {
	const tile = game.TileSize * game.SubPixel
	return int(pos.Y/tile)*m.Width + int(pos.X/tile)
}

// route returns a shortest path of floor tiles from one tile to another, 4-connected, from
// the tile after from up to to; empty if there is none.
func route(m *game.Map, from, to int) []int {
	prev := make([]int, m.Width*m.Height)
	for i := range prev {
		prev[i] = -1
	}
	prev[from] = from
	queue := []int{from}
	for len(queue) > 0 && prev[to] < 0 {
		t := queue[0]
		queue = queue[1:]
		x, y := t%m.Width, t/m.Width
		for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
			nx, ny := x+d[0], y+d[1]
			if m.Solid(nx, ny) || prev[ny*m.Width+nx] >= 0 {
				continue
			}
			prev[ny*m.Width+nx] = t
			queue = append(queue, ny*m.Width+nx)
		}
	}
	if prev[to] < 0 {
		return nil
	}
	var path []int
	for t := to; t != from; t = prev[t] {
		path = append(path, t)
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path
}

func abs(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// px converts world units to pixels.
func px(v int32) float64 { return float64(v) / game.SubPixel }
