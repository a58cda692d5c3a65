package fleet

import (
	"cmp"
	"encoding/json"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// nodeInfo is what a node says of itself in the nodes bucket, every beatEvery.
type nodeInfo struct {
	ID  string `json:"id"`
	URL string `json:"url"` // player WebSocket URL
	// Rooms is how many rooms the node runs; Busy how many cores their ticks keep busy
	// (measured), of Capacity, the cores the node may use.
	Rooms    int     `json:"rooms"`
	Busy     float64 `json:"busy"`
	Capacity float64 `json:"capacity"`
	Draining bool    `json:"draining,omitempty"`
	// Short says the node is short of headroom by its own measure and takes no newcomers.
	Short bool `json:"short,omitempty"`
}

// beatEvery spaces a node's reports; a node silent for beatTTL is gone from the bucket.
const (
	beatEvery = time.Second
	beatTTL   = 3 * time.Second
)

// roomCost is the share of a core a room placed a moment ago is taken to cost until the
// node that runs it reports it measured: enough that a burst of creations spreads out.
const roomCost = 0.005

// registry is the fleet's nodes as this node sees them, kept by a watcher of the nodes
// bucket, plus this node's own reports.
type registry struct {
	n *Node
	w jetstream.KeyWatcher

	mu    sync.Mutex
	nodes map[string]nodeInfo
}

func (g *registry) init(n *Node) {
	g.n = n
	g.nodes = make(map[string]nodeInfo)
}

func (g *registry) start() error {
	g.beat()
	w, err := g.n.nodes.WatchAll(g.n.ctx)
	if err != nil {
		return err
	}
	g.w = w
	g.n.wg.Add(2)
	go g.watch()
	go func() {
		defer g.n.wg.Done()
		t := time.NewTicker(beatEvery)
		defer t.Stop()
		for {
			select {
			case <-g.n.ctx.Done():
				return
			case <-t.C:
				g.beat()
			}
		}
	}()
	return nil
}

func (g *registry) watch() {
	defer g.n.wg.Done()
	for {
		select {
		case <-g.n.ctx.Done():
			_ = g.w.Stop()
			return
		case e, ok := <-g.w.Updates():
			if !ok {
				return
			}
			if e == nil {
				continue
			}
			g.mu.Lock()
			var info nodeInfo
			if e.Operation() != jetstream.KeyValuePut || json.Unmarshal(e.Value(), &info) != nil {
				delete(g.nodes, e.Key())
			} else if info.ID != g.n.opts.NodeID {
				g.nodes[info.ID] = info
			}
			g.mu.Unlock()
		}
	}
}

// self returns this node's report, measured now.
func (g *registry) self() nodeInfo {
	info := nodeInfo{
		ID: g.n.opts.NodeID, URL: g.n.opts.PublicURL,
		Capacity: float64(runtime.GOMAXPROCS(0)), Draining: g.n.draining.Load(),
		Short: g.n.short(),
	}
	if g.n.mgr != nil {
		info.Rooms, info.Busy = g.n.mgr.Load()
	}
	return info
}

// beat publishes this node's report, which lives for beatTTL.
func (g *registry) beat() {
	b, err := json.Marshal(g.self())
	if err != nil {
		return
	}
	ctx, cancel := g.n.jsCtx()
	defer cancel()
	_, err = g.n.js.PublishMsg(ctx, &nats.Msg{Subject: "$KV." + g.n.opts.Prefix + "-nodes." + g.n.opts.NodeID, Data: b},
		jetstream.WithMsgTTL(beatTTL))
	if err != nil && g.n.ctx.Err() == nil {
		g.n.log.Debug("node report failed", "err", err)
	}
}

// leave removes this node's report: it takes no more rooms.
func (g *registry) leave() {
	ctx, cancel := g.n.jsCtx()
	defer cancel()
	_ = g.n.nodes.Purge(ctx, g.n.opts.NodeID)
}

// headroom is the cores a node has to spare, counting the rooms the directory shows on it
// beyond those its last report measured at roomCost each.
func headroom(info nodeInfo, listed int) float64 {
	return info.Capacity - info.Busy - float64(max(listed-info.Rooms, 0))*roomCost
}

// candidates returns the nodes that take rooms (this one first, unless draining), with the
// most headroom first; ties go to the node with fewer rooms, then to the lower id.
func (g *registry) candidates() []nodeInfo {
	listed := map[string]int{}
	for _, r := range g.n.dir.List() {
		listed[r.Node]++
	}
	g.mu.Lock()
	all := make([]nodeInfo, 0, len(g.nodes)+1)
	for _, info := range g.nodes {
		if !info.Draining {
			all = append(all, info)
		}
	}
	g.mu.Unlock()
	if self := g.self(); !self.Draining {
		all = append(all, self)
	}
	slices.SortFunc(all, func(a, b nodeInfo) int {
		ha, hb := headroom(a, listed[a.ID]), headroom(b, listed[b.ID])
		if c := cmp.Compare(hb, ha); c != 0 {
			return c
		}
		if c := cmp.Compare(max(a.Rooms, listed[a.ID]), max(b.Rooms, listed[b.ID])); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return all
}

// others returns the candidates other than this node.
func (g *registry) others() []nodeInfo {
	return slices.DeleteFunc(g.candidates(), func(i nodeInfo) bool { return i.ID == g.n.opts.NodeID })
}

// short reports whether this node is short of headroom.
func (n *Node) short() bool { return n.opts.Overloaded != nil && n.opts.Overloaded() }

// Short implements room.Fleet from the nodes' last reports; this node answers for itself.
func (n *Node) Short(node string) bool {
	if node == n.opts.NodeID {
		return n.short()
	}
	g := &n.registry
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.nodes[node].Short
}

// live returns the report of another node that takes rooms.
func (g *registry) live(id string) (nodeInfo, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	info, ok := g.nodes[id]
	return info, ok && !info.Draining
}

// rank is this node's place among the candidates (0 for the one with the most headroom); a
// draining node, which is none of them, comes after them all.
func (g *registry) rank() int {
	all := g.candidates()
	for i, info := range all {
		if info.ID == g.n.opts.NodeID {
			return i
		}
	}
	return len(all)
}
