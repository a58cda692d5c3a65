package ui

import (
	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"

	"skirmish/client-desktop/internal/inputs"
	"skirmish/game"
)

// controls reads the keyboard and mouse: WASD or arrows move, the mouse aims, a click or
// space fires.
func (g *Game) controls() inputs.Controls {
	held := func(keys ...ebiten.Key) bool {
		for _, k := range keys {
			if ebiten.IsKeyPressed(k) {
				return true
			}
		}
		return false
	}
	c := inputs.Controls{
		Up:    held(ebiten.KeyW, ebiten.KeyArrowUp),
		Down:  held(ebiten.KeyS, ebiten.KeyArrowDown),
		Left:  held(ebiten.KeyA, ebiten.KeyArrowLeft),
		Right: held(ebiten.KeyD, ebiten.KeyArrowRight),
		Fire:  held(ebiten.KeySpace) || ebiten.IsMouseButtonPressed(ebiten.MouseButtonLeft),
	}
	if own, ok := g.model.Own(); ok && g.arena != nil {
		mx, my := ebiten.CursorPosition()
		wx, wy := g.arena.toWorld(float64(mx), float64(my))
		c.AimX = wx - float64(own.Pos.X)/game.SubPixel
		c.AimY = wy - float64(own.Pos.Y)/game.SubPixel
	}
	return c
}

// leaveKey reports whether the player asked to go back to the lobby.
func leaveKey() bool { return inpututil.IsKeyJustPressed(ebiten.KeyEscape) }

// anyKeyOrClick reports whether the player pressed something, to dismiss a message.
func anyKeyOrClick() bool {
	return inpututil.IsKeyJustPressed(ebiten.KeyEnter) || inpututil.IsKeyJustPressed(ebiten.KeyEscape) ||
		inpututil.IsKeyJustPressed(ebiten.KeySpace) || inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft)
}
