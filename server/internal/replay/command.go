// Package replay plays recorded matches again: it checks a record against the simulation
// (the `skirmish replay FILE` command), lists the finished matches of the data directory,
// and streams a match to a spectator over the spectator feed's contract, at a chosen speed
// and from a chosen tick.
package replay

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"skirmish/server/internal/record"
)

// Command runs `skirmish replay FILE`: it re-simulates the record in FILE and reports whether
// the match it replays is the one that was played. It returns the exit status: 0 when the
// replay reaches the recorded final tick and hash, 1 when it does not (naming the first tick
// that differs) or the record cannot be read, 2 for a wrong command line.
func Command(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: skirmish replay FILE")
		fmt.Fprintln(stderr, "Re-simulates a match record (under the data directory's matches/) and checks that it")
		fmt.Fprintln(stderr, "ends where the match did; names the first tick that differs otherwise.")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	path := fs.Arg(0)
	name := strings.TrimSuffix(filepath.Base(path), record.Ext)
	rec, err := record.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", path, err)
		return 1
	}
	w, err := rec.Replay(nil)
	var d *record.Divergence
	switch {
	case errors.As(err, &d):
		fmt.Fprintf(stderr, "%s: FAILED at tick %d: the replay's state differs from the match's from this tick on "+
			"(check %#02x, the record has %#02x): the record's inputs were altered, or the game has changed since\n",
			name, d.Tick, d.Got, d.Recorded)
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "%s: FAILED: %v\n", name, err)
		return 1
	case rec.End == nil:
		fmt.Fprintf(stderr, "%s: FAILED: the record has no end (its match was cut off); its %d ticks replay as recorded\n", name, w.Tick)
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok: %d ticks on %s (%s) replay to the recorded final hash %016x\n",
		name, w.Tick, rec.Header.Map, outcome(rec, rec.End), rec.End.Hash)
	return 0
}

// outcome says how a finished match ended.
func outcome(rec *record.Record, end *record.End) string {
	switch {
	case !end.Over:
		return "closed before its end"
	case end.Winner < 0:
		return "over, no winner"
	}
	return "won by " + lastName(rec, end.Winner)
}

// lastName is the last name the record gives the seat's player or bot.
func lastName(rec *record.Record, seat int) string {
	last := record.Frame{Seat: seat}
	for _, f := range rec.Frames {
		if f.Seat == seat && (f.Kind == record.KindPlayer || f.Kind == record.KindBot) {
			last = f
		}
	}
	return seatName(last)
}
