// Package ui is the client's window, drawn with Ebitengine: the lobby, the arena, the HUD and
// the overlays for countdown, pause, reconnection, results and errors. It is the only package
// of the client that imports Ebitengine; everything it shows comes from the match model, and
// the network reaches it only through the Link's mailbox, so Update and Draw never wait.
package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"

	"skirmish/client-desktop/internal/fx"
	"skirmish/client-desktop/internal/interp"
	"skirmish/client-desktop/internal/lobby"
	"skirmish/client-desktop/internal/match"
	"skirmish/client-desktop/internal/screen"
	"skirmish/game"
)

// Link is one player connection, run by the network on its own goroutine.
type Link interface {
	// Send sends an input and returns the seq it was numbered with; it never blocks.
	Send(in game.Input) uint32
	// Notes appends what the network reported since the last call to dst.
	Notes(dst []match.Note) []match.Note
	// Close leaves the room for good: a goodbye, and the seat's token is forgotten.
	Close()
	// Exit says goodbye but keeps the token, so a restarted client takes the seat back.
	Exit()
}

// Dialer starts a connection to room as the player called name.
type Dialer func(room, name string) Link

// Config is what the window needs to run.
type Config struct {
	Name  string        // the player's name, editable in the lobby
	Room  string        // if set, join this room at once instead of showing the lobby
	Dial  Dialer        // connects to a room
	Rooms *lobby.Client // the room API, for the lobby
	// Screenshot, if set, is where a PNG of the window is written when the client quits.
	Screenshot string
	// QuitAfter, if positive, ends the client after that long (for tests and demos), leaving
	// the room on purpose.
	QuitAfter time.Duration
	// PlayFor, if positive, ends the client the same way once it has been in a running match
	// that long, however long joining took.
	PlayFor time.Duration
	// Until, if set, ends the client the same way once it shows the screen of that name, or
	// an effect of that kind (hit, death, respawn, shot) a fifth into its life, as a player
	// sees it: an explosion in its first frame is still a dot.
	Until string
	// Calm turns off the shake of the arena (reduced motion).
	Calm bool
	// Settings is the directory where the player's settings (the mute switch) are kept.
	Settings string
	// Autopilot lets the game's bot steer the player's ship instead of the keyboard.
	Autopilot bool
	// Summary, if set, is where a JSON match.Summary is written when the client quits.
	Summary string
	// Window, if set, is the window's size at the start.
	Window image.Point
}

// Run opens the window and runs the client until the player closes it or its time is up.
func Run(cfg Config) error {
	a, err := loadArt()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g := &Game{
		cfg:     cfg,
		art:     a,
		model:   match.New(),
		started: time.Now(),
		lobby:   newLobbyScreen(ctx, cfg.Rooms, cfg.Name, cfg.Room),
		sounds:  newSounds(cfg.Settings),
	}
	g.model.FX.ReducedMotion = cfg.Calm
	if cfg.Room != "" {
		g.join(cfg.Room)
	}
	ebiten.SetWindowTitle("Skirmish")
	if cfg.Window.X > 0 && cfg.Window.Y > 0 {
		ebiten.SetWindowSize(cfg.Window.X, cfg.Window.Y)
	} else {
		ebiten.SetWindowSize(screenW*3/4, screenH*3/4)
	}
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled)
	ebiten.SetRunnableOnUnfocused(true)
	err = ebiten.RunGame(g)
	if g.link != nil {
		// Closing the window leaves without pausing anyone, and keeps the token, so that a
		// restart takes the seat back from the bot standing in. A scripted run (QuitAfter,
		// PlayFor) leaves for good.
		if g.quit {
			g.link.Close()
		} else {
			g.link.Exit()
		}
	}
	if err != nil {
		return fmt.Errorf("run window: %w", err)
	}
	if cfg.Summary != "" {
		sum := g.model.Summary()
		sum.Showing = g.shown
		if !g.shotted {
			sum.Showing = g.effectsShown()
		}
		data, err := json.MarshalIndent(sum, "", "  ")
		if err == nil {
			err = writeFile(cfg.Summary, append(data, '\n'))
		}
		if err != nil {
			return fmt.Errorf("write summary: %w", err)
		}
	}
	return g.shotErr
}

// Game implements ebiten.Game.
type Game struct {
	cfg     Config
	art     *art
	model   *match.Model
	lobby   *lobbyScreen
	link    Link
	started time.Time
	playing time.Time // when the first running match began

	notes   []match.Note
	view    interp.View
	buttons []button // what the last frame drew that a click can press

	live      []fx.Event    // the effects the last frame showed
	liveAt    float64       // the tick the last frame showed them at
	shown     []match.Shown // the effects the screenshot shows
	particles []fx.Particle // scratch for drawing explosions
	trails    trails
	sounds    *sounds
	cues      []match.Cue
	arena     *arenaImage
	quit      bool // time is up: take the screenshot in the next Draw, then end
	shotted   bool
	shotErr   error
}

// timeUp reports whether QuitAfter or PlayFor has passed, or the Until screen shows.
func (g *Game) timeUp(now time.Time) bool {
	return g.cfg.QuitAfter > 0 && now.Sub(g.started) >= g.cfg.QuitAfter ||
		g.cfg.PlayFor > 0 && !g.playing.IsZero() && now.Sub(g.playing) >= g.cfg.PlayFor ||
		g.cfg.Until != "" && g.model.Screen.String() == g.cfg.Until
}

