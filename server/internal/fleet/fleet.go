// Package fleet joins a server to a fleet of servers on NATS with JetStream (section 8 of
// the design). What the nodes share lives in JetStream:
//
//   - the room directory, a key-value bucket (rooms): one entry per room, its summary as
//     GET /api/rooms/{room} shows it, with the node that runs it and that node's WebSocket
//     URL. The entry is the room's lease: it is created only if absent, every write is a
//     compare-and-swap on the entry's revision with a per-key TTL, and the owner renews it
//     well within the TTL. A node that could not renew in time stops ticking the room at once,
//     and has lost it when its write is refused or no renewal comes back within another TTL
//     (lease.go); the room checks its lease before every tick, so a node that stalled past its
//     lease never runs another tick of it. A room that closes leaves a short-lived
//     tombstone;
//   - the rooms' checkpoints, a key-value bucket (checkpoints) written only by the lease's
//     holder, also by compare-and-swap, from which a room moves to another node: handed over
//     when its node drains, or recovered by another node when its node dies and the lease
//     expires (move.go);
//   - the nodes, a key-value bucket (nodes) where each node says every second how busy it is
//     and how to reach it, for placing new rooms where there is the most headroom (nodes.go);
//   - the match records of the rooms, a stream (records) with a subject per match, to which
//     a room's node appends what the record gained before it stores a checkpoint, so that
//     the match goes on with its record wherever the room goes (records.go);
//   - the spectator feeds, a stream (feeds) with a subject per room, on which the room's node
//     publishes every encoded spectator event once and from which any node with spectators
//     for the room relays it, keeping a bounded history for resumption (relay.go).
//
// Nodes ask each other to create a room, adopt a handed-over room or pass on a cheer with
// requests on their own subjects (rpc.go).
package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"skirmish/server/internal/lobby"
	"skirmish/server/internal/room"
	"skirmish/server/internal/spectate"
)

// Options configure a node of the fleet.
type Options struct {
	// URL is the NATS server (or a comma-separated list of a cluster's servers).
	URL string
	// NodeID names this node; unique in the fleet.
	NodeID string
	// PublicURL is the player WebSocket URL of this node, as players reach it.
	PublicURL string
	// LeaseTTL is how long a room's lease lives unless renewed (default 10 s, at least 1 s):
	// how long a dead node's rooms wait before another node brings them back.
	LeaseTTL time.Duration
	// Replicas is how many copies JetStream keeps of the fleet's buckets and stream (default
	// 1; up to the cluster's size).
	Replicas int
	// History is how many events of each room's spectator feed the fleet keeps for
	// resumption on a node that starts relaying it (default 512).
	History int
	// Prefix names the buckets, the stream and the subjects (default skirmish), so that
	// fleets can share a NATS system.
	Prefix string
	// Overloaded reports whether this node is short of headroom (the server's own measure,
	// which turns newcomers away); such a node takes no new rooms while another can. Nil
	// means never.
	Overloaded func() bool
	Logger     *slog.Logger
	// Registerer, if set, receives the fleet's metrics.
	Registerer prometheus.Registerer
}

