package game

import (
	"bytes"
	"fmt"
	"sync"

	"skirmish/assets"
)

// The tile characters of a map file; assets/maps/README.md documents the format.
const (
	tileWall  = '#'
	tileFloor = '.'
	tileSpawn = 'S'
)

// The size limits of a map, in tiles.
const (
	minMapSize = 3
	maxMapSize = 256
)

// Rect is an axis-aligned rectangle in world units; Min is inside, Max is not.
type Rect struct{ Min, Max Vec }

// Map is the immutable layout of an arena. Worlds and clients share one Map.
type Map struct {
	Name          string
	Width, Height int    // in tiles
	Walls         []Rect // the wall tiles merged into few rectangles, in row-major order of their top-left tile
	Spawns        []Vec  // tile centres where ships appear, row-major
	solid         []bool // one per tile, row-major, for point tests
}

// Solid reports whether the tile at column tx, row ty is a wall; tiles off the map are.
func (m *Map) Solid(tx, ty int) bool {
	if tx < 0 || ty < 0 || tx >= m.Width || ty >= m.Height {
		return true
	}
	return m.solid[ty*m.Width+tx]
}

// WallAt reports whether the point p, in world units, lies in a wall.
func (m *Map) WallAt(p Vec) bool {
	if p.X < 0 || p.Y < 0 {
		return true
	}
	return m.Solid(int(p.X)/(TileSize*SubPixel), int(p.Y)/(TileSize*SubPixel))
}

// TileCentre returns the centre of the tile at column tx, row ty in world units.
func TileCentre(tx, ty int) Vec {
	const tile = TileSize * SubPixel
	return Vec{int32(tx*tile + tile/2), int32(ty*tile + tile/2)}
}

// ParseMap reads a map file: optional leading comment lines starting with ';', then one line
// per row of tiles, '#' wall, '.' floor, 'S' floor with a spawn point. All rows are equally
// long, the border is wall, and there are at least MaxSeats spawns. Errors name the line.
func ParseMap(name string, text []byte) (*Map, error) {
	lines := bytes.Split(text, []byte("\n"))
	for i := range lines {
		lines[i] = bytes.TrimSuffix(lines[i], []byte("\r"))
	}
	first := 0
	for first < len(lines) && bytes.HasPrefix(lines[first], []byte(";")) {
		first++
	}
	last := len(lines)
	for last > first && len(lines[last-1]) == 0 {
		last--
	}
	rows := lines[first:last]
	if len(rows) < minMapSize || len(rows) > maxMapSize {
		return nil, fmt.Errorf("map %q: %d rows, want %d..%d", name, len(rows), minMapSize, maxMapSize)
	}
	m := &Map{Name: name, Width: len(rows[0]), Height: len(rows)}
	if m.Width < minMapSize || m.Width > maxMapSize {
		return nil, fmt.Errorf("map %q: line %d: %d columns, want %d..%d", name, first+1, m.Width, minMapSize, maxMapSize)
	}
	m.solid = make([]bool, m.Width*m.Height)
	for y, row := range rows {
		line := first + y + 1
		if len(row) != m.Width {
			return nil, fmt.Errorf("map %q: line %d: %d columns, want %d like the first row", name, line, len(row), m.Width)
		}
		for x, c := range row {
			border := x == 0 || y == 0 || x == m.Width-1 || y == m.Height-1
			switch {
			case c == tileWall:
				m.solid[y*m.Width+x] = true
			case c != tileFloor && c != tileSpawn:
				return nil, fmt.Errorf("map %q: line %d, column %d: unknown tile %q (want '#', '.' or 'S')", name, line, x+1, c)
			case border:
				return nil, fmt.Errorf("map %q: line %d, column %d: the border must be wall '#'", name, line, x+1)
			case c == tileSpawn:
				m.Spawns = append(m.Spawns, TileCentre(x, y))
			}
		}
	}
	if len(m.Spawns) < MaxSeats {
		return nil, fmt.Errorf("map %q: %d spawn points, want at least %d", name, len(m.Spawns), MaxSeats)
	}
	m.Walls = mergeWalls(m.solid, m.Width, m.Height)
	return m, nil
}

// mergeWalls covers the solid tiles with rectangles: runs of wall along each row, then runs of
// equal width stacked on the rows below merged into one. Any cover of the same tiles gives the
// same collisions; merging only keeps the list short.
func mergeWalls(solid []bool, width, height int) []Rect {
	var tiles []Rect // in tiles until the final scaling
	for y := range height {
		for x := 0; x < width; {
			if !solid[y*width+x] {
				x++
				continue
			}
			x0 := x
			for x < width && solid[y*width+x] {
				x++
			}
			merged := false
			for i := range tiles {
				r := &tiles[i]
				if r.Min.X == int32(x0) && r.Max.X == int32(x) && r.Max.Y == int32(y) {
					r.Max.Y++
					merged = true
					break
				}
			}
			if !merged {
				tiles = append(tiles, Rect{Vec{int32(x0), int32(y)}, Vec{int32(x), int32(y + 1)}})
			}
		}
	}
	const tile = TileSize * SubPixel
	for i := range tiles {
		r := &tiles[i]
		r.Min.X, r.Min.Y, r.Max.X, r.Max.Y = r.Min.X*tile, r.Min.Y*tile, r.Max.X*tile, r.Max.Y*tile
	}
	return tiles
}

// LoadMap returns the map called name from the embedded assets, parsed once: a Map is
// immutable, so every world on it shares one (a server of a thousand rooms keeps a few maps,
// not a thousand).
func LoadMap(name string) (*Map, error) {
	if m, ok := loadedMaps.Load(name); ok {
		return m.(*Map), nil
	}
	text, err := assets.Map(name)
	if err != nil {
		return nil, err
	}
	m, err := ParseMap(name, text)
	if err != nil {
		return nil, err
	}
	shared, _ := loadedMaps.LoadOrStore(name, m)
	return shared.(*Map), nil
}

// loadedMaps holds the maps LoadMap parsed, by name; the assets bound how many.
var loadedMaps sync.Map

// MapNames lists the maps LoadMap knows, sorted.
func MapNames() []string { return assets.MapNames() }
