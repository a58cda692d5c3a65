package spectate

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"skirmish/server/internal/admission"
)

// Options tunes a Hub. The zero value of each field means its default.
type Options struct {
	// Rate is how many snapshots a second spectators get (default 10): one every
	// round(tick rate / Rate) ticks, and at most one a tick.
	Rate float64
	// Retry is the reconnection delay the streams suggest to EventSource (default 2 s).
	Retry time.Duration
	// Heartbeat is the longest a stream stays silent before a ": ping" comment (default 15 s).
	Heartbeat time.Duration
	// History is how many discrete events each watched room keeps for resumption (default
	// 256: about a minute of a busy 8-seat room, far longer than a reconnection takes, at some
	// 50 KB).
	History int
	// MaxPending bounds the bytes a spectator may owe before it is disconnected (default
	// 1 MiB). What it owes is shared event bytes, not copies, so the bound is about how far
	// behind a spectator may fall, not about memory; it must exceed a resume's opening.
	MaxPending int
	// StuckTimeout is how long a spectator may fail to take any bytes, or leave bytes its
	// socket took unacknowledged, before it is disconnected (default 5 s).
	StuckTimeout time.Duration
	// SendBuffer, when positive, sets each spectator socket's kernel send buffer in bytes.
	SendBuffer int
	// Admission admits the streams and cheers (Origin, open connections per address, the
	// server's state) and counts refusals; nil admits every same-origin or non-browser
	// request without limits.
	Admission *admission.Policy
	// LobbyEvery is how often, at most, the lobby feed sends a batch of room changes
	// (default 250 ms).
	LobbyEvery time.Duration
	// MaxSpectators bounds the streams of one room; 0 means no bound.
	MaxSpectators int
	// CheerBurst and CheerEvery shape each client address's token bucket (an IPv6 /64 counts
	// as one address): up to CheerBurst cheers at once, then one per CheerEvery (defaults 5 and
	// 2 s).
	CheerBurst int
	CheerEvery time.Duration
	// RoomCheerBurst and RoomCheerEvery shape each room's bucket, shared by all its spectators
	// (defaults 20 and 100 ms).
	RoomCheerBurst int
	RoomCheerEvery time.Duration
	// Cheer delivers a validated cheer to the players of a room; it returns ErrNoRoom if the
	// room does not exist. The room is expected to report the cheer back through Events so
	// spectators see it in order with the game. When nil, cheers go to spectators only.
	Cheer func(room, text string) error
	// Relay, when set, joins the hub to a fleet: rooms that run here are published to it,
	// and rooms that run on other nodes are relayed from it (see Relay).
	Relay Relay
	// Registerer, if set, receives the hub's metrics.
	Registerer prometheus.Registerer
}

func (o Options) withDefaults() Options {
	if o.Rate <= 0 {
		o.Rate = 10
	}
	if o.Retry <= 0 {
		o.Retry = 2 * time.Second
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 15 * time.Second
	}
	if o.History <= 0 {
		o.History = 256
	}
	if o.MaxPending <= 0 {
		o.MaxPending = 1 << 20
	}
	if o.StuckTimeout <= 0 {
		o.StuckTimeout = 5 * time.Second
	}
	if o.CheerBurst <= 0 {
		o.CheerBurst = 5
	}
	if o.CheerEvery <= 0 {
		o.CheerEvery = 2 * time.Second
	}
	if o.LobbyEvery <= 0 {
		o.LobbyEvery = 250 * time.Millisecond
	}
	if o.RoomCheerBurst <= 0 {
		o.RoomCheerBurst = 20
	}
	if o.RoomCheerEvery <= 0 {
		o.RoomCheerEvery = 100 * time.Millisecond
	}
	if o.Admission == nil {
		o.Admission = admission.New(admission.Config{})
	}
	return o
}
