package ui

import (
	"context"
	"fmt"
	"image/color"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"skirmish/client-desktop/internal/lobby"
)

// refreshEvery is how often the lobby reloads the room list.
const refreshEvery = 2 * time.Second

// The lobby's new rooms: the default four seats, bots in all but the creator's.
const (
	newRoomSeats = 4
	newRoomBots  = 3
)

// Text field limits: the protocol's name limit, and more than any room id needs.
const (
	maxName = 16
	maxCode = 32
)

// The lobby layout, in logical pixels: the Play now and Create buttons side by side.
const (
	listX, listY, rowH, listW = 80, 330, 40, 1120
	playX, createX, buttonY   = 80, 360, 240
	buttonW, buttonH          = 260, 50
)

// roomList is what the refresher last fetched.
type roomList struct {
	rooms []lobby.Room
	err   error
}

// lobbyScreen is the room list, the create button and the name and room code fields. The
// room API is called on goroutines of its own; update only reads their latest results.
type lobbyScreen struct {
	api     *lobby.Client
	ctx     context.Context
	list    atomic.Pointer[roomList]
	refresh chan struct{}
	created chan createResult

	fields  [2][]rune // name, room code
	focus   int
	message string
}

type createResult struct {
	id  string
	err error
}

func newLobbyScreen(ctx context.Context, api *lobby.Client, name, room string) *lobbyScreen {
	l := &lobbyScreen{
		api:     api,
		ctx:     ctx,
		refresh: make(chan struct{}, 1),
		created: make(chan createResult, 1),
		fields:  [2][]rune{[]rune(name), []rune(room)},
	}
	if api != nil {
		go l.refresher()
	}
	return l
}

func (l *lobbyScreen) name() string { return string(l.fields[0]) }

func (l *lobbyScreen) refreshNow() {
	select {
	case l.refresh <- struct{}{}:
	default:
	}
}

func (l *lobbyScreen) refresher() {
	t := time.NewTicker(refreshEvery)
	defer t.Stop()
	for {
		ctx, cancel := context.WithTimeout(l.ctx, refreshEvery)
		rooms, err := l.api.Rooms(ctx)
		cancel()
		l.list.Store(&roomList{rooms: rooms, err: err})
		select {
		case <-l.ctx.Done():
			return
		case <-t.C:
		case <-l.refresh:
		}
	}
}

// update handles typing and clicks; it returns a room to join once the player picked one.
func (l *lobbyScreen) update() (string, bool) {
	select {
	case r := <-l.created:
		if r.err != nil {
			l.message = "Could not get a room: " + r.err.Error()
		} else {
			return r.id, true
		}
	default:
	}
	if inpututil.IsKeyJustPressed(ebiten.KeyTab) {
		l.focus = 1 - l.focus
	}
	f := &l.fields[l.focus]
	limit := [2]int{maxName, maxCode}[l.focus]
	for _, r := range ebiten.AppendInputChars(nil) {
		if len(*f) < limit && r >= ' ' {
			*f = append(*f, r)
		}
	}
	if repeated(ebiten.KeyBackspace) && len(*f) > 0 {
		*f = (*f)[:len(*f)-1]
	}
	if inpututil.IsKeyJustPressed(ebiten.KeyEnter) || inpututil.IsKeyJustPressed(ebiten.KeyNumpadEnter) {
		return l.join(string(l.fields[1]))
	}
	if !inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft) {
		return "", false
	}
	x, y := ebiten.CursorPosition()
	switch {
	case inside(x, y, playX, buttonY, buttonW, buttonH):
		l.quickPlay()
	case inside(x, y, createX, buttonY, buttonW, buttonH):
		l.create()
	case inside(x, y, 80, 140, 400, 44):
		l.focus = 0
	case inside(x, y, 560, 140, 400, 44):
		l.focus = 1
	default:
		if list := l.list.Load(); list != nil {
			if i := (y - listY) / rowH; y >= listY && i < len(list.rooms) && x >= listX && x < listX+listW {
				return l.join(list.rooms[i].ID)
			}
		}
	}
	return "", false
}

func (l *lobbyScreen) join(room string) (string, bool) {
	switch {
	case utf8.RuneCountInString(l.name()) == 0:
		l.message = "Type a name first."
	case room == "":
		l.message = "Type a room code, click a room, or create one."
	default:
		l.message = ""
		return room, true
	}
	return "", false
}

func (l *lobbyScreen) create() {
	l.ask("Creating a room...", func(ctx context.Context) (string, error) {
		return l.api.Create(ctx, newRoomSeats, newRoomBots)
	})
}

