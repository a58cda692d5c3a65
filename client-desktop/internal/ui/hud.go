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
)

// feedShown is how long a kill-feed line stays up.
const feedShown = 6 * time.Second

// button is a clickable label the last frame drew, and what a click on it does.
type button struct {
	x, y, w, h float64
	run        func()
}

// drawMatch paints everything but the lobby: the bar, the arena, the column with the
// scoreboard and the feed, and the overlay of the screen, which covers only the arena.
func (g *Game) drawMatch(dst *ebiten.Image, now time.Time) {
	b := dst.Bounds()
	l := layoutFor(b.Dx(), b.Dy(), g.art)
	g.buttons = g.buttons[:0]
	g.drawArena(dst, l, now)
	g.drawBar(dst, l, now)
	g.drawSide(dst, l, now)

	m := g.model
	switch m.Screen {
	case screen.Connecting:
		g.overlay(dst, l, "Joining room "+m.Room, m.Problem, "")
	case screen.Countdown:
		if left := m.Left(now); left > 0 {
			g.overlay(dst, l, seconds(left), "The match starts", "")
		} else {
			g.overlay(dst, l, "Waiting for players", fmt.Sprintf("Share the room code %s", m.Room), "")
		}
	case screen.Paused:
		names := make([]string, 0, len(m.Status.Missing))
		for _, seat := range m.Status.Missing {
			names = append(names, m.Name(seat))
		}
		g.overlay(dst, l, "Paused", "Waiting for "+strings.Join(names, ", "),
			seconds(m.Left(now))+" s before their seat goes to a bot")
	case screen.Reconnecting:
		g.overlay(dst, l, "Reconnecting", "The connection dropped; your seat is kept.", m.Problem)
	case screen.Ended:
		g.drawResults(dst, l, now)
	case screen.Failed:
		g.overlay(dst, l, "Cannot play", m.Problem, "Press Enter to return to the lobby")
	}
}

// drawBar paints the top bar: the match clock and goal, the room, the connection and ping,
// and the tick.
func (g *Game) drawBar(dst *ebiten.Image, l matchLayout, now time.Time) {
	m, a, f := g.model, g.art, l.text
	vector.DrawFilledRect(dst, 0, 0, float32(l.w), float32(l.bar), a.panel, false)
	vector.DrawFilledRect(dst, 0, float32(l.bar)-1, float32(l.w), 1, a.line, false)
	x, y := l.pad, (l.bar-f.normal.Size)/2-1
	if left, ok := m.ClockLeft(); ok {
		label(dst, clock(left), f.normal, x, y, text.AlignStart, a.textC)
		x += 70
	}
	if n := m.Welcome.FragLimit; n > 0 {
		str := fmt.Sprintf("first to %d", n)
		label(dst, str, f.normal, x, y, text.AlignStart, a.accent)
		w, _ := text.Measure(str, f.normal, 0)
		x += w + 24
	}
	ys := (l.bar-f.small.Size)/2 - 1
	conn, c := "connected", a.dim
	switch {
	case m.Screen == screen.Connecting:
		conn = "connecting"
	case m.Screen == screen.Reconnecting:
		conn, c = "reconnecting", a.warn
	case m.Unstable(now):
		conn, c = "connection unstable", a.warn
	}
	str := "room " + m.Room + "   "
	label(dst, str, f.small, x, ys, text.AlignStart, a.dim)
	w, _ := text.Measure(str, f.small, 0)
	label(dst, conn, f.small, x+w, ys, text.AlignStart, c)
	right := fmt.Sprintf("tick %d", m.Tick())
	if m.Screen != screen.Connecting && m.Screen != screen.Reconnecting {
		right = fmt.Sprintf("%d ms   %s", m.RTT.Milliseconds(), right)
	}
	label(dst, right+"   "+g.sounds.state()+"   Esc leaves", f.small, l.w-l.pad, ys, text.AlignEnd, a.dim)
}

