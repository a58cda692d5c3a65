package game

import (
	"testing"
)

// box is a 12x9 test room: open floor, a wall block in the middle, spawns along the edges.
const box = `; test room
############
#S...S....S#
#..........#
#..........#
#....##....#
#....##....#
#S.........#
#S..S...S.S#
############
`

func mustMap(t testing.TB, name, text string) *Map {
	t.Helper()
	m, err := ParseMap(name, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// duel returns a World on box with seats 0 and 1 active and alive at the given tiles,
// standing still and aiming right.
func duel(t testing.TB, cfg Config, tile0, tile1 [2]int) *World {
	t.Helper()
	w := NewWorld(cfg, mustMap(t, "box", box))
	for seat, tile := range [][2]int{tile0, tile1} {
		w.SetActive(seat, true)
		w.Ships[seat].Pos = TileCentre(tile[0], tile[1])
	}
	return w
}
