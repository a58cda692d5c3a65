// Package feel measures how the game feels to play at a given network: a player on the
// desktop client's own code (the Go client, prediction, interpolation, the match model)
// plays the real server through an in-process toxiproxy that gives the line latency, jitter,
// stalls or an outage, against a target that strafes on a direct line. It reports the delay
// from a key to the own ship moving on the screen and from a click to the own shot drawn,
// prediction corrections, interpolation stalls and extrapolation, how many shots aimed at the
// target as drawn hit it with lag compensation and without, and how soon play resumes after
// an outage. The same traffic is replayed through the browser's modules under node.
package feel

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"skirmish/client-desktop/internal/netlink"
	"skirmish/client-desktop/internal/tokens"
	"skirmish/game"
)

// Condition is a network to play over, the same both ways.
type Condition struct {
	Name            string
	Latency, Jitter time.Duration
	// StallShare of the chunks on the line, and those behind them, wait Stall more: lost
	// packets sent again.
	StallShare float64
	Stall      time.Duration
	// Outage, if set, is a silence of that long in the middle of the run.
	Outage time.Duration
	// Compare runs the same line against a server without lag compensation too.
	Compare bool
}

// Conditions are the networks of `make feel`.
var Conditions = []Condition{
	{Name: "0 ms", Compare: true},
	{Name: "75 ± 15 ms", Latency: 75 * time.Millisecond, Jitter: 15 * time.Millisecond, Compare: true},
	{Name: "150 ± 40 ms", Latency: 150 * time.Millisecond, Jitter: 40 * time.Millisecond, Compare: true},
	{Name: "75 ± 15 ms, 2 % stalls", Latency: 75 * time.Millisecond, Jitter: 15 * time.Millisecond, StallShare: 0.02, Stall: 250 * time.Millisecond},
	{Name: "75 ± 15 ms, 5 s outage", Latency: 75 * time.Millisecond, Jitter: 15 * time.Millisecond, Outage: 5 * time.Second},
}

// Options says how long to play each condition.
type Options struct {
	Play    time.Duration // with lag compensation
	Compare time.Duration // without, for conditions that compare
	// Node, if set, is the node binary that replays the traffic through the browser's
	// modules; the JavaScript figures are left out without it.
	Node string
	Log  io.Writer // progress, one line a run
}

// Result is what one condition measured.
type Result struct {
	Condition Condition
	// Answers are the delays from a key pressed to the own ship moving on the screen;
	// Clicks the frames (60 Hz) from a press of fire to the own shot on the screen.
	Answers []time.Duration
	Clicks  []int
	// Playing is the time in a running match, the base of every rate.
	Playing     time.Duration
	Corrections int
	Largest     float64 // pixels
	// Held and Dropped count the server's ticks that applied none of the player's inputs
	// (the ship held still) and the inputs it skipped: a dropped input makes the prediction
	// wrong though nothing touched the ship.
	Held, Dropped int
	// Explained counts the corrections on a tick that held the ship or dropped an input.
	Explained int
	Stalls    int
	Extrapolated, Frozen,
	Delay time.Duration // the interpolation delay at the end
	// Aimed shots judged by the server at a live target and the hits among them, with and
	// without lag compensation; Refused shots the server did not fire; Late shots that left
	// after an earlier one had fragged the target on the server, before the shooter could
	// see it: they cannot hit, and are not among the aimed.
	Aimed, Hits, Refused, Late int
	// Lags are how far back, in ticks, the judged shots' hit tests had to look to meet the
	// shooter's view, sorted; lag compensation looks at most Rewind ticks back.
	Lags              []int
	Rewind            int
	AimedOff, HitsOff int
	// After an outage: how long until the room counted down again, and until the player's
	// inputs were applied again.
	CountdownIn, BackIn time.Duration
	JS                  *JSFeel // nil without node
	// Load is the machine's load average over a minute when the condition began and ended
	// (-1 where the system does not say): the figures are only as good as the machine was
	// quiet.
	Load [2]float64
}

