package ui

import (
	"fmt"
	"image/color"
	"math"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"skirmish/client-desktop/internal/interp"
	"skirmish/game"
)

// arenaImage is a map's floor and walls, drawn once, and where it sits on the screen.
type arenaImage struct {
	m      *game.Map
	img    *ebiten.Image
	scale  float64 // screen pixels per world pixel
	ox, oy float64 // the screen position of the map's top-left corner
}

func newArenaImage(m *game.Map, a *art) *arenaImage {
	w, h := m.Width*game.TileSize, m.Height*game.TileSize
	img := ebiten.NewImage(w, h)
	for ty := range m.Height {
		for tx := range m.Width {
			tile := a.floor
			if m.Solid(tx, ty) {
				tile = a.wall
			}
			op := &ebiten.DrawImageOptions{}
			op.GeoM.Translate(float64(tx*game.TileSize), float64(ty*game.TileSize))
			img.DrawImage(tile, op)
		}
	}
	return &arenaImage{m: m, img: img}
}

// place scales the map to fill the layout's arena area and centres it there.
func (a *arenaImage) place(l matchLayout) {
	w, h := float64(a.m.Width*game.TileSize), float64(a.m.Height*game.TileSize)
	a.scale = min(l.aw/w, l.ah/h)
	a.ox = l.ax + (l.aw-w*a.scale)/2
	a.oy = l.ay + (l.ah-h*a.scale)/2
}

// toScreen maps a world position in pixels to the screen.
func (a *arenaImage) toScreen(x, y float64) (float64, float64) {
	return a.ox + x*a.scale, a.oy + y*a.scale
}

// toWorld maps a screen position to the world, in pixels.
func (a *arenaImage) toWorld(x, y float64) (float64, float64) {
	return (x - a.ox) / a.scale, (y - a.oy) / a.scale
}

// drawArena paints the map, the shots and the ships as the model places them at now.
func (g *Game) drawArena(dst *ebiten.Image, l matchLayout, now time.Time) bool {
	m := g.model
	if m.Map == nil {
		return false
	}
	if g.arena == nil || g.arena.m != m.Map {
		g.arena = newArenaImage(m.Map, g.art)
	}
	ar := g.arena
	ar.place(l)
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Scale(ar.scale, ar.scale)
	op.GeoM.Translate(ar.ox, ar.oy)
	dst.DrawImage(ar.img, op)

	if !m.Sample(now, &g.view) {
		return false
	}
	for _, p := range g.view.Projectiles {
		g.drawProjectile(dst, p)
	}
	for _, s := range g.view.Ships {
		if s.Active && s.Alive {
			g.drawShip(dst, s, s.Seat == m.Welcome.Seat)
		}
	}
	for _, s := range g.view.Ships {
		if s.Active && s.Alive {
			g.drawLabel(dst, l, s)
		}
	}
	return true
}

func (g *Game) drawProjectile(dst *ebiten.Image, p interp.Projectile) {
	ar, img := g.arena, g.art.projectile
	b := img.Bounds()
	x, y := ar.toScreen(p.X, p.Y)
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Translate(-float64(b.Dx())/2, -float64(b.Dy())/2)
	op.GeoM.Scale(ar.scale*1.5, ar.scale*1.5)
	op.GeoM.Translate(x, y)
	op.ColorScale.ScaleWithColor(g.art.seats[int(p.Owner)%len(g.art.seats)])
	dst.DrawImage(img, op)
}

// shipDrawSize is the edge, in world pixels, at which ships are drawn: larger than their
// collision square so they read at a glance.
const shipDrawSize = 40

// shipScale is the factor from a ship sprite to its size on the screen.
func (g *Game) shipScale(img *ebiten.Image) float64 {
	return shipDrawSize * g.arena.scale / float64(img.Bounds().Dx())
}

func (g *Game) drawShip(dst *ebiten.Image, s interp.Ship, own bool) {
	ar := g.arena
	img := g.art.ships[s.Seat%len(g.art.ships)]
	b := img.Bounds()
	x, y := ar.toScreen(s.X, s.Y)
	k := g.shipScale(img)
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Translate(-float64(b.Dx())/2, -float64(b.Dy())/2)
	op.GeoM.Rotate(math.Atan2(s.AimY, s.AimX)) // the sprites point along +x
	op.GeoM.Scale(k, k)
	op.GeoM.Translate(x, y)
	op.Filter = ebiten.FilterLinear
	dst.DrawImage(img, op)
	if own {
		c := g.art.seats[s.Seat%len(g.art.seats)]
		c.A = 0xa0
		vector.StrokeCircle(dst, float32(x), float32(y), float32(shipDrawSize*ar.scale*0.68), 2.5, c, true)
	}
}

// drawLabel draws a ship's health bar above it and its name below, upright and at the
// layout's text size however the arena is scaled.
func (g *Game) drawLabel(dst *ebiten.Image, l matchLayout, s interp.Ship) {
	x, y := g.arena.toScreen(s.X, s.Y)
	half := float32(shipDrawSize * g.arena.scale / 2)
	const barW, barH = 34, 4
	hp := float32(max(0, min(int(s.Health), game.ShipHealth))) / game.ShipHealth
	bx, by := float32(x)-barW/2, float32(y)-half-barH-3
	vector.DrawFilledRect(dst, bx-1, by-1, barW+2, barH+2, color.RGBA{0, 0, 0, 0xb0}, false)
	vector.DrawFilledRect(dst, bx, by, barW*hp, barH, healthColor(hp), false)
	name := g.model.Name(s.Seat)
	w, _ := text.Measure(name, l.text.small, 0)
	// A name by the arena's edge stays whole on the screen.
	nx := min(max(x, w/2+2), l.ax+l.aw-w/2-2)
	label(dst, name, l.text.small, nx+1, float64(y)+float64(half)+3, text.AlignCenter, color.RGBA{0, 0, 0, 0xc0})
	label(dst, name, l.text.small, nx, float64(y)+float64(half)+2, text.AlignCenter, g.art.textC)
}

// healthColor is green, then yellow below half, then red below a quarter.
func healthColor(hp float32) color.RGBA {
	switch {
	case hp > 0.5:
		return color.RGBA{0x3c, 0xdc, 0x64, 0xff}
	case hp > 0.25:
		return color.RGBA{0xff, 0xe1, 0x19, 0xff}
	}
	return color.RGBA{0xe6, 0x19, 0x4b, 0xff}
}

// label draws str with its top at y, aligned on x.
func label(dst *ebiten.Image, str string, face *text.GoTextFace, x, y float64, align text.Align, c color.Color) {
	op := &text.DrawOptions{}
	op.GeoM.Translate(x, y)
	op.PrimaryAlign = align
	op.ColorScale.ScaleWithColor(c)
	text.Draw(dst, str, face, op)
}

// seconds formats a duration left as whole seconds, rounding up so a countdown ends at 1.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%d", int(math.Ceil(d.Seconds())))
}
