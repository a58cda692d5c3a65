package assets

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestMaps(t *testing.T) {
	names := MapNames()
	if !slices.Equal(names, []string{"arena", "pillars"}) {
		t.Errorf("maps %v, want [arena pillars]", names)
	}
	for _, name := range names {
		text, err := Map(name)
		if err != nil || !bytes.Contains(text, []byte("#S")) {
			t.Errorf("map %s: %v, %d bytes", name, err, len(text))
		}
	}
	for _, bad := range []string{"nowhere", "../assets", "arena.txt", "README", ""} {
		if _, err := Map(bad); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "available: arena, pillars") {
			t.Errorf("Map(%q): %v, want ErrNotFound listing the maps", bad, err)
		}
	}
}

func TestSprites(t *testing.T) {
	sizes := map[string]int{"floor": 32, "wall": 32, "projectile": 8}
	for i := range 8 {
		sizes[fmt.Sprintf("ship%d", i)] = 64
	}
	for _, name := range SpriteNames {
		t.Run(name, func(t *testing.T) {
			data, err := Sprite(name)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			want, ok := sizes[name]
			if !ok {
				want = 32
			}
			if b := img.Bounds(); b.Dx() != want || b.Dy() != want {
				t.Errorf("size %v, want %dx%d", b.Size(), want, want)
			}
			if served, err := fs.ReadFile(FS, "sprites/"+name+".png"); err != nil || !bytes.Equal(served, data) {
				t.Errorf("FS serves %d bytes, err %v", len(served), err)
			}
		})
	}
	if _, err := Sprite("tank"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown sprite: %v, want ErrNotFound", err)
	}
}

func TestPalette(t *testing.T) {
	hex := regexp.MustCompile(`^#[0-9a-f]{6}$`)
	all := append(SeatColors[:], Colors.Background, Colors.Floor, Colors.Wall, Colors.Text)
	for i, c := range all {
		if !hex.MatchString(c) {
			t.Errorf("colour %d is %q, want #rrggbb", i, c)
		}
	}
	seen := map[string]bool{}
	for _, c := range SeatColors {
		if seen[c] {
			t.Errorf("seat colour %s used twice", c)
		}
		seen[c] = true
	}
}

func TestFont(t *testing.T) {
	// A TrueType file starts with the sfnt version 1.0.
	if len(FontTTF) < 1000 || !bytes.HasPrefix(FontTTF, []byte{0, 1, 0, 0}) {
		t.Errorf("FontTTF is %d bytes starting %x, want a TrueType font", len(FontTTF), FontTTF[:min(4, len(FontTTF))])
	}
}

func TestSounds(t *testing.T) {
	for _, name := range SoundNames {
		p, ok := Sounds[name]
		if !ok {
			t.Errorf("sound %s is missing from sounds.json", name)
			continue
		}
		// ZzFX takes 21 parameters; volume and length (attack + sustain + release) must say
		// something audible.
		if len(p) < 6 || len(p) > 21 || p[0] <= 0 || p[0] > 1 || p[3]+p[4]+p[5] <= 0 {
			t.Errorf("sound %s: parameters %v do not make a sound", name, p)
		}
	}
	if len(Sounds) != len(SoundNames) {
		t.Errorf("sounds.json has %d sounds, SoundNames lists %d", len(Sounds), len(SoundNames))
	}
}
