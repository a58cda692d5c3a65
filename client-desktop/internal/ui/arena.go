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
	scale  float64 // screen pixels per world pixel; below 1 only for maps too big to fit
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
	scale := math.Min(1, math.Min(float64(screenW)/float64(w), float64(arenaH)/float64(h)))
	return &arenaImage{
		m:     m,
		img:   img,
		scale: scale,
		ox:    (screenW - float64(w)*scale) / 2,
		oy:    hudH + (arenaH-float64(h)*scale)/2,
	}
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
func (g *Game) drawArena(dst *ebiten.Image, now time.Time) bool {
	m := g.model
	if m.Map == nil {
		return false
	}
	if g.arena == nil || g.arena.m != m.Map {
		g.arena = newArenaImage(m.Map, g.art)
	}
	ar := g.arena
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

func (g *Game) drawShip(dst *ebiten.Image, s interp.Ship, own bool) {
	ar := g.arena
	img := g.art.ships[s.Seat%len(g.art.ships)]
	b := img.Bounds()
	x, y := ar.toScreen(s.X, s.Y)
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Translate(-float64(b.Dx())/2, -float64(b.Dy())/2)
	op.GeoM.Rotate(math.Atan2(s.AimY, s.AimX)) // the sprites point along +x
	op.GeoM.Scale(ar.scale, ar.scale)
	op.GeoM.Translate(x, y)
	op.Filter = ebiten.FilterLinear
	dst.DrawImage(img, op)

	r := float32(game.ShipHalf * ar.scale)
	if own {
		vector.StrokeCircle(dst, float32(x), float32(y), r*1.9, 2, g.art.textC, true)
	}
	// Health bar above, name below.
	const barW = 30
	hp := float32(max(0, min(int(s.Health), game.ShipHealth))) / game.ShipHealth
	bx, by := float32(x)-barW/2, float32(y)-r*2-6
	vector.DrawFilledRect(dst, bx, by, barW, 4, color.RGBA{0, 0, 0, 0xa0}, false)
	vector.DrawFilledRect(dst, bx, by, barW*hp, 4, g.art.seats[s.Seat%len(g.art.seats)], false)
	label(dst, g.model.Name(s.Seat), g.art.small, x, y+float64(r)*2+2, text.AlignCenter, g.art.textC)
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
