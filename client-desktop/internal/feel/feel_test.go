package feel

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestShortRun is make feel in brief, so that the harness cannot rot: at 150 ± 40 ms each way,
// every click puts its shot on the screen in the frame of the click, the own ship answers
// keys, shots aimed at the target as drawn mostly hit it, the browser's Predictor makes the
// same corrections of the same traffic as the desktop client's, and the report names every
// target.
func TestShortRun(t *testing.T) {
	if testing.Short() {
		t.Skip("plays the real server for half a minute")
	}
	opts := Options{Play: 25 * time.Second}
	if node, err := exec.LookPath("node"); err == nil {
		opts.Node = node
	}
	conds := []Condition{Conditions[2]}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rs, err := Run(ctx, conds, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		name := r.Condition.Name
		if len(r.Clicks) == 0 || len(r.Answers) == 0 {
			t.Errorf("%s: %d clicks, %d keys pressed: the player did not play", name, len(r.Clicks), len(r.Answers))
		}
		for _, f := range r.Clicks {
			if f != 0 {
				t.Errorf("%s: a shot was drawn %d frames after its click, want in the same frame (%v)", name, f, r.Clicks)
				break
			}
		}
		if r.Aimed < 2 || r.Hits*2 < r.Aimed {
			t.Errorf("%s: %d of %d aimed shots hit the target as drawn", name, r.Hits, r.Aimed)
		}
		if r.JS != nil && r.JS.Corrections != r.Corrections {
			t.Errorf("%s: the browser's Predictor made %d corrections of the traffic, the desktop's %d", name, r.JS.Corrections, r.Corrections)
		}
		t.Logf("%s: %+v", name, r)
	}
	var b bytes.Buffer
	if err := Write(&b, rs, opts, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| 150 ± 40 ms |", "same frame as the click", "0 interpolation stalls", "only where something else", "95 %"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, b.String())
		}
	}
}
