package inputs

import (
	"testing"
	"time"

	"skirmish/game"
)

func TestOneInputPerTickWhateverTheFrameRate(t *testing.T) {
	tests := []struct {
		name  string
		frame time.Duration
	}{
		{"144 Hz monitor", time.Second / 144},
		{"60 Hz monitor", time.Second / 60},
		{"slow 20 fps", time.Second / 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSampler(30)
			start := time.Unix(0, 0)
			total := 0
			for now := start; now.Sub(start) < 10*time.Second; now = now.Add(tt.frame) {
				total += s.Due(now)
			}
			if total < 299 || total > 301 {
				t.Errorf("%d inputs in 10 s at 30 Hz, want 300", total)
			}
		})
	}
}

func TestAStallSkipsTicksInsteadOfFlooding(t *testing.T) {
	s := NewSampler(30)
	start := time.Unix(0, 0)
	s.Due(start)
	if n := s.Due(start.Add(5 * time.Second)); n != maxCatchUp {
		t.Errorf("after a 5 s stall %d inputs are due, want %d", n, maxCatchUp)
	}
	if n := s.Due(start.Add(5*time.Second + time.Millisecond)); n != 0 {
		t.Errorf("right after catching up %d more inputs are due", n)
	}
}

func TestFirePullsTheNextInputForward(t *testing.T) {
	const tick = time.Second / 30
	s := NewSampler(30)
	start := time.Unix(0, 0)
	s.Due(start)
	click := start.Add(tick / 3)
	if s.Due(click) != 0 || !s.Pull(click) {
		t.Fatal("a press a third into a tick does not send an input at once")
	}
	if s.Pull(click.Add(time.Millisecond)) {
		t.Error("a second press right after the first pulled another input")
	}
	// The pulled input was the one due at the end of this tick: the next is due a tick later.
	if n := s.Due(start.Add(tick)); n != 0 {
		t.Errorf("%d inputs due when the pulled one would have been", n)
	}
	total := 1
	for now := click; now.Sub(start) < 10*time.Second; now = now.Add(time.Second / 60) {
		total += s.Due(now)
		if now.Sub(start)%time.Second < time.Second/60 {
			total += b2i(s.Pull(now))
		}
	}
	if total < 299 || total > 302 {
		t.Errorf("%d inputs in 10 s at 30 Hz with a press every second, want 300 and not a backlog", total)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestControlsBecomeInputs(t *testing.T) {
	tests := []struct {
		name       string
		c          Controls
		buttons    game.Buttons
		aimX, aimY int16
	}{
		{"idle", Controls{}, 0, 0, 0},
		{"diagonal and fire", Controls{Up: true, Left: true, Fire: true, AimX: -40, AimY: 12.7},
			game.ButtonUp | game.ButtonLeft | game.ButtonFire, -40, 12},
		{"opposites both held", Controls{Left: true, Right: true}, game.ButtonLeft | game.ButtonRight, 0, 0},
		{"far aim keeps its direction", Controls{AimX: 100000, AimY: -50000}, 0, 32767, -16383},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.c.Input()
			if in.Buttons != tt.buttons || in.AimX != tt.aimX || in.AimY != tt.aimY {
				t.Errorf("got buttons %05b aim (%d,%d), want %05b (%d,%d)", in.Buttons, in.AimX, in.AimY, tt.buttons, tt.aimX, tt.aimY)
			}
		})
	}
}
