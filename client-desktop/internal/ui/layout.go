package ui

import "github.com/hajimehoshi/ebiten/v2/text/v2"

// The lobby's logical screen, which Ebitengine scales to the window.
const (
	screenW = 1280
	screenH = 1000
)

// The match screen's window limits: below them it is scaled down as a whole.
const (
	minMatchW = 640
	minMatchH = 400
)

// faces are the three text sizes of one layout.
type faces struct {
	small, normal, big *text.GoTextFace
}

// matchLayout is where the parts of the match screen sit in a window of w x h logical
// pixels: a bar along the top, the scoreboard and the feed in a column on the right, and the
// arena, scaled to fill what is left. Nothing but the overlays of a room that is not playing
// is ever drawn on the arena.
type matchLayout struct {
	w, h     float64
	bar      float64 // height of the top bar
	side     float64 // width of the right column
	ax, ay   float64 // the arena's area: top-left corner ...
	aw, ah   float64 // ... and size
	pad, row float64 // the column's inner margin and the height of a scoreboard row
	text     faces
	compact  bool
}

// layoutFor lays the match screen out for a w x h window: roomy from about 1100 x 700, compact
// (smaller type, narrower column) below.
func layoutFor(w, h int, a *art) matchLayout {
	l := matchLayout{w: float64(w), h: float64(h)}
	l.compact = w < 1100 || h < 700
	if l.compact {
		l.bar, l.pad, l.row, l.text = 30, 8, 24, a.compact
	} else {
		l.bar, l.pad, l.row, l.text = 40, 12, 30, a.roomy
	}
	l.side = min(max(0.21*l.w, 170), 290)
	l.ax, l.ay = 0, l.bar
	l.aw, l.ah = l.w-l.side, l.h-l.bar
	return l
}
