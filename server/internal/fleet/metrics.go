package fleet

import "github.com/prometheus/client_golang/prometheus"

// metrics are the fleet's Prometheus series.
type metrics struct {
	connected  prometheus.Gauge
	leases     prometheus.Gauge
	leasesLost prometheus.Counter
	handovers  *prometheus.CounterVec
	recovered  prometheus.Counter
	relayLag   prometheus.Histogram
	relayed    prometheus.Counter
}

func (m *metrics) init(reg prometheus.Registerer) error {
	m.connected = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "skirmish_fleet_nats_connected",
		Help: "1 while the node is connected to the fleet's NATS, 0 while cut off.",
	})
	m.leases = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "skirmish_fleet_leases",
		Help: "Room leases this node holds: the rooms it runs.",
	})
	m.leasesLost = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "skirmish_fleet_leases_lost_total",
		Help: "Rooms stopped here because their lease was lost (not renewed in time, or taken).",
	})
	m.handovers = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "skirmish_fleet_handovers_total",
		Help: "Rooms handed over between nodes, by direction: out (from a draining node) or in.",
	}, []string{"direction"})
	m.recovered = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "skirmish_fleet_rooms_recovered_total",
		Help: "Rooms of a node that died, brought back here from their last checkpoint.",
	})
	m.relayLag = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "skirmish_fleet_relay_lag_seconds",
		Help:    "Time from a spectator event's publication by the room's node to its relay here.",
		Buckets: []float64{1e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 1},
	})
	m.relayed = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "skirmish_fleet_events_relayed_total",
		Help: "Spectator events of rooms on other nodes relayed to this node's spectators.",
	})
	if reg == nil {
		return nil
	}
	for _, c := range []prometheus.Collector{m.connected, m.leases, m.leasesLost, m.handovers, m.recovered, m.relayLag, m.relayed} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
