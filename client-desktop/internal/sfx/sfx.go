// Package sfx synthesizes the game's sound effects from the ZzFX parameters in the assets'
// sounds.json, the same parameters the web client plays with the zzfx package, so both
// clients sound alike. Build is a port of ZzFX's buildSamples (ZzFX, MIT licence, Frank
// Force) without its random detune, so a sound is the same every time.
package sfx

import (
	"encoding/binary"
	"math"
)

// SampleRate is the rate of the samples Build makes, in Hz.
const SampleRate = 44100

// Volume is ZzFX's master volume, which its sounds are made for.
const Volume = 0.3

// defaults are ZzFX's parameters where a sound leaves them out: volume, randomness,
// frequency, attack, sustain, release, shape, shapeCurve, slide, deltaSlide, pitchJump,
// pitchJumpTime, repeatTime, noise, modulation, bitCrush, delay, sustainVolume, decay,
// tremolo, filter.
var defaults = [21]float64{1, 0.05, 220, 0, 0, 0.1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}

// Build returns the mono samples of the sound with ZzFX parameters p.
func Build(p []float64) []float64 {
	a := defaults
	copy(a[:], p)
	volume, frequency, attack, sustain, release := a[0], a[2], a[3], a[4], a[5]
	shape, shapeCurve, slide, deltaSlide, pitchJump := a[6], a[7], a[8], a[9], a[10]
	pitchJumpTime, repeatTime, noise, modulation, bitCrush := a[11], a[12], a[13], a[14], a[15]
	delay, sustainVolume, decay, tremolo, filter := a[16], a[17], a[18], a[19], a[20]

	const sr = SampleRate
	pi2 := 2 * math.Pi
	sign := func(v float64) float64 {
		if v < 0 {
			return -1
		}
		return 1
	}
	slide *= 500 * pi2 / sr / sr
	startSlide := slide
	frequency *= pi2 / sr
	startFrequency := frequency

	// The biquad low- or high-pass filter.
	quality := 2.0
	w := pi2 * math.Abs(filter) * 2 / sr
	cos, alpha := math.Cos(w), math.Sin(w)/2/quality
	a0 := 1 + alpha
	a1, a2 := -2*cos/a0, (1-alpha)/a0
	b0 := (1 + sign(filter)*cos) / 2 / a0
	b1, b2 := -(sign(filter)+cos)/a0, b0
	var x1, x2, y1, y2 float64

	const minAttack = 9 // keeps an attack of 0 from popping
	attack *= sr
	if attack == 0 {
		attack = minAttack
	}
	decay *= sr
	sustain *= sr
	release *= sr
	delay *= sr
	deltaSlide *= 500 * pi2 / (sr * sr * sr)
	modulation *= pi2 / sr
	pitchJump *= pi2 / sr
	pitchJumpTime *= sr
	repeat := int(repeatTime * sr)
	volume *= Volume

	length := int(attack + decay + sustain + release + delay)
	b := make([]float64, length)
	var t, s float64
	crush, rep, jump, modOffset := 0, 0, 1.0, 0.0
	crushEvery := int(bitCrush * 100)
	for i := 0; i < length; i++ {
		crush++
		// A bit crush holds a sample for crushEvery samples.
		if crushEvery == 0 || crush%crushEvery == 0 {
			switch {
			case shape > 4:
				if math.Mod(t/pi2, 1) < shapeCurve/2 {
					s = 1
				} else {
					s = -1
				}
			case shape > 3:
				s = math.Sin(t * t * t)
			case shape > 2:
				s = math.Max(math.Min(math.Tan(t), 1), -1)
			case shape > 1:
				s = 1 - math.Mod(math.Mod(2*t/pi2, 2)+2, 2)
			case shape > 0:
				s = 1 - 4*math.Abs(math.Round(t/pi2)-t/pi2)
			default:
				s = math.Sin(t)
			}
			fi := float64(i)
			trem := 1.0
			if repeat != 0 {
				trem = 1 - tremolo + tremolo*math.Sin(pi2*fi/float64(repeat))
			}
			if shape <= 4 {
				s = sign(s) * math.Pow(math.Abs(s), shapeCurve)
			}
			var env float64
			switch {
			case fi < attack:
				env = fi / attack
			case fi < attack+decay:
				env = 1 - ((fi-attack)/decay)*(1-sustainVolume)
			case fi < attack+decay+sustain:
				env = sustainVolume
			case fi < float64(length)-delay:
				env = (float64(length) - fi - delay) / release * sustainVolume
			}
			s *= trem * env
			if delay != 0 {
				echo := 0.0
				if fi >= delay {
					k := 1.0
					if fi >= float64(length)-delay {
						k = (float64(length) - fi) / delay
					}
					echo = k * b[i-int(delay)] / 2 / volume
				}
				s = s/2 + echo
			}
			if filter != 0 {
				y := b2*x2 + b1*x1 + b0*s - a2*y2 - a1*y1
				x2, x1 = x1, s
				y2, y1 = y1, y
				s = y
			}
		}
		slide += deltaSlide
		frequency += slide
		f := frequency * math.Cos(modulation*modOffset)
		modOffset++
		t += f + f*noise*math.Sin(math.Pow(float64(i), 5))
		if jump != 0 {
			jump++
			if jump > pitchJumpTime {
				frequency += pitchJump
				startFrequency += pitchJump
				jump = 0
			}
		}
		if repeat != 0 {
			rep++
			if rep%repeat == 0 {
				frequency, slide = startFrequency, startSlide
				if jump == 0 {
					jump = 1
				}
			}
		}
		b[i] = s * volume
	}
	return b
}

// Stereo returns samples as interleaved stereo 32-bit float little-endian bytes, each at
// gain, the format Ebitengine's audio players take.
func Stereo(samples []float64, gain float64) []byte {
	out := make([]byte, 8*len(samples))
	for i, v := range samples {
		bits := math.Float32bits(float32(max(-1, min(1, v*gain))))
		binary.LittleEndian.PutUint32(out[8*i:], bits)
		binary.LittleEndian.PutUint32(out[8*i+4:], bits)
	}
	return out
}
