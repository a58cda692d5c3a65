package feel

import (
	"fmt"
	"io"
	"runtime"
	"skirmish/game"
	"strings"
	"time"
)

// perMinute scales a count over d to a minute.
func perMinute(n float64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return n * float64(time.Minute) / float64(d)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }

// share formats hits out of n as a percentage with its count.
func share(hits, n int) string {
	if n == 0 {
		return "none aimed"
	}
	return fmt.Sprintf("%.0f %% (%d/%d)", 100*float64(hits)/float64(n), hits, n)
}

// spread says how far back shots had to look, in ticks: the least, the median and the most.
func spread(lags []int) string {
	if len(lags) == 0 {
		return "no"
	}
	return fmt.Sprintf("%d / %d / %d", lags[0], lags[len(lags)/2], lags[len(lags)-1])
}

// clicks formats the frames from clicks to shots: how many were in the same frame.
func clicks(fs []int) string {
	if len(fs) == 0 {
		return "none"
	}
	same, worst := 0, 0
	for _, f := range fs {
		if f == 0 {
			same++
		}
		worst = max(worst, f)
	}
	return fmt.Sprintf("%d/%d same frame, worst %d", same, len(fs), worst)
}

// goal is one of the targets at 150 ± 40 ms: what it asks, what was measured, and
// whether it was met.
type goal struct {
	what, measured string
	met            bool
	why            string // a word on a miss
}

// goals judges the results against the targets; the outage target is read from the
// condition with an outage.
func goals(rs []Result) []goal {
	var at, out *Result
	for i := range rs {
		switch c := rs[i].Condition; {
		case c.Latency == 150*time.Millisecond && c.StallShare == 0 && c.Outage == 0:
			at = &rs[i]
		case c.Outage > 0:
			out = &rs[i]
		}
	}
	var ts []goal
	if at != nil {
		same := 0
		for _, f := range at.Clicks {
			if f == 0 {
				same++
			}
		}
		ts = append(ts, goal{
			what:     "own shot on screen in the same frame as the click",
			measured: clicks(at.Clicks),
			met:      len(at.Clicks) > 0 && same == len(at.Clicks),
			why:      "some shots appeared a frame or more after their click",
		})
		ts = append(ts, goal{
			what:     "0 interpolation stalls per minute",
			measured: fmt.Sprintf("%.1f per minute", perMinute(float64(at.Stalls), at.Playing)),
			met:      at.Stalls == 0,
			why:      "the jitter buffer let the picture run out of snapshots",
		})
		moved := perMinute(float64(at.Held+at.Dropped), at.Playing)
		why := "the server's input buffer gave an input back while the ship moved, and the ship moved " +
			"otherwise than predicted"
		if n := at.Corrections - at.Explained; n > 0 {
			why += fmt.Sprintf("; %d came on ticks where the server applied our inputs one each, which the prediction should have matched", n)
		}
		ts = append(ts, goal{
			what: "corrections only where something else touched the ship",
			measured: fmt.Sprintf("%.1f per minute, largest %.1f px, %d of %d on a tick where the server held the ship or dropped one of our inputs (%.1f a minute)",
				perMinute(float64(at.Corrections), at.Playing), at.Largest, at.Explained, at.Corrections, moved),
			met: at.Corrections == 0,
			why: why,
		})
		ts = append(ts, goal{
			what: "at least 95 % of shots aimed at a ship as drawn hit it (compensated)",
			measured: share(at.Hits, at.Aimed) + "; without compensation " + share(at.HitsOff, at.AimedOff) +
				fmt.Sprintf("; the shots looked back %s ticks (least / median / most), compensation at most %d; %d more left at a ship already down", spread(at.Lags), at.Rewind, at.Late),
			met: at.Aimed > 0 && float64(at.Hits) >= 0.95*float64(at.Aimed),
			why: "shots aimed at the target as drawn missed it on the server",
		})
	}
	if out != nil {
		ts = append(ts, goal{
			what: "back to playing within 1 s of an outage's end, plus the countdown",
			measured: fmt.Sprintf("countdown %s after the end (at 75 ± 15 ms), inputs applied again after %s",
				ms(out.CountdownIn), ms(out.BackIn)),
			met: out.BackIn > 0 && out.CountdownIn <= time.Second,
			why: "the player took longer than a second to be back in the room",
		})
	}
	return ts
}

