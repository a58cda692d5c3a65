package load

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// Report is what a load run measured, as printed and as JSON. Durations are in the unit
// their name says; a figure that could not be measured is NaN in the table and null in JSON.
type Report struct {
	Server     string `json:"server"`
	Rooms      int    `json:"rooms"`
	Seats      int    `json:"playersPerRoom"`
	Spectators int    `json:"spectators"`
	TickRate   int    `json:"tickRate"`
	// Players is the window with players only; Watched the one after spectators joined.
	Players *Window `json:"players,omitempty"`
	Watched *Window `json:"watched,omitempty"`
	// Memory per connection: growth of the server process's resident set, of its live Go
	// heap (as of its last collection) plus goroutine stacks, and of the stacks alone (from
	// its /metrics), over the connections of that kind.
	RSSPerPlayer      Float    `json:"rssPerPlayerBytes"`
	HeapPerPlayer     Float    `json:"heapStackPerPlayerBytes"`
	StackPerPlayer    Float    `json:"stackPerPlayerBytes"`
	RSSPerSpectator   Float    `json:"rssPerSpectatorBytes"`
	HeapPerSpectator  Float    `json:"heapStackPerSpectatorBytes"`
	StackPerSpectator Float    `json:"stackPerSpectatorBytes"`
	Errors            []string `json:"errors,omitempty"`
}

// Window is one steady-state measurement interval.
type Window struct {
	Seconds    float64 `json:"seconds"`
	Players    int64   `json:"playersConnected"`
	Spectators int64   `json:"spectatorsConnected"`

	SnapshotsPerSec float64 `json:"snapshotsPerSec"`
	AckP50ms        Float   `json:"inputAckP50ms"`
	AckP99ms        Float   `json:"inputAckP99ms"`
	BytesPerPlayer  Float   `json:"bytesPerSecPerPlayer"`
	FrameBytes      Float   `json:"bytesPerSnapshot"`

	Ticks     Float `json:"ticks"`
	TickP50us Float `json:"tickP50us"`
	TickP99us Float `json:"tickP99us"`
	TickMaxUs Float `json:"tickMaxBoundUs"`
	LateTicks Float `json:"lateTicks"`

	CPUSeconds float64 `json:"serverCpuSeconds"`
	CPUCores   float64 `json:"serverCores"`
	// CPUPerSnapshotUs charges all server CPU to the player snapshots; CPUPerMessageUs to
	// snapshots and spectator events together.
	CPUPerSnapshotUs Float `json:"cpuPerSnapshotUs"`
	CPUPerMessageUs  Float `json:"cpuPerMessageUs"`
	PlayersPerCore   Float `json:"playersPerCore"`
	// ClientCores is the load generator's own CPU use: near 1 with clients on one core
	// means the clients, not the server, may be what limits the figures.
	ClientCores      Float `json:"loadgenCores"`
	PlayerReconnects int64 `json:"playerReconnects"`
	// ServerWaitMsPerSec and ClientWaitMsPerSec are how long the threads of the server and
	// of the load generator waited, runnable, for a CPU per second of the window: time other
	// processes on the machine took from them. Well above zero, the run was disturbed.
	ServerWaitMsPerSec Float `json:"serverRunQueueWaitMsPerSec"`
	ClientWaitMsPerSec Float `json:"loadgenRunQueueWaitMsPerSec"`

	SSEEventsPerSec  Float `json:"sseEventsPerSec"`
	SSEBytesPerEvent Float `json:"sseBytesPerEvent"`
	SSEDelayP50ms    Float `json:"sseDelayP50ms"`
	SSEDelayP99ms    Float `json:"sseDelayP99ms"`
	SSEGaps          int64 `json:"sseGaps"`
	SSEReconnects    int64 `json:"sseReconnects"`
	Dropped          Float `json:"snapshotsDroppedByServer"`
}

// Float is a figure that may be missing (NaN), which JSON writes as null.
type Float float64

// MarshalJSON writes NaN and infinities as null.
func (f Float) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return []byte(fmt.Sprintf("%.6g", float64(f))), nil
}