// drawSide paints the column right of the arena: the scoreboard best first with the own row
// marked, a banner for the player (fragged, the time to respawn), and the feed.
func (g *Game) drawSide(dst *ebiten.Image, l matchLayout, now time.Time) {
	m, a, f := g.model, g.art, l.text
	x0 := l.w - l.side
	vector.DrawFilledRect(dst, float32(x0), float32(l.bar), float32(l.side), float32(l.h-l.bar), a.panel, false)
	vector.DrawFilledRect(dst, float32(x0), float32(l.bar), 1, float32(l.h-l.bar), a.line, false)
	x, y, w := x0+l.pad, l.bar+l.pad, l.side-2*l.pad
	for _, r := range m.Scores() {
		if r.Own {
			vector.DrawFilledRect(dst, float32(x-4), float32(y), float32(w+8), float32(l.row), a.ownRow, false)
			vector.StrokeRect(dst, float32(x-4), float32(y), float32(w+8), float32(l.row), 1, a.accent, false)
		}
		c := a.textC
		if r.Away {
			c = a.dim
		}
		sw := float32(l.row) * 0.4
		vector.DrawFilledCircle(dst, float32(x)+sw/2+2, float32(y+l.row/2), sw/2, a.seats[r.Seat%len(a.seats)], true)
		score := fmt.Sprintf("%d / %d", r.Frags, r.Deaths)
		sWidth, _ := text.Measure(score, f.small, 0)
		name := r.Name
		room := w - float64(sw) - 10 - sWidth - 12
		if r.Bot {
			room -= 30
		}
		name = fit(name, f.small, room)
		ty := y + (l.row-f.small.Size)/2 - 1
		label(dst, name, f.small, x+float64(sw)+10, ty, text.AlignStart, c)
		if r.Bot {
			nw, _ := text.Measure(name, f.small, 0)
			label(dst, "bot", f.small, x+float64(sw)+16+nw, ty, text.AlignStart, a.dim)
		}
		label(dst, score, f.small, x+w, ty, text.AlignEnd, c)
		y += l.row + 2
	}
	y += l.pad
	if own, ok := m.Own(); ok && m.Screen == screen.Playing && own.Active && !own.Alive && m.Welcome.TickRate > 0 {
		back := time.Duration(own.RespawnIn) * time.Second / time.Duration(m.Welcome.TickRate)
		vector.DrawFilledRect(dst, float32(x-4), float32(y), float32(w+8), float32(l.row+4), a.warnBg, false)
		vector.StrokeRect(dst, float32(x-4), float32(y), float32(w+8), float32(l.row+4), 1, a.warn, false)
		label(dst, "Fragged: back in "+seconds(max(back, time.Second))+" s", f.small, x+2, y+(l.row+4-f.small.Size)/2-1, text.AlignStart, a.textC)
		y += l.row + 4 + l.pad
	}
	for _, line := range m.Feed {
		if now.Sub(line.At) > feedShown {
			continue
		}
		label(dst, fit(line.Text, f.small, w), f.small, x, y, text.AlignStart, a.textC)
		y += f.small.Size + 6
	}
}

// fit cuts str with an ellipsis to at most w pixels wide in face.
func fit(str string, face *text.GoTextFace, w float64) string {
	if tw, _ := text.Measure(str, face, 0); tw <= w {
		return str
	}
	r := []rune(str)
	for len(r) > 1 {
		r = r[:len(r)-1]
		if tw, _ := text.Measure(string(r)+"…", face, 0); tw <= w {
			break
		}
	}
	return string(r) + "…"
}

// overlay dims the arena and centres a title with up to two lines under it.
func (g *Game) overlay(dst *ebiten.Image, l matchLayout, title, line1, line2 string) {
	a, f := g.art, l.text
	vector.DrawFilledRect(dst, float32(l.ax), float32(l.ay), float32(l.aw), float32(l.ah), color.RGBA{0, 0, 0, 0x90}, false)
	cx, cy := l.ax+l.aw/2, l.ay+l.ah/2-f.big.Size
	label(dst, title, f.big, cx, cy, text.AlignCenter, a.textC)
	if line1 != "" {
		label(dst, line1, f.normal, cx, cy+f.big.Size*1.4, text.AlignCenter, a.textC)
	}
	if line2 != "" {
		label(dst, line2, f.normal, cx, cy+f.big.Size*1.4+f.normal.Size*1.6, text.AlignCenter, a.dim)
	}
}

