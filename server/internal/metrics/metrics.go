// Package metrics holds the server's Prometheus collectors on a registry of its own, so that
// tests can start many servers in one process and the /metrics page shows only Skirmish.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
)

// Room kinds label the tick duration: a room with at least one human player, or one that only
// bots play (watched by spectators).
const (
	KindPlayers  = "players"
	KindBotsOnly = "bots-only"
)

// Metrics is the set of collectors the server updates. All fields are safe for concurrent use.
// The spectator feed registers its own collectors (spectators among them) on Registry.
type Metrics struct {
	Registry *prometheus.Registry

	TickSeconds      *prometheus.HistogramVec // by room kind
	LateTicks        prometheus.Counter
	Rooms            *prometheus.GaugeVec // by state
	Players          prometheus.Gauge     // connected player sockets
	BytesOut         prometheus.Counter   // bytes written to player sockets
	MessagesOut      prometheus.Counter   // WebSocket frames written to player sockets
	SnapshotsDropped prometheus.Counter   // snapshots replaced by a newer one before a slow client read them
	Pauses           prometheus.Counter
	Resumes          prometheus.Counter
	Disconnects      *prometheus.CounterVec // by close code
	Checkpoints      *prometheus.CounterVec // by outcome: queued, dropped (the disk was far behind)
	Restored         *prometheus.CounterVec // rooms brought back at start, by outcome: restored, refused
	WriteFailures    *prometheus.CounterVec // failed or dropped writes to the data directory, by what
	// Refusals counts what the server turned away before serving it (connections, upgrades,
	// streams, rooms, replays, cheers, player hellos, operator calls without the token), by
	// the machine code of the refusal (a player's: its close code's name).
	Refusals *prometheus.CounterVec
	// RecordBytes is the size of the match records kept.
	RecordBytes prometheus.Gauge
	// The server's own measure of its headroom (see package overload).
	Overloaded prometheus.Gauge // 1 while newcomers are refused for lack of headroom
	CPUShare   prometheus.Gauge // share of the cores the process keeps busy
	SchedDelay prometheus.Gauge // 99th percentile scheduler delay, seconds
}

// New registers a fresh set of collectors, plus the Go runtime and process collectors.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		TickSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "skirmish_tick_duration_seconds",
			Help:    "Time a room spends on one tick: inputs, simulation step, encoding and fan-out.",
			Buckets: []float64{25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2e-3, 4e-3, 8e-3, 16e-3, 32e-3},
		}, []string{"kind"}),
		LateTicks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skirmish_late_ticks_total",
			Help: "Ticks that started more than one period after their deadline.",
		}),
		Rooms: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "skirmish_rooms",
			Help: "Rooms by life-cycle state.",
		}, []string{"state"}),
		Players: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "skirmish_players_connected",
			Help: "Player WebSocket connections holding a seat.",
		}),
		BytesOut: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skirmish_player_bytes_out_total",
			Help: "Bytes written to player sockets.",
		}),
		MessagesOut: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skirmish_player_messages_out_total",
			Help: "WebSocket frames written to player sockets.",
		}),
		SnapshotsDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skirmish_snapshots_dropped_total",
			Help: "Snapshots a slow player never received because a newer one replaced them.",
		}),
		Pauses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skirmish_pauses_total",
			Help: "Times a room paused because a player's connection was lost.",
		}),
		Resumes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "skirmish_resumes_total",
			Help: "Times a player resumed its seat with its session token.",
		}),
		Disconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skirmish_player_disconnects_total",
			Help: "Player connections closed by the server, by close code.",
		}, []string{"code"}),
		Checkpoints: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skirmish_checkpoints_total",
			Help: "Room checkpoints handed to the disk (queued) or given up because it was far behind (dropped).",
		}, []string{"outcome"}),
		Restored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skirmish_rooms_restored_total",
			Help: "Checkpoints read at start: rooms restored, or checkpoints refused as corrupt and kept aside.",
		}, []string{"outcome"}),
		WriteFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skirmish_data_write_failures_total",
			Help: "Failed writes to the data directory: record (a match record), behind (a record's chunk dropped because the disk was far behind), file (a checkpoint), remove.",
		}, []string{"what"}),
		Refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skirmish_refusals_total",
			Help: "Requests and connections the server refused, by reason: the code of the JSON error, or for a player's hello the close code's name (room_full, server_busy).",
		}, []string{"reason"}),
		RecordBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "skirmish_record_bytes",
			Help: "Bytes of match records kept under the data directory (bounded by -records-max-size and -keep-matches).",
		}),
		Overloaded: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "skirmish_overloaded",
			Help: "1 while the server is short of headroom and refuses new players and rooms, else 0.",
		}),
		CPUShare: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "skirmish_cpu_share",
			Help: "Share of its cores (GOMAXPROCS) the process kept busy over the last quarter second.",
		}),
		SchedDelay: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "skirmish_sched_delay_p99_seconds",
			Help: "99th percentile of how long goroutines waited to run over the last quarter second.",
		}),
	}
	reg.MustRegister(m.TickSeconds, m.LateTicks, m.Rooms, m.Players, m.BytesOut,
		m.MessagesOut, m.SnapshotsDropped, m.Pauses, m.Resumes, m.Disconnects, m.Checkpoints,
		m.Restored, m.WriteFailures, m.Refusals, m.RecordBytes, m.Overloaded, m.CPUShare, m.SchedDelay,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// TickTotals returns how many room ticks have run, how many of them started late and the
// time spent in them, since the start.
func (m *Metrics) TickTotals() (count, late float64, busy time.Duration) {
	var d dto.Metric
	var sum float64
	for _, kind := range []string{KindPlayers, KindBotsOnly} {
		d.Reset()
		if m.TickSeconds.WithLabelValues(kind).(prometheus.Metric).Write(&d) == nil {
			count += float64(d.GetHistogram().GetSampleCount())
			sum += d.GetHistogram().GetSampleSum()
		}
	}
	d.Reset()
	if m.LateTicks.Write(&d) == nil {
		late = d.GetCounter().GetValue()
	}
	return count, late, time.Duration(sum * float64(time.Second))
}

// OpenConnections registers the gauge of accepted connections open, read from open.
func (m *Metrics) OpenConnections(open func() int) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "skirmish_open_connections",
		Help: "Accepted connections open (HTTP, players and spectators), against the budget the descriptor limit allows.",
	}, func() float64 { return float64(open()) }))
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}
