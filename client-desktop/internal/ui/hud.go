package ui

import (
	"fmt"
	"image/color"
	"strings"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"skirmish/client-desktop/internal/screen"
	"skirmish/game/protocol"
)

// feedShown is how long a kill-feed line stays up.
const feedShown = 6 * time.Second

// drawMatch paints everything but the lobby: arena, HUD, feed and the overlay of the screen.
func (g *Game) drawMatch(dst *ebiten.Image, now time.Time) {
	g.drawArena(dst, now)
	g.drawHUD(dst)
	g.drawFeed(dst, now)

	m := g.model
	switch m.Screen {
	case screen.Playing:
		if own, ok := m.Own(); ok && own.Active && !own.Alive && m.Welcome.TickRate > 0 {
			back := time.Duration(own.RespawnIn) * time.Second / time.Duration(m.Welcome.TickRate)
			label(dst, "Fragged: back in "+seconds(back)+" s", g.art.normal, screenW/2, hudH+arenaH/2, text.AlignCenter, g.art.warn)
		}
	case screen.Connecting:
		g.overlay(dst, "Joining room "+m.Room, m.Problem, "")
	case screen.Countdown:
		if left := m.Left(now); left > 0 {
			g.overlay(dst, seconds(left), "The match starts", "")
		} else {
			g.overlay(dst, "Waiting for players", fmt.Sprintf("Share the room code %s", m.Room), "")
		}
	case screen.Paused:
		names := make([]string, 0, len(m.Status.Missing))
		for _, seat := range m.Status.Missing {
			names = append(names, m.Name(seat))
		}
		g.overlay(dst, "Paused", "Waiting for "+strings.Join(names, ", "),
			seconds(m.Left(now))+" s before their seat goes to a bot")
	case screen.Reconnecting:
		g.overlay(dst, "Reconnecting", "The connection dropped; your seat is kept.", m.Problem)
	case screen.Ended:
		g.drawResults(dst, now)
	case screen.Failed:
		g.overlay(dst, "Cannot play", m.Problem, "Press Enter to return to the lobby")
	}
}

// drawHUD paints the top band: room and scores on the left, ping, tick and state on the right.
func (g *Game) drawHUD(dst *ebiten.Image) {
	m, a := g.model, g.art
	vector.DrawFilledRect(dst, 0, 0, screenW, hudH, color.RGBA{0, 0, 0, 0xc0}, false)
	x := 12.0
	label(dst, "Room "+m.Room, a.small, x, 10, text.AlignStart, a.dim)
	x += 140
	for _, r := range m.Ships() {
		if r[protocol.ShipFlags]&protocol.FlagActive == 0 {
			continue
		}
		seat := int(r[protocol.ShipSeat])
		c := a.seats[seat%len(a.seats)]
		vector.DrawFilledRect(dst, float32(x), 13, 14, 14, c, false)
		str := fmt.Sprintf("%s %d", m.Name(seat), r[protocol.ShipFrags])
		if seat == m.Welcome.Seat {
			vector.StrokeRect(dst, float32(x)-2, 11, 18, 18, 2, a.textC, false)
		}
		label(dst, str, a.small, x+20, 10, text.AlignStart, a.textC)
		w, _ := text.Measure(str, a.small, 0)
		x += 20 + w + 18
	}
	ping := "-"
	if m.Screen != screen.Connecting && m.Screen != screen.Reconnecting {
		ping = fmt.Sprint(m.RTT.Milliseconds())
	}
	right := fmt.Sprintf("ping %s ms   tick %d   %s", ping, m.Tick(), m.Screen)
	label(dst, right, a.small, screenW-12, 10, text.AlignEnd, a.dim)
}

// drawFeed lists the recent frags and arrivals under the HUD, right-aligned.
func (g *Game) drawFeed(dst *ebiten.Image, now time.Time) {
	y := float64(hudH + 8)
	for _, l := range g.model.Feed {
		if now.Sub(l.At) > feedShown {
			continue
		}
		label(dst, l.Text, g.art.small, screenW-16, y, text.AlignEnd, g.art.textC)
		y += 22
	}
}

// overlay dims the arena and centres a title with up to two lines under it.
func (g *Game) overlay(dst *ebiten.Image, title, line1, line2 string) {
	a := g.art
	vector.DrawFilledRect(dst, 0, hudH, screenW, arenaH, color.RGBA{0, 0, 0, 0x90}, false)
	cy := float64(hudH + arenaH/2 - 80)
	label(dst, title, a.big, screenW/2, cy, text.AlignCenter, a.textC)
	if line1 != "" {
		label(dst, line1, a.normal, screenW/2, cy+80, text.AlignCenter, a.textC)
	}
	if line2 != "" {
		label(dst, line2, a.normal, screenW/2, cy+116, text.AlignCenter, a.dim)
	}
}

// drawResults shows the final table, best first, and the time to the rematch.
func (g *Game) drawResults(dst *ebiten.Image, now time.Time) {
	m, a := g.model, g.art
	vector.DrawFilledRect(dst, 0, hudH, screenW, arenaH, color.RGBA{0, 0, 0, 0xb0}, false)
	y := float64(hudH + 160)
	label(dst, "Results", a.big, screenW/2, y, text.AlignCenter, a.textC)
	y += 90
	for i, r := range m.Status.Results {
		c := a.textC
		if r.Seat == m.Welcome.Seat {
			c = a.accent
		}
		vector.DrawFilledRect(dst, screenW/2-230, float32(y+4), 16, 16, a.seats[r.Seat%len(a.seats)], false)
		label(dst, fmt.Sprintf("%d.  %s", i+1, m.Name(r.Seat)), a.normal, screenW/2-200, y, text.AlignStart, c)
		label(dst, count(r.Frags, "frag")+"  "+count(r.Deaths, "death"), a.normal, screenW/2+230, y, text.AlignEnd, c)
		y += 36
	}
	if left := m.Left(now); left > 0 {
		label(dst, "Rematch in "+seconds(left)+" s   (Esc leaves)", a.normal, screenW/2, y+30, text.AlignCenter, a.dim)
	}
}

// count says n things in words: "1 frag", "3 frags".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
