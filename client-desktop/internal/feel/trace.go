package feel

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"skirmish/client-desktop/internal/match"
	"skirmish/game"
	"skirmish/game/protocol"
)

// trace writes down the shooter's traffic as it came and went, one JSON object a line, for
// client-web/feel.mjs to replay through the browser's modules:
//
//	{"t":12.5,"welcome":{"seat":0,"tickRate":30,"map":"arena"}}
//	{"t":20.1,"state":3}                 a status: the room's state
//	{"t":33.4,"snap":"…"}                the full state at a tick, a keyframe in base64
//	{"t":35.0,"in":[seq,buttons,aimX,aimY,view]}
//
// where t is in milliseconds from the first line. A nil trace writes nothing.
type trace struct {
	path  string
	f     *os.File
	w     *bufio.Writer
	start time.Time
	enc   protocol.Encoder
	err   error
}

func newTrace(path string) (*trace, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &trace{path: path, f: f, w: bufio.NewWriter(f)}, nil
}

// line writes one event of time at.
func (t *trace) line(at time.Time, key string, v any) {
	if t == nil || t.err != nil {
		return
	}
	if t.start.IsZero() {
		t.start = at
	}
	b, err := json.Marshal(map[string]any{"t": float64(at.Sub(t.start).Microseconds()) / 1000, key: v})
	if err == nil {
		_, err = t.w.Write(append(b, '\n'))
	}
	t.err = err
}

// note writes down what a note brought.
func (t *trace) note(n match.Note) {
	if t == nil {
		return
	}
	switch msg := n.Msg.(type) {
	case *protocol.Welcome:
		t.line(n.At, "welcome", map[string]any{"seat": msg.Seat, "tickRate": msg.TickRate, "map": msg.Map})
	case *protocol.Status:
		t.line(n.At, "state", msg.State)
	case *protocol.Snapshot:
		b, err := t.enc.Encode(msg)
		if err != nil {
			t.err = err
			return
		}
		t.line(n.At, "snap", base64.StdEncoding.EncodeToString(b))
	}
}

// input writes down an input as it was sent.
func (t *trace) input(in game.Input, at time.Time) {
	t.line(at, "in", []int64{int64(in.Seq), int64(in.Buttons), int64(in.AimX), int64(in.AimY), int64(in.View)})
}

func (t *trace) close() {
	if t == nil {
		return
	}
	if err := t.w.Flush(); t.err == nil {
		t.err = err
	}
	t.f.Close()
}

// JSFeel is what the browser's modules made of the same traffic: its Predictor's corrections
// and its Playout's stalls and extrapolation.
type JSFeel struct {
	Reconciles     int     `json:"reconciles"`
	Corrections    int     `json:"corrections"`
	Largest        float64 `json:"largest"` // pixels
	Stalls         int     `json:"stalls"`
	ExtrapolatedMS float64 `json:"extrapolatedMs"`
	FrozenMS       float64 `json:"frozenMs"`
	PlayingMS      float64 `json:"playingMs"`
	DelayMS        float64 `json:"delayMs"`
}

// replayJS runs client-web/feel.mjs on the trace with node and reads its figures.
func replayJS(ctx context.Context, node string, t *trace) (*JSFeel, error) {
	root, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return nil, err
	}
	script := filepath.Join(filepath.Dir(strings.TrimSpace(string(root))), "client-web", "feel.mjs")
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, node, script, t.path)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %s", script, err, stderr.String())
	}
	var js JSFeel
	if err := json.Unmarshal(out, &js); err != nil {
		return nil, fmt.Errorf("%s printed %q: %w", script, out, err)
	}
	return &js, nil
}