func (o Options) withDefaults() Options {
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = 10 * time.Second
	}
	o.LeaseTTL = max(o.LeaseTTL, time.Second)
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.History <= 0 {
		o.History = 512
	}
	if o.Prefix == "" {
		o.Prefix = "skirmish"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// opTimeout bounds one request to JetStream.
const opTimeout = 5 * time.Second

// Node is this server's membership of the fleet. It is the rooms' directory
// (lobby.Directory) and their Fleet (room.Fleet), and the spectator hub's Relay.
type Node struct {
	opts    Options
	log     *slog.Logger
	nc      *nats.Conn
	js      jetstream.JetStream
	rooms   jetstream.KeyValue
	cps     jetstream.KeyValue
	nodes   jetstream.KeyValue
	metrics metrics

	ctx   context.Context
	stop  context.CancelFunc
	wg    sync.WaitGroup
	epoch time.Time // leases measure time from here, on the monotonic clock

	dir      directory
	registry registry

	// Set by Start.
	mgr      *room.Manager
	hub      *spectate.Hub
	draining atomic.Bool
}

// Join connects to NATS and makes sure the fleet's buckets and stream exist. The node takes
// part once Start is called.
func Join(opts Options) (*Node, error) {
	opts = opts.withDefaults()
	if opts.NodeID == "" || opts.PublicURL == "" {
		return nil, errors.New("fleet: a node needs an id and a public URL")
	}
	n := &Node{opts: opts, log: opts.Logger.With("node", opts.NodeID), epoch: time.Now()}
	if err := n.metrics.init(opts.Registerer); err != nil {
		return nil, fmt.Errorf("fleet metrics: %w", err)
	}
	nc, err := nats.Connect(opts.URL,
		nats.Name("skirmish "+opts.NodeID),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.PingInterval(2*time.Second),
		nats.MaxPingsOutstanding(2),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			n.metrics.connected.Set(0)
			n.log.Warn("cut off from NATS", "err", err)
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			n.metrics.connected.Set(1)
			n.log.Info("back on NATS", "server", c.ConnectedUrl())
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("fleet: connect to NATS at %s: %w", opts.URL, err)
	}
	n.metrics.connected.Set(1)
	n.nc = nc
	if err := n.setUp(); err != nil {
		nc.Close()
		return nil, err
	}
	n.ctx, n.stop = context.WithCancel(context.Background())
	n.dir.init(n)
	n.registry.init(n)
	return n, nil
}

// setUp creates or binds the fleet's buckets and stream.
func (n *Node) setUp() error {
	js, err := jetstream.New(n.nc)
	if err != nil {
		return fmt.Errorf("fleet: jetstream: %w", err)
	}
	n.js = js
	ctx, cancel := context.WithTimeout(context.Background(), 4*opTimeout)
	defer cancel()
	p, r := n.opts.Prefix, n.opts.Replicas
	// Markers of expired entries outlive them a little, so that every node's watcher sees the
	// expiry; per-key TTLs need them.
	marker := max(n.opts.LeaseTTL, 5*time.Second)
	if n.rooms, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: p + "-rooms", Description: "Skirmish room directory and leases",
		Replicas: r, LimitMarkerTTL: marker,
	}); err != nil {
		return fmt.Errorf("fleet: room directory bucket (per-key TTLs need nats-server 2.11 or later): %w", err)
	}
	if n.cps, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: p + "-checkpoints", Description: "Skirmish room checkpoints", Replicas: r,
	}); err != nil {
		return fmt.Errorf("fleet: checkpoint bucket: %w", err)
	}
	if n.nodes, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: p + "-nodes", Description: "Skirmish nodes and their load",
		Replicas: r, LimitMarkerTTL: marker,
	}); err != nil {
		return fmt.Errorf("fleet: node bucket: %w", err)
	}
	if _, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: recordStream(p), Description: "Skirmish match records on their way between nodes, a subject per match",
		Subjects: []string{p + ".rec.*"}, Storage: jetstream.FileStorage, Replicas: r, MaxAge: recordsKept,
	}); err != nil {
		return fmt.Errorf("fleet: record stream: %w", err)
	}
	if _, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: feedStream(p), Description: "Skirmish spectator feeds, a subject per room",
		Subjects: []string{p + ".feed.*"}, Storage: jetstream.MemoryStorage, Replicas: r,
		MaxMsgsPerSubject: int64(n.opts.History), MaxAge: 15 * time.Minute, Discard: jetstream.DiscardOld,
	}); err != nil {
		return fmt.Errorf("fleet: feed stream: %w", err)
	}
	return nil
}

// Start makes the node a working part of the fleet: it watches the directory (telling
// notify, the lobby feed, of every change), says how busy it is, answers the other nodes and
// recovers the rooms of nodes that died. rooms and hub are the node's own.
func (n *Node) Start(rooms *room.Manager, hub *spectate.Hub, notify func(lobby.Change)) error {
	n.mgr, n.hub = rooms, hub
	if err := n.dir.start(notify); err != nil {
		return err
	}
	if err := n.registry.start(); err != nil {
		return err
	}
	if err := n.serveRPC(); err != nil {
		return err
	}
	n.wg.Add(1)
	go n.recoverLoop()
	n.log.Info("joined the fleet", "url", n.opts.PublicURL, "nats", n.nc.ConnectedUrl(), "lease_ttl", n.opts.LeaseTTL)
	return nil
}

// ID is the node's id.
func (n *Node) ID() string { return n.opts.NodeID }

// Health returns why the node cannot serve the fleet (cut off from NATS), or nil.
func (n *Node) Health() error {
	if !n.nc.IsConnected() {
		return errors.New("cut off from the fleet's NATS")
	}
	return nil
}

// Close leaves the fleet: what the node still says is flushed, then the connection closes.
// Call it after the rooms have stopped.
func (n *Node) Close() {
	n.registry.leave() // first: every request after stop fails at once
	n.stop()
	n.wg.Wait()
	n.dir.stop()
	_ = n.nc.Drain()
}

func feedStream(prefix string) string { return prefix + "-feeds" }

// jsCtx returns a context for one JetStream request.
func (n *Node) jsCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(n.ctx, opTimeout)
}

var (
	_ room.Fleet      = (*Node)(nil)
	_ lobby.Directory = (*directory)(nil)
	_ spectate.Relay  = (*Node)(nil)
)
