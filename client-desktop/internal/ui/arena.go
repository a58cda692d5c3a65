package ui

import (
	"fmt"
	"image/color"
	"math"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"skirmish/client-desktop/internal/fx"
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
	sampled := m.Sample(now, &g.view)
	t := g.view.Tick
	if sampled {
		sx, sy := m.FX.Shake(t)
		ar.ox, ar.oy = ar.ox+sx*ar.scale, ar.oy+sy*ar.scale
	}
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Scale(ar.scale, ar.scale)
	op.GeoM.Translate(ar.ox, ar.oy)
	dst.DrawImage(ar.img, op)
	g.live = g.live[:0]
	if !sampled {
		return false
	}
	g.live, g.liveAt = m.FX.Live(g.live, t), t
	g.drawEffects(dst, t, false)
	for _, s := range g.view.Ships {
		if s.Active && s.Alive {
			g.drawShip(dst, s, s.Seat == m.Welcome.Seat, m.FX.Flash(s.Seat, t))
		}
	}
	// Shots over ships: a shot leaving its ship is seen at once, not from under the sprite.
	g.trails.next = emptied(g.trails.next)
	for _, p := range g.view.Projectiles {
		g.drawProjectile(dst, p)
	}
	g.trails.last, g.trails.next = g.trails.next, g.trails.last
	g.drawEffects(dst, t, true)
	for _, s := range g.view.Ships {
		if s.Active && s.Alive {
			g.drawLabel(dst, l, s)
		}
	}
	return true
}

// trails remembers where each shot was drawn in the last frame, to draw its trail.
type trails struct {
	last, next map[uint64][2]float64
}

// shotKey tells shots apart from frame to frame: the player's own by the input that fired
// them, which a shot keeps when the server's record takes over from the prediction (id 0);
// the others by id.
func shotKey(p interp.Projectile) uint64 {
	if p.Seq != 0 {
		return 1<<32 | uint64(p.Seq)
	}
	return uint64(p.ID)
}

// emptied returns m emptied for reuse, or a new map.
func emptied(m map[uint64][2]float64) map[uint64][2]float64 {
	if m == nil {
		return map[uint64][2]float64{}
	}
	clear(m)
	return m
}

// drawEffects paints the live effects under the ships (blasts, sparks, shimmers, muzzle
// flashes) or over them (the marker of a hit the player made).
func (g *Game) drawEffects(dst *ebiten.Image, t float64, over bool) {
	ar, m := g.arena, g.model
	for _, e := range g.live {
		age := m.FX.Age(e, t)
		x, y := ar.toScreen(e.X, e.Y)
		c := g.art.seats[e.Seat%len(g.art.seats)]
		switch {
		case over && e.Kind == fx.Hit && e.By == m.Welcome.Seat && e.Seat != e.By:
			k := 1 - age/fx.MarkerLife
			r0 := (10 + 6*(1-k)) * ar.scale
			w := color.RGBA{uint8(255 * k), uint8(255 * k), uint8(255 * k), uint8(255 * k)}
			for _, d := range [4][2]float64{{1, 1}, {1, -1}, {-1, 1}, {-1, -1}} {
				vector.StrokeLine(dst, float32(x+d[0]*r0), float32(y+d[1]*r0), float32(x+d[0]*(r0+9*ar.scale)),
					float32(y+d[1]*(r0+9*ar.scale)), 3, w, true)
			}
		case over:
		case e.Kind == fx.Death:
			k := age / fx.Lifetime[fx.Death]
			r := fx.BlastRadius * (0.55 + 0.8*k) * ar.scale
			g.glowAt(dst, x, y, r, min(1, 1.4*(1-k)), 1, 0.8, 0.45)
			g.glowAt(dst, x, y, r*0.6, 1-k, 1, 1, 0.9)
			g.particles = fx.Burst(g.particles[:0], e, age)
			for _, p := range g.particles {
				px, py := ar.toScreen(p.X, p.Y)
				pc := c
				if p.Hot {
					pc = color.RGBA{0xff, 0xd2, 0x7a, 0xff}
				}
				s := p.Size * ar.scale
				vector.DrawFilledRect(dst, float32(px-s/2), float32(py-s/2), float32(s), float32(s), fade(pc, p.Alpha), false)
			}
			vector.StrokeCircle(dst, float32(x), float32(y), float32(fx.RingRadius*math.Sqrt(k)*ar.scale), float32(3*(1-k)+1), fade(c, 0.7*(1-k)), true)
		case e.Kind == fx.Respawn:
			k := age / fx.Lifetime[fx.Respawn]
			for _, r := range []float64{34*(1-k) + 14, 22*(1-k) + 10} {
				vector.StrokeCircle(dst, float32(x), float32(y), float32(r*ar.scale), 2, fade(c, 0.8*(1-k)), true)
			}
			vector.DrawFilledCircle(dst, float32(x), float32(y), float32(24*ar.scale), fade(c, 0.3*(1-k)), true)
		case e.Kind == fx.Shot:
			k := age / fx.Lifetime[fx.Shot]
			nx, ny := x+math.Cos(e.Angle)*22*ar.scale, y+math.Sin(e.Angle)*22*ar.scale
			g.glowAt(dst, nx, ny, 12*ar.scale, 1-k, 1, 0.95, 0.8)
		}
	}
}

