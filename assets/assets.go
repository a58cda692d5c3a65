// Package assets embeds everything Skirmish's server and clients share: the maps, the sprites,
// the colour palette and the font. It only exports bytes; each client decodes what it needs.
//
// Files, as served by the server to web clients from FS:
//
//	maps/NAME.txt       arena layouts (format in maps/README.md)
//	sprites/NAME.png    the sprites listed in SpriteNames
//	palette.json        {"seats": [8 colours], "background", "floor", "wall", "text"} as "#rrggbb"
//	sounds.json         {"NAME": [ZzFX parameters], ...} for the sounds listed in SoundNames
//
// The sprites are generated from palette.json by internal/gensprites; run `go generate
// ./assets` after changing either, and commit the result.
package assets

//go:generate go run ./internal/gensprites -palette palette.json -out sprites

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"golang.org/x/image/font/gofont/goregular"
)

//go:embed maps/*.txt maps/README.md sprites/*.png palette.json sounds.json
var files embed.FS

// FS holds every asset file under its path (maps/arena.txt, sprites/ship0.png, palette.json),
// ready for http.FileServerFS.
var FS fs.FS = files

// FontTTF is the Go Regular TrueType font.
var FontTTF = goregular.TTF

// ErrNotFound is wrapped by the errors of Map and Sprite for names that do not exist.
var ErrNotFound = errors.New("asset not found")

// Palette is the shared colour scheme, each colour as "#rrggbb".
type Palette struct {
	Seats      [8]string `json:"seats"` // ship colour of each seat
	Background string    `json:"background"`
	Floor      string    `json:"floor"`
	Wall       string    `json:"wall"`
	Text       string    `json:"text"`
}

// Colors is the palette from palette.json, which the web client fetches as is.
var Colors = mustJSON[Palette]("palette.json")

// SeatColors are the ships' colours by seat, as "#rrggbb".
var SeatColors = Colors.Seats

// SpriteNames lists the sprites, each 'sprites/NAME.png' in FS. Ships (64 x 64) point right
// (+x) and come in one colour per seat, drawn at twice the size clients usually show them;
// tiles are 32 x 32; projectiles are tinted white cores clients may colour.
var SpriteNames = []string{"floor", "projectile", "ship0", "ship1", "ship2", "ship3", "ship4", "ship5", "ship6", "ship7", "wall"}

// SoundNames lists the sounds of sounds.json: a shot, a hit, the marker of a hit the player
// made, a death, a respawn, a countdown second, the start, the end of a match, a cheer.
var SoundNames = []string{"shot", "hit", "marker", "death", "respawn", "countdown", "start", "end", "cheer"}

// Sounds are the sound effects by name, each as the parameters of a ZzFX sound (volume,
// randomness, frequency, attack, sustain, release, shape, shape curve, slide, delta slide,
// pitch jump, pitch jump time, repeat time, noise, modulation, bit crush, delay, sustain
// volume, decay, tremolo, filter; missing ones take ZzFX's defaults). The web client plays
// them with the zzfx package, the desktop client synthesizes them the same way.
var Sounds = mustJSON[map[string][]float64]("sounds.json")

// mustJSON decodes the embedded JSON file name; the files are the project's own, so a broken
// one is a build mistake.
func mustJSON[T any](name string) T {
	var v T
	data, err := files.ReadFile(name)
	if err == nil {
		err = json.Unmarshal(data, &v)
	}
	if err != nil {
		panic(fmt.Sprintf("assets: %s: %v", name, err))
	}
	return v
}

// Map returns the text of the map called name.
func Map(name string) ([]byte, error) {
	if !slices.Contains(MapNames(), name) {
		return nil, fmt.Errorf("map %q: %w (available: %s)", name, ErrNotFound, strings.Join(MapNames(), ", "))
	}
	return files.ReadFile("maps/" + name + ".txt")
}

// MapNames lists the names of the embedded maps, sorted.
func MapNames() []string {
	entries, _ := fs.Glob(files, "maps/*.txt") // the pattern is valid, so Glob cannot fail
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = strings.TrimSuffix(path.Base(e), ".txt")
	}
	return names
}

// Sprite returns the PNG bytes of the sprite called name (see SpriteNames).
func Sprite(name string) ([]byte, error) {
	if !slices.Contains(SpriteNames, name) {
		return nil, fmt.Errorf("sprite %q: %w", name, ErrNotFound)
	}
	return files.ReadFile("sprites/" + name + ".png")
}
