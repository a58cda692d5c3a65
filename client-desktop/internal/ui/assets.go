package ui

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/png" // the sprites are PNG
	"math"
	"strconv"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"

	"skirmish/assets"
)

// art holds everything decoded from the assets: sprites, font faces and colours.
type art struct {
	ships      [8]*ebiten.Image
	whites     [8]*ebiten.Image // the ships as white silhouettes, for hit flashes
	glow       *ebiten.Image    // a soft white disc for blasts and muzzle flashes
	projectile *ebiten.Image
	floor      *ebiten.Image
	wall       *ebiten.Image

	small, normal, big *text.GoTextFace // the lobby's
	roomy, compact     faces            // the match screen's, for large and small windows

	seats                     [8]color.RGBA
	background, floorC, wallC color.RGBA
	textC, dim, warn, accent  color.RGBA
	panel, line, ownRow       color.RGBA
	warnBg                    color.RGBA
}

func loadArt() (*art, error) {
	a := &art{}
	var err error
	for i := range a.ships {
		img, err := decode(fmt.Sprintf("ship%d", i))
		if err != nil {
			return nil, err
		}
		a.ships[i], a.whites[i] = ebiten.NewImageFromImage(img), ebiten.NewImageFromImage(silhouette(img))
	}
	a.glow = glow(64)
	if a.projectile, err = sprite("projectile"); err != nil {
		return nil, err
	}
	if a.floor, err = sprite("floor"); err != nil {
		return nil, err
	}
	if a.wall, err = sprite("wall"); err != nil {
		return nil, err
	}
	src, err := text.NewGoTextFaceSource(bytes.NewReader(assets.FontTTF))
	if err != nil {
		return nil, fmt.Errorf("load font: %w", err)
	}
	a.small = &text.GoTextFace{Source: src, Size: 16}
	a.normal = &text.GoTextFace{Source: src, Size: 22}
	a.big = &text.GoTextFace{Source: src, Size: 56}
	a.roomy = faces{small: a.small, normal: a.normal, big: &text.GoTextFace{Source: src, Size: 48}}
	a.compact = faces{small: &text.GoTextFace{Source: src, Size: 13}, normal: &text.GoTextFace{Source: src, Size: 16},
		big: &text.GoTextFace{Source: src, Size: 32}}

	p := assets.Colors
	for i, c := range p.Seats {
		a.seats[i] = hexColor(c)
	}
	a.background, a.floorC, a.wallC, a.textC = hexColor(p.Background), hexColor(p.Floor), hexColor(p.Wall), hexColor(p.Text)
	a.dim = color.RGBA{0x8a, 0x94, 0xa8, 0xff}
	a.warn = color.RGBA{0xff, 0x6b, 0x5e, 0xff}
	a.accent = color.RGBA{0x3c, 0xb4, 0xff, 0xff}
	// The web page's panel, line and highlight colours (client-web/static/skirmish.css).
	a.panel = color.RGBA{0x1b, 0x21, 0x30, 0xff}
	a.line = color.RGBA{0x2c, 0x35, 0x47, 0xff}
	a.ownRow = color.RGBA{0x17, 0x33, 0x4b, 0xff}
	a.warnBg = color.RGBA{0x3a, 0x1d, 0x12, 0xff}
	return a, nil
}

func sprite(name string) (*ebiten.Image, error) {
	img, err := decode(name)
	if err != nil {
		return nil, err
	}
	return ebiten.NewImageFromImage(img), nil
}

func decode(name string) (image.Image, error) {
	data, err := assets.Sprite(name)
	if err != nil {
		return nil, err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode sprite %s: %w", name, err)
	}
	return img, nil
}

// silhouette returns img in white, keeping its shape.
func silhouette(img image.Image) image.Image {
	b := img.Bounds()
	w := image.NewAlpha(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			_, _, _, al := img.At(x, y).RGBA()
			w.SetAlpha(x, y, color.Alpha{uint8(al >> 8)})
		}
	}
	return w
}

// glow returns a size x size white disc that fades from its centre to its edge.
func glow(size int) *ebiten.Image {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	r := float64(size) / 2
	for y := range size {
		for x := range size {
			d := math.Hypot(float64(x)+0.5-r, float64(y)+0.5-r) / r
			v := uint8(255 * math.Pow(math.Max(0, 1-d), 1.5))
			img.SetRGBA(x, y, color.RGBA{v, v, v, v})
		}
	}
	return ebiten.NewImageFromImage(img)
}

// hexColor parses "#rrggbb"; the palette is the project's own file, so a bad entry shows
// as magenta rather than stopping the client.
func hexColor(s string) color.RGBA {
	if len(s) == 7 && s[0] == '#' {
		if v, err := strconv.ParseUint(s[1:], 16, 32); err == nil {
			return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
		}
	}
	return color.RGBA{0xff, 0, 0xff, 0xff}
}
