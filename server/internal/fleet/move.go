package fleet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"skirmish/server/internal/lobby"
)

// Rooms move between nodes as checkpoints. A draining node hands each room over: the room
// stops between two ticks, its final checkpoint is stored, its entry is rewritten (by
// compare-and-swap) to name the node with the most headroom, which is then asked to adopt
// it: that node takes the lease over from the entry's revision, restores the room paused,
// and the players, sent there with 4310, resume with their tokens from the tick it stopped
// at. A node that dies hands nothing over: its leases expire, and every node looks for
// checkpoints whose room has no entry; the one with the most headroom goes first, creates
// the entry (only one node can) and restores the room from the checkpoint.

// Drain hands every room of this node to other nodes and reports how many it handed over.
// The node takes no room from now on; the rooms no node takes stay until the node stops
// (their last checkpoint is stored then, and they are recovered once their lease expires).
func (n *Node) Drain(ctx context.Context) int {
	n.draining.Store(true)
	n.registry.beat()
	moved := 0
	for _, id := range n.mgr.IDs() {
		if ctx.Err() != nil {
			break
		}
		if err := n.handOver(id); err != nil {
			n.log.Warn("room not handed over", "room", id, "err", err)
			continue
		}
		moved++
	}
	return moved
}

// handOver moves one room to the node with the most headroom that takes it.
func (n *Node) handOver(id string) error {
	targets := n.registry.others()
	if len(targets) == 0 {
		return errors.New("no other node takes rooms")
	}
	to := targets[0]
	return n.mgr.Handover(id, func(cp []byte) (string, error) {
		l := n.dir.leaseOf(id)
		if l == nil {
			return "", errors.New("the room has no lease")
		}
		rev, cpRev, err := l.handOff(cp, to)
		if err != nil {
			return "", err
		}
		// From here the room is the other node's: if it does not adopt it, the entry expires
		// and the room is recovered from the checkpoint just stored.
		n.metrics.handovers.WithLabelValues("out").Inc()
		if _, err := n.ask(to.ID, verbAdopt, adoptRequest{Room: id, Rev: rev, CPRev: cpRev}, 2*opTimeout); err != nil {
			n.log.Warn("the node handed a room did not adopt it; it will be recovered", "room", id, "node", to.ID, "err", err)
		}
		return to.URL, nil
	})
}

// adopt takes over a room from revision rev of its entry (handed over by its node, or 0 to
// create the entry of a room being recovered) and restores it from its checkpoint.
func (n *Node) adopt(id string, rev, cpRev uint64) error {
	if n.draining.Load() {
		return fmt.Errorf("node %s is draining: %w", n.opts.NodeID, errTaken)
	}
	ctx, cancel := n.jsCtx()
	cp, err := n.cps.Get(ctx, id)
	cancel()
	if err != nil {
		return fmt.Errorf("room %s checkpoint: %w", id, err)
	}
	if cpRev != 0 && cp.Revision() != cpRev {
		return fmt.Errorf("room %s: checkpoint %d, not the one handed over (%d)", id, cp.Revision(), cpRev)
	}
	r, ok := n.dir.Get(id)
	if !ok {
		r = lobby.Room{ID: id, State: "paused", Players: []lobby.Player{}}
	}
	l, err := n.takeLease(r, rev, cp.Revision())
	if err != nil {
		return err
	}
	started := time.Now()
	defer func() { n.log.Debug("adopting a room", "room", id, "took", time.Since(started)) }()
	if _, err := n.mgr.Adopt(cp.Value(), l); err != nil {
		// The checkpoint cannot be restored anywhere: the room is given up.
		n.log.Error("room not restored from its checkpoint: it is closed", "room", id, "err", err)
		n.dir.Remove(id)
		return err
	}
	return nil
}

// recoverEvery spaces the looks for rooms that lost their node, as a fraction of the TTL; an
// expiry seen in the directory starts a look at once.
const recoverEvery = 2

// recoverLoop brings back the rooms of nodes that died.
func (n *Node) recoverLoop() {
	defer n.wg.Done()
	t := time.NewTicker(n.opts.LeaseTTL / recoverEvery)
	defer t.Stop()
	for {
		var lapsed []string
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
		case <-n.dir.expired:
			lapsed = n.dir.takeLapsed()
		}
		if n.draining.Load() {
			continue
		}
		n.recoverOrphans(lapsed)
	}
}

// recoverStep is how long a node waits per node with more headroom before it tries to
// recover a room: the freest node usually gets there first, and the others find the entry
// taken.
const recoverStep = 200 * time.Millisecond

// recoverOrphans adopts the rooms that have a checkpoint but no entry: those of lapsed, whose
// leases the directory saw expire, or else all there are. The directory names the rooms
// at once, where listing the checkpoints is one more request to a store that may be slow
// just when a node died.
func (n *Node) recoverOrphans(lapsed []string) {
	orphans := lapsed
	if orphans == nil {
		orphans = n.orphans()
	}
	if len(orphans) == 0 {
		return
	}
	select {
	case <-time.After(time.Duration(n.registry.rank()) * recoverStep):
	case <-n.ctx.Done():
		return
	}
	for _, id := range orphans {
		if _, listed := n.dir.Get(id); listed || n.draining.Load() {
			continue
		}
		err := n.adopt(id, 0, 0)
		switch {
		case err == nil:
			n.metrics.recovered.Inc()
			n.log.Info("room recovered from its last checkpoint", "room", id)
		case errors.Is(err, errTaken), errors.Is(err, jetstream.ErrKeyNotFound):
			// Another node was first, or the room closed (its tombstone expired) and left no
			// checkpoint.
		default:
			n.log.Warn("room not recovered", "room", id, "err", err)
		}
	}
}

// orphans lists the rooms whose checkpoint is stored but whose entry is gone.
func (n *Node) orphans() []string {
	ctx, cancel := n.jsCtx()
	defer cancel()
	keys, err := n.cps.ListKeys(ctx)
	if err != nil {
		if !errors.Is(err, jetstream.ErrNoKeysFound) {
			n.log.Debug("listing checkpoints", "err", err)
		}
		return nil
	}
	var ids []string
	for id := range keys.Keys() {
		if _, listed := n.dir.Get(id); !listed {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}
