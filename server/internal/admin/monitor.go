// Package admin is the operators' side of the server: who may use the operator API (a
// bearer token), and the figures the dashboard plots, sampled once a second from the
// metrics, the rooms and the spectator hub and streamed on a channel of the hub, with the
// room table.
package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"skirmish/server/internal/lobby"
	"skirmish/server/internal/metrics"
	"skirmish/server/internal/room"
	"skirmish/server/internal/spectate"
)

// Deps are what the monitor samples.
type Deps struct {
	Token   string // the operators' bearer token; never empty
	Rooms   *room.Manager
	Metrics *metrics.Metrics
	Hub     *spectate.Hub
}

// Figures is one second of the server as the dashboard plots it: the figures event.
type Figures struct {
	Time int64 `json:"t"` // Unix milliseconds
	// TickP50 and TickP99 are the median and 99th percentile of every room's tick duration
	// over the second, in milliseconds; Ticks counts those ticks.
	TickP50    float64 `json:"tickP50"`
	TickP99    float64 `json:"tickP99"`
	Ticks      int     `json:"ticks"`
	Rooms      int     `json:"rooms"`      // rooms this node runs
	Players    int     `json:"players"`    // connected players
	Spectators int     `json:"spectators"` // open spectator streams of the rooms
	BytesOut   float64 `json:"bytesOut"`   // bytes a second written to players
	LateTicks  float64 `json:"lateTicks"`  // over the second
	Pauses     float64 `json:"pauses"`
	Refusals   float64 `json:"refusals"`
	// Table is the room table; only the latest figures of a history carry it.
	Table []Room `json:"table,omitempty"`
}

// Room is one row of the room table: a room of the directory (in a fleet, every node's),
// with its tick times when this node runs it.
type Room struct {
	lobby.Room
	Local   bool    `json:"local"`   // this node runs the room
	TickP50 float64 `json:"tickP50"` // ms, over the last second; 0 for another node's room
	TickP99 float64 `json:"tickP99"`
}

// historyLen is how many seconds of figures a dashboard gets when it opens.
const historyLen = 120

// Monitor samples the server's figures once a second for the operators.
type Monitor struct {
	d     Deps
	token [sha256.Size]byte
	feed  *spectate.Channel

	mu      sync.Mutex
	history []Figures // oldest first
	table   []Room
	totals  totals // the counters at the last sample
	took    time.Time
}

// totals are the cumulative counters a sample takes the difference of.
type totals struct {
	bytesOut, lateTicks, pauses, refusals float64
}

// New returns a monitor; Run samples.
func New(d Deps) *Monitor {
	m := &Monitor{d: d, token: sha256.Sum256([]byte(d.Token))}
	m.feed = d.Hub.NewChannel("admin", m.opening)
	return m
}

// Authorized reports whether the request carries the operators' token as
// "Authorization: Bearer TOKEN".
func (m *Monitor) Authorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	// Comparing digests takes the same time whatever the token's length.
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(got[:], m.token[:]) == 1
}

// ServeEvents streams the figures: a history event with the last minutes of figures (the
// newest with the room table) when the stream opens, then a figures event every second.
func (m *Monitor) ServeEvents(w http.ResponseWriter, r *http.Request) { m.feed.Serve(w, r) }

// Rooms returns the latest room table.
func (m *Monitor) Rooms() []Room {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.table == nil {
		return m.roomTable(nil)
	}
	return m.table
}

// Run samples every second until ctx ends, then closes the figures' streams.
func (m *Monitor) Run(ctx context.Context) {
	defer m.feed.Close()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	m.sample(time.Now())
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			f := m.sample(now)
			b, err := json.Marshal(&f)
			if err == nil {
				m.feed.Publish("figures", b)
			}
		}
	}
}

// sample takes the figures of the second up to now.
func (m *Monitor) sample(now time.Time) Figures {
	times := m.d.Rooms.TakeTickTimes()
	var all []time.Duration
	for _, d := range times {
		all = append(all, d...)
	}
	mt := m.d.Metrics
	cur := totals{
		bytesOut: sum(mt.BytesOut), lateTicks: sum(mt.LateTicks), pauses: sum(mt.Pauses), refusals: sum(mt.Refusals),
	}
	f := Figures{
		Time: now.UnixMilli(), Ticks: len(all), Rooms: len(times), Players: int(sum(mt.Players)),
		Spectators: m.d.Hub.Watching(),
	}
	f.TickP50, f.TickP99 = percentiles(all)

	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.took.IsZero() {
		secs := now.Sub(m.took).Seconds()
		f.BytesOut = (cur.bytesOut - m.totals.bytesOut) / secs
		f.LateTicks = cur.lateTicks - m.totals.lateTicks
		f.Pauses = cur.pauses - m.totals.pauses
		f.Refusals = cur.refusals - m.totals.refusals
	}
	m.totals, m.took = cur, now
	m.table = m.roomTable(times)
	f.Table = m.table
	if n := len(m.history); n > 0 {
		m.history[n-1].Table = nil
	}
	m.history = append(m.history, f)
	if len(m.history) > historyLen {
		m.history = slices.Delete(m.history, 0, len(m.history)-historyLen)
	}
	return f
}

// roomTable returns the directory's rooms with the tick times of those this node runs.
func (m *Monitor) roomTable(times map[string][]time.Duration) []Room {
	list := m.d.Rooms.Directory().List()
	table := make([]Room, 0, len(list))
	for _, info := range list {
		row := Room{Room: info}
		if tick, spectators, ok := m.d.Rooms.Live(info.ID); ok {
			row.Local, row.Tick, row.Spectators = true, tick, spectators
			row.TickP50, row.TickP99 = percentiles(times[info.ID])
		}
		table = append(table, row)
	}
	slices.SortFunc(table, func(a, b Room) int { return strings.Compare(a.ID, b.ID) })
	return table
}

// opening is the event a figures stream opens with: the history.
func (m *Monitor) opening() (string, []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := json.Marshal(m.history)
	if err != nil {
		b = []byte("[]")
	}
	return "history", b
}

// percentiles returns the median and 99th percentile of ds in milliseconds; 0 for none.
func percentiles(ds []time.Duration) (p50, p99 float64) {
	if len(ds) == 0 {
		return 0, 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) float64 {
		return float64(s[min(len(s)-1, int(q*float64(len(s))))]) / float64(time.Millisecond)
	}
	return at(0.5), at(0.99)
}

// sum adds up every series of a counter or gauge.
func sum(c prometheus.Collector) float64 {
	ch := make(chan prometheus.Metric, 16)
	go func() {
		c.Collect(ch)
		close(ch)
	}()
	total := 0.0
	for metric := range ch {
		var pb dto.Metric
		if metric.Write(&pb) != nil {
			continue
		}
		total += pb.GetCounter().GetValue() + pb.GetGauge().GetValue()
	}
	return total
}
