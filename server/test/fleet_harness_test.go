package test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/nats-io/nats.go"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
	"skirmish/server/internal/fleet"
	"skirmish/server/internal/lobby"
	"skirmish/server/internal/room"
)

// fleetTTL is the lease of the test fleet's rooms: how long a dead node's rooms wait. A lease
// holds only while its renewals are stored within the TTL, and this fleet's JetStream is three
// servers in the test's process, under the race detector: on a loaded machine it stored no
// write for over 3 s at times, and every room's entry expired at once.
const fleetTTL = 5 * time.Second

// node is one Skirmish node of a test fleet. Everything reaches it through proxies, so that
// the test can cut it off from NATS (a stall or a partition) or from everyone (a crash),
// while the process goes on.
type node struct {
	*server
	id    string
	front *toxiproxy.Proxy // players, spectators and the API
	nats  *toxiproxy.Proxy // the node's NATS connection
	stop  context.CancelFunc
	done  <-chan struct{}
}

// startNode starts node id of the fleet on the NATS server at natsURL; obs sees its rooms,
// and tune may change its configuration and options.
func startNode(t *testing.T, id, natsURL string, obs room.Observer, tune ...func(*config.Config, *app.Options)) *node {
	t.Helper()
	natsProxy := startProxy(t, "nats-"+id, "127.0.0.1:0", strings.TrimPrefix(natsURL, "nats://"))
	frontAddr := freeAddr(t)
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.TickRate = 60
	cfg.Grace = 30 * time.Second
	cfg.DataDir = t.TempDir()
	cfg.NATS = "nats://" + natsProxy.Listen
	cfg.NodeID = id
	cfg.PublicURL = "ws://" + frontAddr + "/ws"
	rooms := quickRooms()
	// Short checkpoints: a crash costs the test at most this much of the match.
	rooms.CheckpointEvery = 500 * time.Millisecond
	rooms.HelloTimeout = 2 * time.Second
	opts := app.Options{
		Room:       rooms,
		Observer:   obs,
		Fleet:      fleet.Options{LeaseTTL: fleetTTL, Replicas: 3},
		Logger:     testLogger().With("node", id),
		Overloaded: neverOverloaded,
	}
	for _, f := range tune {
		f(&cfg, &opts)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := app.Start(ctx, cfg, opts)
	if err != nil {
		t.Fatalf("start node %s: %v", id, err)
	}
	front := startProxy(t, "front-"+id, frontAddr, s.Addr().String())
	t.Cleanup(func() {
		cancel()
		<-s.Done()
	})
	return &node{
		server: &server{t: t, addr: frontAddr, data: cfg.DataDir, rec: newRecorder()},
		id:     id, front: front, nats: natsProxy, stop: cancel, done: s.Done(),
	}
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// freeze stops the node's NATS traffic both ways without closing the connection, as a
// stalled process or a partition would; thaw lets it flow again.
func (n *node) freeze() {
	n.t.Helper()
	for _, stream := range []string{"upstream", "downstream"} {
		body := `{"name":"freeze-` + stream + `","type":"timeout","stream":"` + stream + `","attributes":{"timeout":0}}`
		if _, err := n.nats.Toxics.AddToxicJson(strings.NewReader(body)); err != nil {
			n.t.Fatalf("freeze: %v", err)
		}
	}
}

func (n *node) thaw() { n.nats.Toxics.ResetToxics(context.Background()) }

// crash cuts the node off from everyone at once, as if its process died: no handover, no
// last checkpoint, no goodbye; connections drop and nothing answers at its address.
func (n *node) crash() {
	n.front.Stop()
	n.nats.Stop()
}

// room returns GET /api/rooms/{id} of the node, and false on 404.
func (n *node) room(id string) (lobby.Room, bool) {
	n.t.Helper()
	resp, err := http.Get("http://" + n.addr + "/api/rooms/" + id)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	var r lobby.Room
	if resp.StatusCode == http.StatusNotFound {
		return r, false
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		n.t.Fatal(err)
	}
	return r, true
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// createOn creates a room on one node, whatever its load, by the request the nodes use to
// place rooms on each other. A node just started may not be known yet to the NATS server
// natsURL names, as interest travels between the servers of a cluster on its own time: "no
// responders" is asked again until then.
func createOn(t *testing.T, natsURL, nodeID string, s room.Settings) string {
	t.Helper()
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	body, _ := json.Marshal(s)
	var m *nats.Msg
	waitFor(t, waitTimeout, "node "+nodeID+" to answer on "+natsURL, func() bool {
		m, err = nc.Request("skirmish.node."+nodeID+".create", body, 10*time.Second)
		return !errors.Is(err, nats.ErrNoResponders)
	})
	if err != nil {
		t.Fatalf("create on %s: %v", nodeID, err)
	}
	var r struct{ ID, Error string }
	if err := json.Unmarshal(m.Data, &r); err != nil || r.Error != "" {
		t.Fatalf("create on %s: %s %v", nodeID, r.Error, err)
	}
	return r.ID
}

// owners watches every tick of every node: a room may move from node to node, and even back,
// but each run of it (a node's copy, created or restored from a checkpoint) must have stopped
// before the next run ticks. A run is known by its world, which it alone holds: a world that
// ticks again after another world of the room ticked belongs to a run that went on after the
// room moved, and two nodes ran the room at once.
type owners struct {
	mu       sync.Mutex
	rooms    map[string]*roomRuns
	problems []string
}

// roomRuns is what owners knows of one room.
type roomRuns struct {
	nodes  []string               // the nodes that ran it, in order
	worlds map[*game.World]string // every world it ticked, with its node
	cur    *game.World            // the world of the latest tick
	hashes map[uint32]tickOwner   // the world at each tick, and where
	last   uint32                 // the tick of the latest tick
}

type tickOwner struct {
	node string
	hash uint64
}

func newOwners() *owners {
	return &owners{rooms: map[string]*roomRuns{}}
}

func (o *owners) observer(node string) room.Observer { return ownerObserver{o, node} }

func (o *owners) tick(id, node string, w *game.World, state protocol.State) {
	o.mu.Lock()
	defer o.mu.Unlock()
	r := o.rooms[id]
	if r == nil {
		r = &roomRuns{worlds: map[*game.World]string{}, hashes: map[uint32]tickOwner{}}
		o.rooms[id] = r
	}
	if w != r.cur {
		if was, ok := r.worlds[w]; ok {
			o.problems = append(o.problems, fmt.Sprintf("room %s ticked on %s at tick %d after it moved on to %s (ran on %v)",
				id, was, w.Tick, r.worlds[r.cur], r.nodes))
		} else {
			// A new world is a new run, or on the same node at tick 0 the next match. A run
			// goes on from a checkpoint: the world it starts from is the one the room had at
			// that tick. Once the match runs, the first tick seen may be a step further already,
			// taken by bots with fresh minds.
			moved := len(r.nodes) == 0 || r.nodes[len(r.nodes)-1] != node
			if prev, ok := r.hashes[w.Tick]; ok && (moved || w.Tick != 0) && state != protocol.StateRunning && prev.hash != w.Hash() {
				o.problems = append(o.problems, fmt.Sprintf("room %s starts on %s at tick %d with another world than %s had", id, node, w.Tick, prev.node))
			}
			if moved {
				r.nodes = append(r.nodes, node)
			}
		}
		r.worlds[w] = node
		r.cur = w
	}
	r.hashes[w.Tick] = tickOwner{node, w.Hash()}
	r.last = w.Tick
}

func (o *owners) check(t *testing.T) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, p := range o.problems {
		t.Error(p)
	}
}

// playedOn reports whether room id has played tick on node, or further.
func (o *owners) playedOn(id, node string, tick uint32) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	r := o.rooms[id]
	return r != nil && r.last >= tick && slices.Equal(r.nodes, []string{node})
}

func (o *owners) nodesOf(id string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if r := o.rooms[id]; r != nil {
		return slices.Clone(r.nodes)
	}
	return nil
}

type ownerObserver struct {
	o    *owners
	node string
}

func (x ownerObserver) Snapshot(id string, w *game.World, st protocol.State) {
	x.o.tick(id, x.node, w, st)
}
func (ownerObserver) Status(string, *protocol.Status) {}
func (ownerObserver) Events(string, []protocol.Event) {}
func (ownerObserver) Closed(string)                   {}