// glowAt adds a soft disc of radius r and colour (r, g, b) at strength alpha to dst.
func (g *Game) glowAt(dst *ebiten.Image, x, y, radius, alpha, r, gr, b float64) {
	img := g.art.glow
	s := 2 * radius / float64(img.Bounds().Dx())
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Translate(-float64(img.Bounds().Dx())/2, -float64(img.Bounds().Dy())/2)
	op.GeoM.Scale(s, s)
	op.GeoM.Translate(x, y)
	op.ColorScale.Scale(float32(r*alpha), float32(gr*alpha), float32(b*alpha), float32(alpha))
	op.Blend = ebiten.BlendLighter
	dst.DrawImage(img, op)
}

// fade returns c at alpha a (0..1), premultiplied as vector drawing wants it.
func fade(c color.RGBA, a float64) color.RGBA {
	a = min(1, max(0, a))
	return color.RGBA{uint8(float64(c.R) * a), uint8(float64(c.G) * a), uint8(float64(c.B) * a), uint8(255 * a)}
}

func (g *Game) drawProjectile(dst *ebiten.Image, p interp.Projectile) {
	ar, img := g.arena, g.art.projectile
	b := img.Bounds()
	x, y := ar.toScreen(p.X, p.Y)
	key := shotKey(p)
	g.trails.next[key] = [2]float64{p.X, p.Y}
	if last, ok := g.trails.last[key]; ok {
		// A trail behind the shot, along the way it came since the last frame.
		dx, dy := p.X-last[0], p.Y-last[1]
		if d := math.Hypot(dx, dy); d > 0.5 {
			tx, ty := ar.toScreen(p.X-dx/d*18, p.Y-dy/d*18)
			mx, my := (tx+x)/2, (ty+y)/2
			c := g.art.seats[int(p.Owner)%len(g.art.seats)]
			vector.StrokeLine(dst, float32(tx), float32(ty), float32(mx), float32(my), float32(3*ar.scale), fade(c, 0.25), true)
			vector.StrokeLine(dst, float32(mx), float32(my), float32(x), float32(y), float32(3.5*ar.scale), fade(c, 0.6), true)
		}
	}
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

// drawShip draws a ship, turned white by flash (0..1) just after a hit.
func (g *Game) drawShip(dst *ebiten.Image, s interp.Ship, own bool, flash float64) {
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
	if flash > 0 {
		op.ColorScale.ScaleAlpha(float32(0.85 * flash))
		dst.DrawImage(g.art.whites[s.Seat%len(g.art.whites)], op)
	}
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
