package interp

import (
	"math"
	"slices"
	"time"
)

// Playout decides which server tick to draw at each moment: as little behind the newest
// snapshot as the network's jitter allows, so that the next snapshot is nearly always there
// before it is needed (a jitter buffer, as Overwatch and VALORANT keep one).
//
// Each snapshot's arrival, less the time its tick was due on a steady clock, is its offset.
// The earliest offsets over the last few seconds say when a snapshot arrives at best; how much
// later the 95th percentile comes is the jitter. The delay behind the earliest arrivals is the
// widest gap between two snapshots' ticks plus that jitter plus a margin, kept between a floor
// and a cap. The drawn tick follows the target at between 0.9 and 1.1 times real speed, so a
// change of delay is never a jump. When a snapshot is later than that, the picture carries the
// ships on along their velocity for at most MaxExtrapolation, then holds still (a stall).
type Playout struct {
	tick  time.Duration
	floor float64 // the delay's bounds, in ticks
	cap   float64

	// The last window arrivals: offsets in ticks from origin, and the tick gaps.
	origin  time.Time
	offsets []float64
	gaps    []uint32
	ring    int // where the next arrival goes
	newest  uint32
	lastAt  time.Time
	synced  bool
	sorted  []float64 // scratch for the percentile
	delay   float64   // in ticks
	earlier float64   // the earliest offset in the window

	drawn   float64 // the tick the clock is at, fractional
	shown   float64 // the tick drawn last: drawn, or the oldest snapshot's if that is later
	drawnAt time.Time
	drawing bool
	live    bool
	stalled bool

	stats PlayoutStats
}

// PlayoutStats is what a Playout has done so far.
type PlayoutStats struct {
	// Extrapolated is how long the drawn tick was past the newest snapshot, stalls included;
	// Stalls counts the times it reached MaxExtrapolation and the picture held still, for
	// Frozen in all.
	Extrapolated time.Duration
	Stalls       int
	Frozen       time.Duration
}

// The bounds of the delay behind the earliest arrivals, and of extrapolation. The floor is
// three ticks at 30 Hz, as the fixed delay was before the playout adapted: what is shown of a
// steady line, effects included, is as it was.
const (
	DelayFloor       = 100 * time.Millisecond
	DelayCap         = 250 * time.Millisecond
	MaxExtrapolation = 100 * time.Millisecond
)

const (
	// window is how long arrivals count for the jitter, in seconds of snapshots.
	window = 3
	// margin is added to the measured jitter, in ticks, for a snapshot a little later still.
	margin = 0.25
	// slew is the most the drawn tick runs faster or slower than real time to reach its target.
	slew = 0.1
	// snapTicks is the distance to the target, in ticks, beyond which the drawn tick jumps
	// there at once: a start, a resync, a new match. So it does after nothing was drawn for
	// resyncGap.
	snapTicks = 8
	// resyncGap is a silence after which arrivals start afresh: a pause, a reconnect.
	resyncGap = time.Second
)

// NewPlayout returns a Playout for snapshots of a room stepping tickRate times a second.
func NewPlayout(tickRate int) *Playout {
	tick := time.Second / time.Duration(tickRate)
	n := window * tickRate
	return &Playout{
		tick:    tick,
		floor:   float64(DelayFloor) / float64(tick),
		cap:     float64(DelayCap) / float64(tick),
		offsets: make([]float64, 0, n),
		gaps:    make([]uint32, 0, n),
		sorted:  make([]float64, 0, n),
		live:    true,
	}
}

// Reset forgets every arrival and the drawn tick, for a new match or a resync.
func (p *Playout) Reset() {
	p.offsets, p.gaps, p.ring = p.offsets[:0], p.gaps[:0], 0
	p.synced, p.drawing, p.stalled = false, false, false
}

// SetLive says whether the room is running. Only then do snapshots keep coming, so only then
// is a missing one late: otherwise the picture holds at the newest without extrapolating. A
// room that starts running again has been silent: the clock waits for its next snapshot.
func (p *Playout) SetLive(live bool) {
	if live && !p.live {
		p.synced = false
	}
	p.live = live
}

// Stats returns what the Playout has done so far.
func (p *Playout) Stats() PlayoutStats { return p.stats }

// Delay returns the current delay behind the earliest arrivals.
func (p *Playout) Delay() time.Duration { return time.Duration(p.delay * float64(p.tick)) }

// Arrive records that the snapshot of tick arrived at time at. Ticks rise; a tick that does
// not, or one after a long silence, starts the arrivals afresh.
func (p *Playout) Arrive(tick uint32, at time.Time) {
	if !p.synced || tick <= p.newest || at.Sub(p.lastAt) > resyncGap {
		p.offsets, p.gaps, p.ring = p.offsets[:0], p.gaps[:0], 0
		p.origin, p.newest, p.synced = at.Add(-time.Duration(tick)*p.tick), tick-1, true
	}
	off := float64(at.Sub(p.origin))/float64(p.tick) - float64(tick)
	gap := tick - p.newest
	if len(p.offsets) < cap(p.offsets) {
		p.offsets, p.gaps = append(p.offsets, off), append(p.gaps, gap)
	} else {
		p.offsets[p.ring], p.gaps[p.ring] = off, gap
		p.ring = (p.ring + 1) % len(p.offsets)
	}
	p.newest, p.lastAt = tick, at

	p.sorted = append(p.sorted[:0], p.offsets...)
	slices.Sort(p.sorted)
	p.earlier = p.sorted[0]
	jitter := p.sorted[(len(p.sorted)-1)*95/100] - p.earlier
	p.delay = math.Min(math.Max(float64(slices.Max(p.gaps))+jitter+margin, p.floor), p.cap)
}

// target returns the tick to draw at time now: the delay behind the tick that arrives now at
// the earliest.
func (p *Playout) target(now time.Time) float64 {
	return float64(now.Sub(p.origin))/float64(p.tick) - p.earlier - p.delay
}

// Draw returns the tick to draw at time now, between oldest and newest, the ticks of the
// snapshots held, or up to MaxExtrapolation past the newest. Calls must not go back in time.
func (p *Playout) Draw(now time.Time, oldest, newest uint32) float64 {
	if !p.synced {
		return float64(newest)
	}
	want := p.target(now)
	var elapsed time.Duration
	switch {
	case !p.drawing || now.Sub(p.drawnAt) > resyncGap || math.Abs(want-p.drawn) > snapTicks:
		p.drawn, p.drawing = want, true
	default:
		elapsed = now.Sub(p.drawnAt)
		dt := float64(elapsed) / float64(p.tick)
		next := p.drawn + dt
		p.drawn = next + math.Max(-slew*dt, math.Min(slew*dt, want-next))
	}
	p.drawnAt = now

	limit := float64(newest)
	if p.live {
		limit += float64(MaxExtrapolation) / float64(p.tick)
	}
	if p.drawn >= limit {
		if p.live && !p.stalled {
			p.stats.Stalls++
		}
		if p.stalled {
			p.stats.Frozen += elapsed
		}
		// Held here, the picture goes on from here when snapshots come again.
		p.stalled = p.live
		p.drawn = limit
	} else {
		p.stalled = false
	}
	if p.drawn > float64(newest) && p.live {
		p.stats.Extrapolated += elapsed
	}
	// Before the oldest snapshot (only just started) the picture waits for the clock.
	p.shown = math.Max(p.drawn, float64(oldest))
	return p.shown
}

// Drawn returns the tick drawn last: what the player sees of the other ships.
func (p *Playout) Drawn() float64 { return p.shown }
