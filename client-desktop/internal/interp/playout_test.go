package interp

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// link delivers the snapshots of a 30 Hz room over a TCP-like line: each is sent at its
// tick's time and takes base plus a random part of spread, but none overtakes the one before.
type link struct {
	base, spread time.Duration
	rng          *rand.Rand
	last         time.Time
}

func (l *link) arrival(sent time.Time) time.Time {
	at := sent.Add(l.base + time.Duration(l.rng.Int64N(int64(l.spread)+1)))
	if at.Before(l.last) {
		at = l.last
	}
	l.last = at
	return at
}

// play drives a Playout for d at 60 frames a second with snapshots over l and returns what
// it did after a warm-up of three seconds, and the delay at the end.
func play(p *Playout, l *link, d time.Duration) (PlayoutStats, time.Duration) {
	start := time.Unix(1000, 0)
	frame := time.Second / 60
	tick := uint32(1)
	next := l.arrival(start.Add(step))
	var warm PlayoutStats
	for now := start; now.Sub(start) < d; now = now.Add(frame) {
		for !next.After(now) {
			p.Arrive(tick, next)
			tick++
			next = l.arrival(start.Add(time.Duration(tick) * step))
		}
		if tick > 1 {
			p.Draw(now, max(tick, 32)-32, tick-1)
		}
		if now.Sub(start) < 3*time.Second {
			warm = p.Stats()
		}
	}
	s := p.Stats()
	return PlayoutStats{Extrapolated: s.Extrapolated - warm.Extrapolated, Stalls: s.Stalls - warm.Stalls, Frozen: s.Frozen - warm.Frozen}, p.Delay()
}

// TestDelayFollowsJitter: the delay behind the earliest arrivals grows with the jitter of the
// line, from the floor on a steady one to a little more than the spread on a rough one, and
// within it the picture never stalls.
func TestDelayFollowsJitter(t *testing.T) {
	tests := []struct {
		name               string
		base, spread       time.Duration
		minDelay, maxDelay time.Duration
	}{
		{"loopback", 0, 2 * time.Millisecond, DelayFloor, DelayFloor},
		{"75 +- 15 ms", 60 * time.Millisecond, 30 * time.Millisecond, DelayFloor, DelayFloor},
		{"150 +- 40 ms", 110 * time.Millisecond, 80 * time.Millisecond, 105 * time.Millisecond, 135 * time.Millisecond},
		{"200 +- 80 ms", 120 * time.Millisecond, 160 * time.Millisecond, 170 * time.Millisecond, 210 * time.Millisecond},
		{"beyond the cap", 100 * time.Millisecond, 600 * time.Millisecond, DelayCap, DelayCap},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &link{base: tt.base, spread: tt.spread, rng: rand.New(rand.NewPCG(1, 2))}
			s, delay := play(NewPlayout(rate), l, time.Minute)
			if delay < tt.minDelay || delay > tt.maxDelay {
				t.Errorf("delay %v, want %v..%v", delay, tt.minDelay, tt.maxDelay)
			}
			if tt.spread < DelayCap && (s.Stalls > 0 || s.Extrapolated > time.Second) {
				t.Errorf("in a minute: %d stalls, %v extrapolated; want none and under a second", s.Stalls, s.Extrapolated)
			}
			t.Logf("delay %v, %+v", delay, s)
		})
	}
}

// TestALateSnapshotIsBridged: a snapshot a little later than the delay allows is bridged by
// extrapolating; a gap longer than the bound freezes the picture there, once, until the
// snapshots come again.
func TestALateSnapshotIsBridged(t *testing.T) {
	tests := []struct {
		name   string
		late   time.Duration // how late snapshot 100 is; those after it cannot overtake it
		stalls int
	}{
		{"on time", 0, 0},
		{"a little late", 130 * time.Millisecond, 0},
		{"far too late", 400 * time.Millisecond, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPlayout(rate)
			start := time.Unix(1000, 0)
			newest := uint32(0)
			maxAhead := 0.0
			for ms := 0; ms < 6000; ms += 4 {
				now := start.Add(time.Duration(ms) * time.Millisecond)
				for {
					due := start.Add(time.Duration(newest+1) * step)
					if held := start.Add(100*step + tt.late); newest+1 >= 100 && due.Before(held) {
						due = held
					}
					if due.After(now) {
						break
					}
					newest++
					p.Arrive(newest, due)
				}
				if newest > 0 {
					maxAhead = math.Max(maxAhead, p.Draw(now, 1, newest)-float64(newest))
				}
			}
			s := p.Stats()
			if s.Stalls != tt.stalls {
				t.Errorf("%d stalls, want %d (%+v)", s.Stalls, tt.stalls, s)
			}
			limit := float64(MaxExtrapolation) / float64(step)
			if maxAhead > limit+1e-9 {
				t.Errorf("drawn %.2f ticks past the newest snapshot, more than the bound %.2f", maxAhead, limit)
			}
			if (s.Extrapolated > 0) != (tt.late > 0) {
				t.Errorf("extrapolated for %v with a snapshot %v late", s.Extrapolated, tt.late)
			}
		})
	}
}

// TestTheDelayChangesWithoutJumps: when the jitter rises and falls, the drawn tick keeps
// moving forward at between 0.9 and 1.1 times real speed, never back and never jumping.
func TestTheDelayChangesWithoutJumps(t *testing.T) {
	p := NewPlayout(rate)
	rng := rand.New(rand.NewPCG(3, 4))
	start := time.Unix(1000, 0)
	frame := time.Second / 60
	// Snapshots sent from the fifth second to the twelfth are up to 150 ms late.
	lags := make([]time.Duration, 21*rate)
	for k := 5 * rate; k < 12*rate; k++ {
		lags[k] = time.Duration(rng.Int64N(int64(150 * time.Millisecond)))
	}
	tick := uint32(0)
	last, lastAt := math.NaN(), time.Time{}
	var delays []time.Duration
	for i := 0; i < 20*60; i++ {
		now := start.Add(time.Duration(i) * frame)
		for {
			sent := start.Add(time.Duration(tick+1) * step)
			if sent.Add(lags[tick+1]).After(now) {
				break
			}
			tick++
			p.Arrive(tick, sent.Add(lags[tick]))
		}
		if tick == 0 {
			continue
		}
		drawn := p.Draw(now, 1, tick)
		if !math.IsNaN(last) && i > 60 { // in the first second the picture waits to be behind
			dt := float64(now.Sub(lastAt)) / float64(step)
			if speed := (drawn - last) / dt; speed < 0.9-1e-9 || speed > 1.1+1e-9 {
				t.Fatalf("at %v the drawn tick moved from %.3f to %.3f: %.2f times real speed", now.Sub(start), last, drawn, speed)
			}
		}
		last, lastAt = drawn, now
		if i%60 == 59 {
			delays = append(delays, p.Delay()) // at the end of each second
		}
	}
	if delays[4] != DelayFloor || delays[10] <= DelayFloor || delays[19] != DelayFloor {
		t.Errorf("delay by the second %v: want the floor, then more while the line is rough, then the floor again", delays)
	}
}