// drawResults shows the final table, best first, the time to the next match, and the
// choice: play again (Enter) or go back to the lobby (Esc). Once the player chose to play
// again only the time to the next match shows.
func (g *Game) drawResults(dst *ebiten.Image, l matchLayout, now time.Time) {
	m, a, f := g.model, g.art, l.text
	next := "Next match soon"
	if left := m.Left(now); left > 0 {
		next = "Next match in " + seconds(left) + " s"
	}
	cx := l.ax + l.aw/2
	if m.ResultsDone {
		w, _ := text.Measure(next, f.normal, 0)
		vector.DrawFilledRect(dst, float32(cx-w/2-16), float32(l.ay+l.pad), float32(w+32), float32(f.normal.Size*2), a.panel, false)
		label(dst, next, f.normal, cx, l.ay+l.pad+f.normal.Size/2-1, text.AlignCenter, a.textC)
		return
	}
	vector.DrawFilledRect(dst, float32(l.ax), float32(l.ay), float32(l.aw), float32(l.ah), color.RGBA{0, 0, 0, 0x90}, false)
	rowH := f.normal.Size * 1.6
	half := min(l.aw/2-2*l.pad, 260)
	height := f.big.Size*1.5 + rowH*float64(len(m.Status.Results)) + f.normal.Size*4.9
	y := l.ay + max(2*l.pad, (l.ah-height)/2)
	vector.DrawFilledRect(dst, float32(cx-half-l.pad), float32(y-l.pad), float32(2*(half+l.pad)), float32(height+2*l.pad), a.panel, false)
	vector.StrokeRect(dst, float32(cx-half-l.pad), float32(y-l.pad), float32(2*(half+l.pad)), float32(height+2*l.pad), 1, a.line, false)
	title := "Match over"
	if len(m.Status.Results) > 0 {
		title = m.Name(m.Status.Results[0].Seat) + " wins"
	}
	label(dst, title, f.big, cx, y, text.AlignCenter, a.textC)
	y += f.big.Size * 1.5
	for i, r := range m.Status.Results {
		c := a.textC
		if r.Seat == m.Welcome.Seat {
			c = a.accent
			vector.DrawFilledRect(dst, float32(cx-half-6), float32(y-3), float32(2*half+12), float32(rowH), a.ownRow, false)
		}
		sw := float32(f.normal.Size * 0.7)
		vector.DrawFilledRect(dst, float32(cx-half), float32(y+f.normal.Size/2)-sw/2+2, sw, sw, a.seats[r.Seat%len(a.seats)], false)
		score := count(r.Frags, "frag") + "  " + count(r.Deaths, "death")
		sWidth, _ := text.Measure(score, f.normal, 0)
		name := fit(fmt.Sprintf("%d.  %s", i+1, m.Name(r.Seat)), f.normal, 2*half-float64(sw)-sWidth-24)
		label(dst, name, f.normal, cx-half+float64(sw)+10, y, text.AlignStart, c)
		label(dst, score, f.normal, cx+half, y, text.AlignEnd, c)
		y += rowH
	}
	y += f.normal.Size
	label(dst, next, f.normal, cx, y, text.AlignCenter, a.dim)
	y += f.normal.Size * 2
	g.button(dst, l, "Play again (Enter)", cx-8, y, text.AlignEnd, a.accent, color.RGBA{0x06, 0x11, 0x1c, 0xff}, m.PlayAgain)
	g.button(dst, l, "Lobby (Esc)", cx+8, y, text.AlignStart, a.line, a.textC, g.leave)
}

// button draws a labelled button aligned on x and remembers it for clicks.
func (g *Game) button(dst *ebiten.Image, l matchLayout, str string, x, y float64, align text.Align, bg, fg color.RGBA, run func()) {
	f := l.text.normal
	w, _ := text.Measure(str, f, 0)
	bw, bh := w+2*l.pad+8, f.Size*1.9
	if align == text.AlignEnd {
		x -= bw
	}
	vector.DrawFilledRect(dst, float32(x), float32(y), float32(bw), float32(bh), bg, false)
	label(dst, str, f, x+bw/2, y+(bh-f.Size)/2-1, text.AlignCenter, fg)
	g.buttons = append(g.buttons, button{x: x, y: y, w: bw, h: bh, run: run})
}

// clock formats a time left as m:ss, rounding up so that 0:00 means over.
func clock(d time.Duration) string {
	s := int((d + time.Second - 1) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// count says n things in words: "1 frag", "3 frags".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
