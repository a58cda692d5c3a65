package ui

import (
	"time"

	"github.com/hajimehoshi/ebiten/v2/audio"

	"skirmish/assets"
	"skirmish/client-desktop/internal/match"
	"skirmish/client-desktop/internal/prefs"
	"skirmish/client-desktop/internal/sfx"
)

// A burst of sounds closer together than burstWindow is cut at burstMax, so a firefight stays
// a sound.
const (
	burstWindow = 60 * time.Millisecond
	burstMax    = 4
)

// sounds plays the sound effects, synthesized once at the start, with Ebitengine's audio.
// A machine without a sound device plays none (Ebitengine would stop the game over it), and
// neither does a player who muted them, which is kept in the settings.
type sounds struct {
	ctx    *audio.Context // nil without a sound device
	data   map[string][]byte
	muted  bool
	dir    string // where the settings are kept
	recent []time.Time
}

func newSounds(dir string) *sounds {
	p, _ := prefs.Load(dir) // unreadable settings are the defaults
	s := &sounds{muted: p.Muted, dir: dir}
	if !audioDevice() {
		return s
	}
	s.ctx = audio.NewContext(sfx.SampleRate)
	s.data = make(map[string][]byte, len(assets.Sounds))
	for name, params := range assets.Sounds {
		s.data[name] = sfx.Stereo(sfx.Build(params), 1)
	}
	return s
}

// state says in a word what the player hears: sound, muted or silent (no device).
func (s *sounds) state() string {
	switch {
	case s.ctx == nil:
		return "no sound device"
	case s.muted:
		return "muted (M)"
	}
	return "sound on (M)"
}

// toggle mutes or unmutes, and keeps the choice for the next run.
func (s *sounds) toggle() {
	s.muted = !s.muted
	_ = prefs.Save(s.dir, prefs.Prefs{Muted: s.muted}) // not kept, it still holds for this run
}

// play starts the sounds of cues.
func (s *sounds) play(cues []match.Cue, now time.Time) {
	if s.ctx == nil || s.muted {
		return
	}
	keep := s.recent[:0]
	for _, t := range s.recent {
		if now.Sub(t) < burstWindow {
			keep = append(keep, t)
		}
	}
	s.recent = keep
	for _, c := range cues {
		data, ok := s.data[c.Sound]
		if !ok || len(s.recent) >= burstMax {
			continue
		}
		p := s.ctx.NewPlayerF32FromBytes(data)
		p.SetVolume(c.Volume)
		p.Play()
		s.recent = append(s.recent, now)
	}
}