// Write writes FEEL.md: how it was measured, the table, and the targets with a word on any
// missed.
func Write(w io.Writer, rs []Result, opts Options, when time.Time) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Play feel\n\n")
	fmt.Fprintf(&b, "Written by `make feel` on %s, on this machine (%d cores, %s): a player on the desktop client's\n", when.Format("2006-01-02"), runtime.NumCPU(), runtime.Version())
	b.WriteString(`own code (the Go client, its prediction, interpolation and match model) plays the real server at
30 Hz through an in-process toxiproxy, against a target that runs along a lane at full speed on
a direct line. The player stands still, fires at the target as drawn (leading it along its
drawn velocity) at most every 400 ms, and every 3 s presses a key from rest to see the own ship
answer. Latency and jitter are each way. Every figure a minute is per minute of running match.
A shot that leaves after an earlier one has fragged the target on the server, which the player
cannot see yet at a long round trip, cannot hit (a fragged ship takes no more hits): it is
counted as "at a ship already down", not among the aimed shots.
The machine is shared: its load average (over a minute, on 2 cores) when each network began
and ended is the last column, and a loaded machine delays the player's frames and the
server's ticks as a slow network would.
The browser's modules (codec, Predictor, Playout) replay the same traffic under node
(client-web/feel.mjs).

`)
	fmt.Fprintf(&b, "Each condition plays %s with lag compensation (`-max-rewind` %dms) and, where marked, %s without.\n\n", opts.Play, game.DefaultRewindMS, opts.Compare)
	b.WriteString("| network | key → ship moves (p50 / p95) | click → own shot | corrections / min (largest) | ticks held / inputs dropped by the server / min | stalls / min | extrapolated / min | delay | aimed shots hit | without compensation | shots refused / at a ship already down | machine load |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		off := "—"
		if r.Condition.Compare {
			off = share(r.HitsOff, r.AimedOff)
		}
		fmt.Fprintf(&b, "| %s | %s / %s | %s | %.1f (%.1f px) | %.1f / %.1f | %.1f | %s | %s | %s | %s | %d / %d | %.1f → %.1f |\n",
			r.Condition.Name, ms(percentile(r.Answers, 50)), ms(percentile(r.Answers, 95)), clicks(r.Clicks),
			perMinute(float64(r.Corrections), r.Playing), r.Largest,
			perMinute(float64(r.Held), r.Playing), perMinute(float64(r.Dropped), r.Playing),
			perMinute(float64(r.Stalls), r.Playing), ms(time.Duration(perMinute(float64(r.Extrapolated), r.Playing))),
			ms(r.Delay), share(r.Hits, r.Aimed), off, r.Refused, r.Late, r.Load[0], r.Load[1])
	}
	if rs[0].JS != nil {
		b.WriteString("\nThe browser's modules on the same traffic:\n\n")
		b.WriteString("| network | corrections / min (largest) | stalls / min | extrapolated / min | delay |\n|---|---|---|---|---|\n")
		for _, r := range rs {
			js := r.JS
			play := time.Duration(js.PlayingMS * float64(time.Millisecond))
			fmt.Fprintf(&b, "| %s | %.1f (%.1f px) | %.1f | %.0f ms | %.0f ms |\n", r.Condition.Name,
				perMinute(float64(js.Corrections), play), js.Largest, perMinute(float64(js.Stalls), play),
				perMinute(js.ExtrapolatedMS, play), js.DelayMS)
		}
	}
	for _, r := range rs {
		if r.Condition.Outage > 0 {
			fmt.Fprintf(&b, "\nThe %s outage came in the middle of its run; the room counted down again %s after the line came back, and the player's inputs were applied again %s after.\n",
				ms(r.Condition.Outage), ms(r.CountdownIn), ms(r.BackIn))
		}
	}
	b.WriteString("\n## Targets at 150 ± 40 ms\n\n| target | measured | |\n|---|---|---|\n")
	for _, t := range goals(rs) {
		verdict := "met"
		if !t.met {
			verdict = "**missed**: " + t.why
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", t.what, t.measured, verdict)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
