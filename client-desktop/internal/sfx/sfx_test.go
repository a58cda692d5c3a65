package sfx

import (
	"encoding/binary"
	"math"
	"testing"

	"skirmish/assets"
)

func TestEverySoundIsAudibleAndBounded(t *testing.T) {
	for _, name := range assets.SoundNames {
		t.Run(name, func(t *testing.T) {
			p := assets.Sounds[name]
			s := Build(p)
			a := defaults
			copy(a[:], p)
			if want := int((max(a[3], 9.0/SampleRate) + a[18] + a[4] + a[5] + a[16]) * SampleRate); abs(len(s)-want) > 1 {
				t.Errorf("%d samples, want %d (attack + decay + sustain + release + delay)", len(s), want)
			}
			peak, energy := 0.0, 0.0
			for _, v := range s {
				peak = max(peak, math.Abs(v))
				energy += v * v
			}
			if peak > a[0]*Volume*1.01 || peak < a[0]*Volume*0.05 {
				t.Errorf("peak %.3f; want it audible and within the volume %.3f", peak, a[0]*Volume)
			}
			if rms := math.Sqrt(energy / float64(len(s))); rms < 0.005 {
				t.Errorf("rms %.4f: the sound is next to silence", rms)
			}
		})
	}
}

func TestBuildIsTheSameEveryTime(t *testing.T) {
	a, b := Build(assets.Sounds["death"]), Build(assets.Sounds["death"])
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("sample %d differs between two builds: %v, %v", i, a[i], b[i])
		}
	}
}

func TestStereo(t *testing.T) {
	got := Stereo([]float64{0.5, -2}, 0.5)
	want := []float32{0.25, 0.25, -1, -1}
	for i, w := range want {
		if v := math.Float32frombits(binary.LittleEndian.Uint32(got[4*i:])); v != w {
			t.Errorf("value %d = %v, want %v", i, v, w)
		}
	}
}

func abs(n int) int { return max(n, -n) }