// UnmarshalJSON reads null as NaN.
func (f *Float) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = Float(math.NaN())
		return nil
	}
	var v float64
	_, err := fmt.Sscan(string(b), &v)
	*f = Float(v)
	return err
}

// Missing is the value of a figure that could not be measured.
var Missing = Float(math.NaN())

// Print writes the report as an aligned table.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "load: %d rooms x %d players, %d spectators, %d Hz; server %s\n", r.Rooms, r.Seats, r.Spectators, r.TickRate, r.Server)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "figure\tplayers only\twith spectators\t")
	row := func(name string, f func(*Window) string) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", name, cell(r.Players, f), cell(r.Watched, f))
	}
	row("players connected", func(x *Window) string { return fmt.Sprint(x.Players) })
	row("spectators connected", func(x *Window) string { return fmt.Sprint(x.Spectators) })
	row("snapshots/s delivered", func(x *Window) string { return num(Float(x.SnapshotsPerSec), 0) })
	row("input->ack p50 / p99 ms", func(x *Window) string { return num(x.AckP50ms, 1) + " / " + num(x.AckP99ms, 1) })
	row("tick p50 / p99 / max us", func(x *Window) string {
		return num(x.TickP50us, 0) + " / " + num(x.TickP99us, 0) + " / <=" + num(x.TickMaxUs, 0)
	})
	row("late ticks", func(x *Window) string { return num(x.LateTicks, 0) })
	row("server cores busy", func(x *Window) string { return num(Float(x.CPUCores), 2) })
	row("load generator cores busy", func(x *Window) string { return num(x.ClientCores, 2) })
	row("server / loadgen CPU wait ms/s", func(x *Window) string {
		return num(x.ServerWaitMsPerSec, 0) + " / " + num(x.ClientWaitMsPerSec, 0)
	})
	row("player reconnects", func(x *Window) string { return fmt.Sprint(x.PlayerReconnects) })
	row("server CPU us / snapshot", func(x *Window) string { return num(x.CPUPerSnapshotUs, 2) })
	row("server CPU us / message", func(x *Window) string { return num(x.CPUPerMessageUs, 2) })
	row("players per core (30 Hz)", func(x *Window) string { return num(x.PlayersPerCore, 0) })
	row("bytes/s per player", func(x *Window) string { return num(x.BytesPerPlayer, 0) })
	row("bytes per snapshot", func(x *Window) string { return num(x.FrameBytes, 0) })
	row("SSE events/s", func(x *Window) string { return num(x.SSEEventsPerSec, 0) })
	row("SSE bytes per event", func(x *Window) string { return num(x.SSEBytesPerEvent, 0) })
	row("SSE delay p50 / p99 ms", func(x *Window) string { return num(x.SSEDelayP50ms, 1) + " / " + num(x.SSEDelayP99ms, 1) })
	row("SSE gaps / reconnects", func(x *Window) string { return fmt.Sprintf("%d / %d", x.SSEGaps, x.SSEReconnects) })
	row("snapshots dropped (slow)", func(x *Window) string { return num(x.Dropped, 0) })
	tw.Flush()
	fmt.Fprintf(w, "memory per player: %s B RSS, %s B heap+stack (%s B stack); per spectator: %s B RSS, %s B heap+stack (%s B stack)\n",
		num(r.RSSPerPlayer, 0), num(r.HeapPerPlayer, 0), num(r.StackPerPlayer, 0),
		num(r.RSSPerSpectator, 0), num(r.HeapPerSpectator, 0), num(r.StackPerSpectator, 0))
	for _, e := range r.Errors {
		fmt.Fprintln(w, "error:", e)
	}
}

func cell(x *Window, f func(*Window) string) string {
	if x == nil {
		return "-"
	}
	return f(x)
}

// num formats a figure with prec decimals, or "n/a" when it is missing.
func num(f Float, prec int) string {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	return strings.TrimSpace(fmt.Sprintf("%.*f", prec, v))
}
