package game

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"skirmish/assets"
)

func TestParseMapErrors(t *testing.T) {
	spawns := "#SSSSSSSS#\n"
	tests := []struct {
		name, text, want string
	}{
		{"empty", "", "0 rows"},
		{"only comments", "; nothing\n; here\n", "0 rows"},
		{"ragged row", "; c\n##########\n" + spawns + "#.....#\n##########\n", "line 4: 7 columns, want 10"},
		{"unknown tile", "##########\n" + spawns + "#...x....#\n##########\n", `line 3, column 5: unknown tile 'x'`},
		{"open border", "##########\n" + spawns + ".........#\n##########\n", "line 3, column 1: the border must be wall"},
		{"spawn on the border", "##########\n" + spawns + "#........#\n#####S####\n", "line 4, column 6: the border must be wall"},
		{"too few spawns", "##########\n#SSS.....#\n##########\n", "3 spawn points, want at least 8"},
		{"comment inside the grid", "##########\n" + spawns + "; late\n##########\n", "line 3: 6 columns"},
		{"too narrow", "##\n##\n##\n", "2 columns, want 3..256"},
		{"too wide", strings.Repeat("#", 300) + "\n" + strings.Repeat("#", 300) + "\n" + strings.Repeat("#", 300) + "\n", "300 columns, want 3..256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMap("bad", []byte(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), `map "bad"`) {
				t.Errorf("error %v, want one naming the map and containing %q", err, tt.want)
			}
		})
	}
}

func TestParseMap(t *testing.T) {
	m := mustMap(t, "box", strings.ReplaceAll(box, "\n", "\r\n")+"\r\n\r\n")
	if m.Width != 12 || m.Height != 9 || len(m.Spawns) != 8 {
		t.Fatalf("box is %dx%d with %d spawns, want 12x9 with 8", m.Width, m.Height, len(m.Spawns))
	}
	if m.Spawns[0] != TileCentre(1, 1) || m.Spawns[len(m.Spawns)-1] != TileCentre(10, 7) {
		t.Errorf("spawns %v, want row-major from tile (1,1) to (10,7)", m.Spawns)
	}
	// The border is four rectangles and the middle block one.
	if len(m.Walls) != 5 {
		t.Errorf("%d wall rectangles %v, want 5", len(m.Walls), m.Walls)
	}
}

// TestShippedMaps checks every embedded map and that its wall rectangles cover exactly its
// wall tiles, once each.
func TestShippedMaps(t *testing.T) {
	names := MapNames()
	if len(names) < 2 || !slices.IsSorted(names) {
		t.Fatalf("maps %v, want at least two, sorted", names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			m, err := LoadMap(name)
			if err != nil {
				t.Fatal(err)
			}
			const tile = TileSize * SubPixel
			for ty := range m.Height {
				for tx := range m.Width {
					covered := 0
					for _, r := range m.Walls {
						c := TileCentre(tx, ty)
						if c.X >= r.Min.X && c.X < r.Max.X && c.Y >= r.Min.Y && c.Y < r.Max.Y {
							covered++
						}
					}
					if want := map[bool]int{true: 1, false: 0}[m.Solid(tx, ty)]; covered != want {
						t.Fatalf("tile (%d,%d) covered by %d rectangles, want %d", tx, ty, covered, want)
					}
				}
			}
			for _, r := range m.Walls {
				if r.Min.X%tile != 0 || r.Max.Y%tile != 0 || r.Min.X >= r.Max.X || r.Min.Y >= r.Max.Y {
					t.Errorf("wall %v is not a whole number of tiles", r)
				}
			}
			if open := reachable(m, m.Spawns[0]); open != floorTiles(m) {
				t.Errorf("%d floor tiles, but only %d reachable from the first spawn", floorTiles(m), open)
			}
			if len(m.Walls) > m.Width*m.Height/10 {
				t.Errorf("%d wall rectangles: merging is not doing its job", len(m.Walls))
			}
		})
	}
}

func TestLoadMapUnknown(t *testing.T) {
	_, err := LoadMap("nowhere")
	if !errors.Is(err, assets.ErrNotFound) || !strings.Contains(err.Error(), "arena, pillars") {
		t.Errorf("error %v, want ErrNotFound listing the maps", err)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := DefaultConfig(4, 30)
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"default", func(*Config) {}, ""},
		{"one seat", func(c *Config) { c.Seats = 1 }, "seats 1 not in 2..8"},
		{"nine seats", func(c *Config) { c.Seats = 9 }, "seats 9 not in 2..8"},
		{"slow ticks", func(c *Config) { c.TickRate = 9 }, "tick rate 9 not in 10..128"},
		{"fast ticks", func(c *Config) { c.TickRate = 129 }, "tick rate 129 not in 10..128"},
		{"no frag limit", func(c *Config) { c.FragLimit = 0 }, "frag limit 0"},
		{"negative time", func(c *Config) { c.TimeLimit = -1 }, "negative time limit"},
		{"no time limit", func(c *Config) { c.TimeLimit = 0 }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.change(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tt.want != "" && (err == nil || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want ErrConfig with %q", err, tt.want)
			}
		})
	}
}

func floorTiles(m *Map) int {
	n := 0
	for ty := range m.Height {
		for tx := range m.Width {
			if !m.Solid(tx, ty) {
				n++
			}
		}
	}
	return n
}

// reachable counts the floor tiles a bot's path search reaches from p.
func reachable(m *Map, p Vec) int {
	var pf pathfinder
	pf.fillDistances(m, int(p.X)/(TileSize*SubPixel), int(p.Y)/(TileSize*SubPixel))
	n := 0
	for _, d := range pf.dist {
		if d >= 0 {
			n++
		}
	}
	return n
}

// FuzzParseMap checks that any text either fails with an error or gives a map whose walls
// cover exactly its solid tiles and whose spawns stand on floor.
func FuzzParseMap(f *testing.F) {
	for _, name := range assets.MapNames() {
		text, err := assets.Map(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(text)
	}
	f.Add([]byte(box))
	f.Add([]byte(long))
	f.Fuzz(func(t *testing.T, text []byte) {
		m, err := ParseMap("fuzz", text)
		if err != nil {
			return
		}
		area := 0
		for _, r := range m.Walls {
			area += int((r.Max.X - r.Min.X) / (TileSize * SubPixel) * (r.Max.Y - r.Min.Y) / (TileSize * SubPixel))
			for y := r.Min.Y; y < r.Max.Y; y += TileSize * SubPixel {
				for x := r.Min.X; x < r.Max.X; x += TileSize * SubPixel {
					if !m.WallAt(Vec{x, y}) {
						t.Fatalf("wall rectangle %v covers floor at %v", r, Vec{x, y})
					}
				}
			}
		}
		if solid := m.Width*m.Height - floorTiles(m); area != solid {
			t.Fatalf("wall rectangles cover %d tiles, the map has %d", area, solid)
		}
		for _, sp := range m.Spawns {
			if m.WallAt(sp) {
				t.Fatalf("spawn %v in a wall", sp)
			}
		}
	})
}