// quickPlay asks for a match to play at once, as the web lobby's Play now does.
func (l *lobbyScreen) quickPlay() {
	l.ask("Finding a match...", func(ctx context.Context) (string, error) {
		room, _, err := l.api.QuickPlay(ctx)
		return room, err
	})
}

// ask runs a room request on a goroutine of its own; update picks up its answer.
func (l *lobbyScreen) ask(message string, request func(context.Context) (string, error)) {
	if l.api == nil || utf8.RuneCountInString(l.name()) == 0 {
		l.message = "Type a name first."
		return
	}
	l.message = message
	go func() {
		ctx, cancel := context.WithTimeout(l.ctx, 5*time.Second)
		defer cancel()
		id, err := request(ctx)
		l.created <- createResult{id, err}
	}()
}

func (l *lobbyScreen) draw(dst *ebiten.Image, a *art) {
	label(dst, "Skirmish", a.big, 80, 40, text.AlignStart, a.textC)
	l.field(dst, a, 0, "Name", 80)
	l.field(dst, a, 1, "Room code (Enter joins)", 560)

	vector.DrawFilledRect(dst, playX, buttonY, buttonW, buttonH, a.accent, false)
	label(dst, "Play now", a.normal, playX+buttonW/2, buttonY+12, text.AlignCenter, color.Black)
	vector.DrawFilledRect(dst, createX, buttonY, buttonW, buttonH, a.floorC, false)
	vector.StrokeRect(dst, createX, buttonY, buttonW, buttonH, 2, a.accent, false)
	label(dst, "Create a room", a.normal, createX+buttonW/2, buttonY+12, text.AlignCenter, a.textC)
	if l.message != "" {
		label(dst, l.message, a.normal, createX+buttonW+30, buttonY+12, text.AlignStart, a.warn)
	}
	label(dst, "Play now joins a match in play or starts one with bots; bots give their seats up to players who join.",
		a.small, playX, buttonY+buttonH+8, text.AlignStart, a.dim)

	list := l.list.Load()
	switch {
	case list == nil:
		label(dst, "Loading rooms...", a.normal, listX, listY, text.AlignStart, a.dim)
	case list.err != nil:
		label(dst, "Cannot reach the server: "+list.err.Error(), a.normal, listX, listY, text.AlignStart, a.warn)
	case len(list.rooms) == 0:
		label(dst, "No rooms yet: press Play now or create one.", a.normal, listX, listY, text.AlignStart, a.dim)
	}
	if list == nil {
		return
	}
	label(dst, "Rooms (click to join)", a.small, listX, listY-26, text.AlignStart, a.dim)
	for i, r := range list.rooms {
		y := float32(listY + i*rowH)
		if y > screenH-rowH {
			break
		}
		vector.DrawFilledRect(dst, listX, y, listW, rowH-4, a.floorC, false)
		cells := [...]string{
			r.ID, r.State,
			fmt.Sprintf("%d/%d seats", len(r.Players), r.Seats),
			fmt.Sprintf("%d players, %d bots", r.Humans(), len(r.Players)-r.Humans()),
			fmt.Sprintf("%d watching", r.Spectators),
		}
		for c, cell := range cells {
			label(dst, cell, a.normal, float64(listX+12+columns[c]), float64(y)+6, text.AlignStart, a.textC)
		}
	}
	label(dst, "In a match: WASD or arrows move, the mouse aims, click or space fires, Esc leaves.",
		a.small, listX, screenH-40, text.AlignStart, a.dim)
}

// columns are the x offsets of the room list's cells: id, state, seats, players, spectators.
var columns = [...]int{0, 200, 360, 520, 800}

func (l *lobbyScreen) field(dst *ebiten.Image, a *art, i int, title string, x float32) {
	label(dst, title, a.small, float64(x), 116, text.AlignStart, a.dim)
	border := a.wallC
	if l.focus == i {
		border = a.accent
	}
	vector.DrawFilledRect(dst, x, 140, 400, 44, a.floorC, false)
	vector.StrokeRect(dst, x, 140, 400, 44, 2, border, false)
	str := string(l.fields[i])
	if l.focus == i && time.Now().UnixMilli()/500%2 == 0 {
		str += "|"
	}
	label(dst, str, a.normal, float64(x)+10, 148, text.AlignStart, a.textC)
}

func inside(x, y, rx, ry, rw, rh int) bool {
	return x >= rx && x < rx+rw && y >= ry && y < ry+rh
}

// repeated reports a key press with keyboard auto-repeat, for Backspace.
func repeated(k ebiten.Key) bool {
	d := inpututil.KeyPressDuration(k)
	return d == 1 || (d > 30 && d%4 == 0)
}