// showing reports whether the frame just drawn shows an effect of the kind called name
// between a fifth and two fifths into its life, as a player sees it at its height. A frame
// late enough to find it fading (a busy machine draws seldom) waits for the next one.
func (g *Game) showing(name string) bool {
	for _, e := range g.live {
		if e.Kind.String() != name {
			continue
		}
		if k := g.model.FX.Age(e, g.liveAt) / fx.Lifetime[e.Kind]; k >= 0.2 && k <= 0.4 {
			return true
		}
	}
	return false
}

// Update runs once per Ebitengine tick: it drains the network mailbox into the model, then
// turns the player's controls into inputs.
func (g *Game) Update() error {
	now := time.Now()
	if g.shotted || g.quit && g.cfg.Screenshot == "" {
		return ebiten.Termination
	}
	if g.link != nil {
		g.notes = g.link.Notes(g.notes[:0])
		for _, n := range g.notes {
			g.model.Handle(n)
		}
	}
	g.cues = g.model.Sounds(now, g.cues[:0])
	g.sounds.play(g.cues, now)
	if g.model.Screen == screen.Playing && g.playing.IsZero() {
		g.playing = now
	}
	if !g.quit && g.timeUp(now) {
		g.quit = true
		if g.cfg.Screenshot == "" {
			return ebiten.Termination
		}
	}
	switch g.model.Screen {
	case screen.Lobby:
		if room, ok := g.lobby.update(); ok {
			g.join(room)
		}
	case screen.Failed:
		if anyKeyOrClick() {
			g.leave()
		}
	default:
		if leaveKey() {
			g.leave()
			return nil
		}
		if inpututil.IsKeyJustPressed(ebiten.KeyM) {
			g.sounds.toggle()
		}
		if g.model.Screen == screen.Ended && (inpututil.IsKeyJustPressed(ebiten.KeyEnter) || inpututil.IsKeyJustPressed(ebiten.KeyNumpadEnter)) {
			g.model.PlayAgain()
		}
		if b, ok := g.clicked(); ok {
			b.run()
			if g.model.Screen == screen.Lobby {
				return nil
			}
		}
		if g.link == nil {
			return nil
		}
		c := g.controls()
		if g.cfg.Autopilot {
			c = g.model.Autopilot()
		}
		g.model.Inputs(now, c, g.link.Send)
	}
	return nil
}

// clicked returns the button the player just clicked, if any.
func (g *Game) clicked() (button, bool) {
	if !inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft) {
		return button{}, false
	}
	x, y := ebiten.CursorPosition()
	for _, b := range g.buttons {
		if fx, fy := float64(x), float64(y); fx >= b.x && fx < b.x+b.w && fy >= b.y && fy < b.y+b.h {
			return b, true
		}
	}
	return button{}, false
}

func (g *Game) join(room string) {
	if g.link != nil {
		g.link.Close()
	}
	g.model.Join(room)
	g.link = g.cfg.Dial(room, g.lobby.name())
}

func (g *Game) leave() {
	if g.link != nil {
		g.link.Close()
		g.link = nil
	}
	if g.model.Screen == screen.Failed {
		g.model.Dismiss()
	} else {
		g.model.Leave()
	}
	g.lobby.refreshNow()
}

// Draw paints the current screen. With a screenshot due it also saves the picture.
func (g *Game) Draw(dst *ebiten.Image) {
	now := time.Now()
	dst.Fill(g.art.background)
	if g.model.Screen == screen.Lobby {
		g.lobby.draw(dst, g.art)
	} else {
		g.drawMatch(dst, now)
	}
	// An effect is caught in the very frame that shows it.
	if !g.quit && g.cfg.Until != "" && g.showing(g.cfg.Until) {
		g.quit = true
	}
	if g.quit && !g.shotted && g.cfg.Screenshot != "" {
		g.shotErr = saveScreenshot(dst, g.cfg.Screenshot)
		g.shotted = true
		// Ebitengine may draw again before the game ends: keep what this picture shows.
		g.shown = g.effectsShown()
	}
}

// effectsShown lists the effects of the frame just drawn with their place on the screen.
func (g *Game) effectsShown() []match.Shown {
	var out []match.Shown
	for _, e := range g.live {
		x, y := g.arena.toScreen(e.X, e.Y)
		out = append(out, match.Shown{Kind: e.Kind.String(), X: x, Y: y})
	}
	return out
}

// Layout gives the lobby one logical screen size, which Ebitengine scales to the window, and
// lays the match out for the window itself, so that the arena fills it and words keep their
// size.
func (g *Game) Layout(w, h int) (int, int) {
	if g.model.Screen == screen.Lobby {
		return screenW, screenH
	}
	return max(w, minMatchW), max(h, minMatchH)
}

// saveScreenshot writes what dst shows to path as PNG. ReadPixels gives premultiplied RGBA,
// which image.RGBA stores as is.
func saveScreenshot(dst *ebiten.Image, path string) error {
	b := dst.Bounds()
	img := image.NewRGBA(b)
	dst.ReadPixels(img.Pix)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("encode screenshot: %w", err)
	}
	if err := writeFile(path, buf.Bytes()); err != nil {
		return fmt.Errorf("save screenshot: %w", err)
	}
	return nil
}

// writeFile writes data to path, creating its directory.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
