package game

// pathfinder leads a ship along the shortest way through a map's open tiles to a goal. It
// keeps its distance field between calls and searches again only when the goal changes tile.
type pathfinder struct {
	// dist holds each tile's path length to the goal tile, -1 for walls and unreached tiles.
	dist  []int32
	queue []int32
	goal  int32
	m     *Map
}

// next returns the offset from pos to the centre of the neighbouring tile that is one step
// closer to goal.
func (p *pathfinder) next(m *Map, pos, goal Vec) (int32, int32) {
	const tile = TileSize * SubPixel
	gx, gy := int(goal.X)/tile, int(goal.Y)/tile
	if p.m != m || p.goal != int32(gy*m.Width+gx) {
		p.fillDistances(m, gx, gy)
	}
	tx, ty := int(pos.X)/tile, int(pos.Y)/tile
	bx, by, best := tx, ty, p.dist[ty*m.Width+tx]
	for _, d := range [8][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {1, 1}, {1, -1}, {-1, 1}, {-1, -1}} {
		nx, ny := tx+d[0], ty+d[1]
		// Diagonal steps only where both orthogonal tiles are open, so the ship clears the corner.
		if m.Solid(nx, ny) || m.Solid(nx, ty) || m.Solid(tx, ny) {
			continue
		}
		if v := p.dist[ny*m.Width+nx]; v >= 0 && (best < 0 || v < best) {
			bx, by, best = nx, ny, v
		}
	}
	c := TileCentre(bx, by)
	return c.X - pos.X, c.Y - pos.Y
}

// fillDistances runs a breadth-first search over the open tiles from (gx, gy). An open
// tile's four neighbours are always on the map, whose border is wall.
func (p *pathfinder) fillDistances(m *Map, gx, gy int) {
	n := m.Width * m.Height
	if len(p.dist) != n {
		p.dist, p.queue = make([]int32, n), make([]int32, 0, n)
	}
	for i := range p.dist {
		p.dist[i] = -1
	}
	p.m, p.goal = m, int32(gy*m.Width+gx)
	q := p.queue[:0]
	if !m.Solid(gx, gy) {
		p.dist[p.goal] = 0
		q = append(q, p.goal)
	}
	steps := [4]int32{1, -1, int32(m.Width), -int32(m.Width)}
	for head := 0; head < len(q); head++ {
		i := q[head]
		for _, d := range steps {
			j := i + d
			if m.solid[j] || p.dist[j] >= 0 {
				continue
			}
			p.dist[j] = p.dist[i] + 1
			q = append(q, j)
		}
	}
	p.queue = q
}
