package spectate

import "github.com/prometheus/client_golang/prometheus"

// metrics are the hub's Prometheus series.
type metrics struct {
	streams   *prometheus.GaugeVec
	delivered prometheus.Counter
	dropped   prometheus.Counter
	cheers    *prometheus.CounterVec
}

func (m *metrics) init(reg prometheus.Registerer) error {
	m.streams = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "skirmish_sse_streams",
		Help: "Open Server-Sent Events streams by feed: room (spectators) or lobby.",
	}, []string{"feed"})
	m.delivered = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "skirmish_sse_events_delivered_total",
		Help: "Events handed to spectator sockets (one per event per spectator).",
	})
	m.dropped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "skirmish_sse_streams_dropped_total",
		Help: "Streams disconnected because they did not keep up.",
	})
	m.cheers = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "skirmish_cheers_total",
		Help: "Cheer requests by outcome (accepted, invalid, limited, failed).",
	}, []string{"outcome"})
	if reg == nil {
		return nil
	}
	for _, c := range []prometheus.Collector{m.streams, m.delivered, m.dropped, m.cheers} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