// Run plays every condition in turn on a server it builds and starts, and returns what each
// measured.
func Run(ctx context.Context, conds []Condition, opts Options) ([]Result, error) {
	dir, err := os.MkdirTemp("", "skirmish-feel-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin, err := buildServer(ctx, dir)
	if err != nil {
		return nil, err
	}
	var results []Result
	for i, c := range conds {
		r := Result{Condition: c}
		r.Load[0] = loadAverage()
		run := filepath.Join(dir, fmt.Sprint(i))
		s, err := play(ctx, bin, run, c, game.DefaultRewindMS*time.Millisecond, opts.Play)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		r.take(s)
		r.Rewind = game.RewindTicks(game.DefaultRewindMS, tickRate)
		if opts.Node != "" {
			if r.JS, err = replayJS(ctx, opts.Node, s.trace); err != nil {
				return nil, fmt.Errorf("%s: the browser's modules: %w", c.Name, err)
			}
		}
		if c.Compare && opts.Compare > 0 {
			off, err := play(ctx, bin, run+"-off", c, 0, opts.Compare)
			if err != nil {
				return nil, fmt.Errorf("%s without lag compensation: %w", c.Name, err)
			}
			r.AimedOff, r.HitsOff, _, _ = off.hits()
		}
		r.Load[1] = loadAverage()
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, "%-24s %d/%d aimed shots hit looking back %s ticks, %d corrections, %d/%d ticks held/inputs dropped, %d stalls\n",
				c.Name, r.Hits, r.Aimed, spread(r.Lags), r.Corrections, r.Held, r.Dropped, r.Stalls)
		}
		results = append(results, r)
	}
	return results, nil
}

// take copies the shooter's measurements.
func (r *Result) take(s *shooter) {
	f := s.model.Feel()
	r.Answers, r.Clicks, r.Playing = s.answers, s.clicks, s.playing
	r.Corrections, r.Largest = f.Prediction.Corrections, f.Prediction.Largest
	r.Held, r.Dropped, r.Explained = s.held, s.dropped, s.explained
	r.Stalls, r.Extrapolated, r.Frozen, r.Delay = f.Playout.Stalls, f.Playout.Extrapolated, f.Playout.Frozen, f.Delay
	r.Aimed, r.Hits, r.Refused, r.Late = s.hits()
	r.Lags = s.lags()
	r.CountdownIn, r.BackIn = s.countdownIn, s.backIn
}

// play runs one match on a fresh server with lag compensation up to rewind, the shooter on
// the condition's line and the target on a direct one, for d of frames at 60 Hz.
func play(ctx context.Context, bin, dir string, c Condition, rewind, d time.Duration) (*shooter, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	srv, err := startServer(ctx, bin, dir, rewind)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	room, err := srv.createRoom()
	if err != nil {
		return nil, err
	}
	ln, err := newLine(srv.addr, c)
	if err != nil {
		return nil, err
	}
	defer ln.close()
	tr, err := newTrace(filepath.Join(dir, "trace.jsonl"))
	if err != nil {
		return nil, err
	}
	defer tr.close()
	if _, err := startTarget(ctx, "ws://"+srv.addr+"/ws", room); err != nil {
		return nil, err
	}
	link := netlink.Dial(ln.url(), tokens.New(filepath.Join(dir, "tokens")), room, "shooter")
	defer link.Exit()
	s := newShooter(link, room, tr)

	frames := time.NewTicker(time.Second / 60)
	defer frames.Stop()
	start := time.Now()
	last := start
	outageAt := start.Add(d/2 - c.Outage/2)
	down := false
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case now := <-frames.C:
			if now.Sub(start) >= d {
				return s, tr.err
			}
			if c.Outage > 0 && !down && s.outageEnd.IsZero() && now.After(outageAt) {
				down = true
				if err := ln.outage(true); err != nil {
					return nil, err
				}
			}
			if down && now.After(outageAt.Add(c.Outage)) {
				down = false
				if err := ln.outage(false); err != nil {
					return nil, err
				}
				s.outageEnd = now
			}
			s.frame(now, now.Sub(last))
			last = now
		}
	}
}

// loadAverage returns the system's load average over the last minute, -1 if it cannot tell.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	var l float64
	if _, err := fmt.Sscan(string(b), &l); err != nil {
		return -1
	}
	return l
}

// percentile returns the p-th percentile (0..100) of ds, 0 for none.
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)*p/100]
}
