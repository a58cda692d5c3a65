// Command gensprites draws Skirmish's sprites from the colour palette and writes them as PNG
// files. It runs through `go generate ./assets`; its output is committed so that builds need
// no generation step.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
)

// palette mirrors the fields of assets/palette.json the sprites use.
type palette struct {
	Seats []string `json:"seats"`
	Floor string   `json:"floor"`
	Wall  string   `json:"wall"`
}

// samples is the supersampling grid per pixel edge that smooths the shapes' edges.
const samples = 4

func main() {
	palettePath := flag.String("palette", "palette.json", "palette file to read")
	out := flag.String("out", "sprites", "directory to write the PNG files to")
	flag.Parse()
	if err := run(*palettePath, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gensprites:", err)
		os.Exit(1)
	}
}

func run(palettePath, out string) error {
	data, err := os.ReadFile(palettePath)
	if err != nil {
		return err
	}
	var p palette
	if err := json.Unmarshal(data, &p); err != nil {
		return fmt.Errorf("parse %s: %w", palettePath, err)
	}
	sprites := map[string]image.Image{}
	for i, hex := range p.Seats {
		c, err := parseHex(hex)
		if err != nil {
			return fmt.Errorf("seat %d: %w", i, err)
		}
		sprites["ship"+strconv.Itoa(i)] = ship(c)
	}
	wall, err := parseHex(p.Wall)
	if err != nil {
		return fmt.Errorf("wall: %w", err)
	}
	floor, err := parseHex(p.Floor)
	if err != nil {
		return fmt.Errorf("floor: %w", err)
	}
	sprites["wall"] = wallTile(wall)
	sprites["floor"] = floorTile(floor)
	sprites["projectile"] = projectile()
	for name, img := range sprites {
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return fmt.Errorf("encode %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(out, name+".png"), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func parseHex(s string) (color.NRGBA, error) {
	v, err := strconv.ParseUint(s[min(1, len(s)):], 16, 32)
	if err != nil || len(s) != 7 || s[0] != '#' {
		return color.NRGBA{}, fmt.Errorf("colour %q is not #rrggbb", s)
	}
	return color.NRGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}, nil
}

// shade scales a colour's brightness by f (above 1 lightens towards white).
func shade(c color.NRGBA, f float64) color.NRGBA {
	ch := func(v uint8) uint8 {
		x := float64(v) * f
		if f > 1 {
			x = float64(v) + (255-float64(v))*(f-1)
		}
		return uint8(min(255, max(0, x)))
	}
	return color.NRGBA{ch(c.R), ch(c.G), ch(c.B), c.A}
}

// paint draws a size x size image whose colour at each point comes from fn (in pixel
// coordinates, nil for transparent), averaging samples x samples points per pixel.
func paint(size int, fn func(x, y float64) *color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for py := range size {
		for px := range size {
			var r, g, b, a float64
			for sy := range samples {
				for sx := range samples {
					c := fn(float64(px)+(float64(sx)+0.5)/samples, float64(py)+(float64(sy)+0.5)/samples)
					if c == nil {
						continue
					}
					al := float64(c.A) / 255
					r, g, b, a = r+float64(c.R)*al, g+float64(c.G)*al, b+float64(c.B)*al, a+al
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{uint8(r / a), uint8(g / a), uint8(b / a), uint8(a / samples / samples * 255)})
		}
	}
	return img
}

// inTriangle reports whether (x, y) lies inside the triangle a, b, c.
func inTriangle(x, y float64, a, b, c [2]float64) bool {
	side := func(p, q [2]float64) float64 { return (q[0]-p[0])*(y-p[1]) - (q[1]-p[1])*(x-p[0]) }
	d1, d2, d3 := side(a, b), side(b, c), side(c, a)
	neg := d1 < 0 || d2 < 0 || d3 < 0
	pos := d1 > 0 || d2 > 0 || d3 > 0
	return !(neg && pos)
}

// shipSize is the edge of a ship sprite: twice what the clients usually draw, so a ship stays
// crisp when the arena is scaled up.
const shipSize = 64

// ship is an arrowhead pointing right, lit from the top left: a dark rim, a body in the seat
// colour that shades off towards the back and the lower side, a light spine, a glowing cockpit
// and two warm engine vents at the tail.
func ship(c color.NRGBA) image.Image {
	const k = shipSize / 32.0
	pt := func(x, y float64) [2]float64 { return [2]float64{x * k, y * k} }
	nose, tailTop, tailBottom, notch := pt(30.5, 16), pt(3, 2.5), pt(3, 29.5), pt(10, 16)
	inner := func(p [2]float64) [2]float64 {
		return [2]float64{p[0] + (16*k-p[0])*0.16, p[1] + (16*k-p[1])*0.16}
	}
	rim := shade(c, 0.35)
	vent := color.NRGBA{255, 190, 110, 255}
	return paint(shipSize, func(x, y float64) *color.NRGBA {
		if !inTriangle(x, y, nose, tailTop, notch) && !inTriangle(x, y, nose, notch, tailBottom) {
			return nil
		}
		u, v := x/k, y/k // in the 32 px design grid
		// The cockpit: a bright lens with a white glint.
		if d := (u-19.5)*(u-19.5)/6.5 + (v-16)*(v-16)/2.6; d < 1 {
			if (u-20.3)*(u-20.3)+(v-15.3)*(v-15.3) < 0.6 {
				return &color.NRGBA{255, 255, 255, 255}
			}
			g := shade(c, 1.75-0.35*d)
			return &g
		}
		if !inTriangle(x, y, inner(nose), inner(tailTop), inner(notch)) && !inTriangle(x, y, inner(nose), inner(notch), inner(tailBottom)) {
			// The rim catches the light along the upper edge.
			if v < 16 && u > 6 {
				r := shade(c, 0.6)
				return &r
			}
			return &rim
		}
		// Engine vents by the notch.
		if u < 9.5 && u > 6 && (math.Abs(v-11.2) < 1.3 || math.Abs(v-20.8) < 1.3) {
			return &vent
		}
		// The spine: a light ridge from the cockpit back to the notch.
		if math.Abs(v-16) < 0.9 && u > 10 && u < 17 {
			sp := shade(c, 1.35)
			return &sp
		}
		// The body: full colour up front and on the lit side, deeper to the back and below.
		f := 1.12 - 0.28*(30-u)/27 - 0.18*(v-16)/14
		body := shade(c, math.Min(1.12, f))
		if f > 1 {
			body = shade(c, 1+(f-1)*0.8)
		}
		return &body
	})
}

// projectile is an 8x8 white-hot round shot with a soft edge.
func projectile() image.Image {
	return paint(8, func(x, y float64) *color.NRGBA {
		d := (x-4)*(x-4) + (y-4)*(y-4)
		switch {
		case d < 2.5:
			return &color.NRGBA{255, 255, 255, 255}
		case d < 9:
			return &color.NRGBA{255, 240, 180, 255}
		case d < 16:
			return &color.NRGBA{255, 200, 120, 110}
		}
		return nil
	})
}

// wallTile is a 32x32 raised block lit from the top left: a bright top and left edge, a face
// that darkens downwards, a shadowed bottom and right edge, and a recessed panel.
func wallTile(c color.NRGBA) image.Image {
	edge, light, dark := shade(c, 1.7), shade(c, 1.3), shade(c, 0.5)
	return paint(32, func(x, y float64) *color.NRGBA {
		switch {
		case y < 1.5 || x < 1.5:
			return &edge
		case y < 3.5 || x < 3.5:
			return &light
		case x > 29.5 || y > 29.5:
			return &dark
		}
		f := 1.08 - 0.22*y/32
		if x > 8 && x < 24 && y > 8 && y < 24 {
			// The panel is set in: shadow on its upper left edge, light on its lower right.
			switch {
			case x < 9.5 || y < 9.5:
				f = 0.72
			case x > 22.5 || y > 22.5:
				f = 1.25
			default:
				f -= 0.08
			}
		}
		face := shade(c, f)
		return &face
	})
}

// floorTile is a 32x32 metal plate: a faint grain, a slight hollow towards the middle, a lit
// top and left seam and a dark bottom and right one, so the floor reads as plates with depth.
func floorTile(c color.NRGBA) image.Image {
	seamLight, seamDark := shade(c, 1.3), shade(c, 0.7)
	return paint(32, func(x, y float64) *color.NRGBA {
		switch {
		case x < 1 || y < 1:
			return &seamLight
		case x > 31 || y > 31:
			return &seamDark
		}
		// Rivets in the corners.
		for _, r := range [][2]float64{{4, 4}, {28, 4}, {4, 28}, {28, 28}} {
			if (x-r[0])*(x-r[0])+(y-r[1])*(y-r[1]) < 1.3 {
				rv := shade(c, 1.45)
				return &rv
			}
		}
		d := math.Hypot(x-16, y-16) / 22
		f := 1.04 - 0.08*(1-d) + 0.035*grain(int(x), int(y))
		p := shade(c, f)
		return &p
	})
}

// grain is a fixed pseudo-random value in [-1, 1] for a pixel, for the floor's texture.
func grain(x, y int) float64 {
	h := uint32(x)*73856093 ^ uint32(y)*19349663
	h ^= h >> 13
	h *= 0x5bd1e995
	h ^= h >> 15
	return float64(h%2001)/1000 - 1
}
