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

// ship is a 32x32 arrowhead pointing right: a dark rim, the seat colour, a light cockpit.
func ship(c color.NRGBA) image.Image {
	rim, body, cockpit := shade(c, 0.45), c, shade(c, 1.6)
	nose, tailTop, tailBottom, notch := [2]float64{30, 16}, [2]float64{3, 3}, [2]float64{3, 29}, [2]float64{10, 16}
	inner := func(p [2]float64) [2]float64 { return [2]float64{p[0] + (16-p[0])*0.22, p[1] + (16-p[1])*0.22} }
	return paint(32, func(x, y float64) *color.NRGBA {
		outer := inTriangle(x, y, nose, tailTop, notch) || inTriangle(x, y, nose, notch, tailBottom)
		if !outer {
			return nil
		}
		if (x-19)*(x-19)+(y-16)*(y-16) < 9 {
			return &cockpit
		}
		if inTriangle(x, y, inner(nose), inner(tailTop), inner(notch)) || inTriangle(x, y, inner(nose), inner(notch), inner(tailBottom)) {
			return &body
		}
		return &rim
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

// wallTile is a 32x32 bevelled block: lit top-left edges, shadowed bottom-right edges.
func wallTile(c color.NRGBA) image.Image {
	light, dark, face := shade(c, 1.35), shade(c, 0.6), c
	return paint(32, func(x, y float64) *color.NRGBA {
		switch {
		case x < 3 || y < 3:
			return &light
		case x > 29 || y > 29:
			return &dark
		case int(x+y)%8 == 0:
			return &color.NRGBA{dark.R, dark.G, dark.B, 255}
		}
		return &face
	})
}

// floorTile is a 32x32 plate with a faint seam along two edges, so the floor reads as a grid.
func floorTile(c color.NRGBA) image.Image {
	seam := shade(c, 1.25)
	return paint(32, func(x, y float64) *color.NRGBA {
		if x < 1 || y < 1 {
			return &seam
		}
		return &c
	})
}
