package test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"skirmish/client"
	"skirmish/game/protocol"
	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
	"skirmish/server/internal/natstest"
	"skirmish/server/internal/record"
	"skirmish/server/internal/replay"
	"skirmish/server/internal/room"
	"skirmish/server/internal/ssetest"
)

// TestFleet runs a fleet in one process: a three-server NATS cluster with JetStream and three
// Skirmish nodes, then a fourth that joins as the drained one leaves. It follows one room
// through everything a fleet does: placed on the node with the most headroom and listed by
// all; a player sent to its node with 4310; a spectator on another node that resumes with
// Last-Event-ID and misses nothing; a cheer posted to a third node; its node drained, the
// room handed over and the match going on from the same tick; its new node crashed, the room
// recovered elsewhere from its last checkpoint within the lease; and its node stalled past
// the lease, the room stopped there and run elsewhere. On every tick of every node, no room
// runs on two nodes.
func TestFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("a fleet takes a while to start")
	}
	t.Parallel() // a long waiter: see the package doc
	urls := natstest.Cluster(t, 3)
	own := newOwners()
	defer own.check(t)
	a := startNode(t, "a", urls[0], own.observer("a"))
	b := startNode(t, "b", urls[1], own.observer("b"))
	c := startNode(t, "c", urls[2], own.observer("c"))
	nodes := map[string]*node{"a": a, "b": b, "c": c}

	// Load: a and c run busy rooms of bots, b runs as many rooms as c and more than a, but
	// idle ones. A room count would pick a; the headroom measured picks b.
	heavy := room.Settings{Seats: 8, Bots: 8}
	for range 2 {
		createOn(t, urls[0], "a", heavy)
	}
	for range 3 {
		createOn(t, urls[0], "b", room.Settings{Seats: 2})
		createOn(t, urls[0], "c", heavy)
	}
	time.Sleep(5 * time.Second) // the nodes measure their rooms and report

	id := a.createRoom(4, 3)
	for _, n := range []*node{a, b, c} {
		waitFor(t, waitTimeout, "room listed on "+n.id, func() bool { _, ok := n.room(id); return ok })
	}
	info, _ := c.room(id)
	if info.Node != "b" || info.URL != b.url() {
		t.Fatalf("room created through a runs on %q (%s), want b, which has the most headroom", info.Node, info.URL)
	}

	// A player who asks c is sent to b.
	p := c.join(id, "ada")
	p.seat()
	if got := p.c.URL(); got != b.url() {
		t.Fatalf("the player plays on %s, want b's %s", got, b.url())
	}
	p.mu.Lock()
	moved := len(p.errs) > 0 && p.errs[0].Code == protocol.CodeMoved
	p.mu.Unlock()
	if !moved {
		t.Fatalf("the player was not sent on with 4310: %v", p.errs)
	}
	stop := make(chan struct{})
	defer close(stop)
	p.play(stop)
	p.waitState(protocol.StateRunning, 0)

	// A spectator on a follows the room, drops, and resumes with Last-Event-ID; another on a
	// watches throughout. The discrete events the first got, before and after its break, are
	// those the second got.
	steady := ssetest.Open(t, "http://"+a.addr+"/rooms/"+id+"/events", ssetest.Options{})
	watcher := ssetest.Open(t, "http://"+a.addr+"/rooms/"+id+"/events", ssetest.Options{})
	var before []ssetest.Event
	for len(before) < 30 {
		before = append(before, watcher.Must())
	}
	watcher.Close()
	last := before[len(before)-1].ID
	time.Sleep(time.Second) // the room goes on meanwhile
	resumed := ssetest.Open(t, "http://"+a.addr+"/rooms/"+id+"/events",
		ssetest.Options{Header: http.Header{"Last-Event-ID": {last}}})

	// A cheer posted to c reaches the player on b and the spectators on a.
	postCheer(t, c, id, "gg")
	p.waitFor("the cheer", func() bool {
		for _, e := range p.events {
			if e.Kind == protocol.EventCheer && e.Text == "gg" {
				return true
			}
		}
		return false
	})
	after := untilCheer(t, resumed)
	want := untilCheer(t, steady)
	compareDiscrete(t, append(before, after...), want)
	resumed.Close()

	// A match of bots starts on b just before b drains: its record has to go with it.
	short := createOn(t, urls[0], "b", room.Settings{Seats: 2, Bots: 2, TimeLimit: room.MinTimeLimit, FragLimit: room.MaxFragLimit})
	waitFor(t, waitTimeout, "the match of bots under way on b", func() bool { return own.playedOn(short, "b", 30) })

	// A spectator on b, the room's node, takes up from the cheer.
	local := ssetest.Open(t, "http://"+b.addr+"/rooms/"+id+"/events",
		ssetest.Options{Header: http.Header{"Last-Event-ID": {want[len(want)-1].ID}}})

	// Drain b (as SIGTERM would): the room keeps its id and moves on; the player follows and
	// the match goes on from the tick it stopped at; the spectator on a keeps following, and
	// the one on b is sent to the room's new node, where it resumes from its last id.
	p.mu.Lock()
	lastBefore := p.ticks[len(p.ticks)-1]
	p.mu.Unlock()
	b.stop()
	<-b.done
	delete(nodes, "b")
	var owner string
	waitFor(t, waitTimeout, "the room handed over", func() bool {
		r, ok := a.room(id)
		owner = r.Node
		return ok && r.Node != "b" && nodes[r.Node] != nil
	})
	// The drain took as long as it took; what b sent is read from here on.
	local.Conn.SetDeadline(time.Now().Add(waitTimeout))
	onB := local.Until("moved")
	local.Close()
	goOn := onB[len(onB)-1]
	if len(onB) < 2 || goOn.ID != onB[len(onB)-2].ID {
		t.Fatalf("the moved event carries an id: %q after %v", goOn.ID, eventKinds(onB))
	}
	to := ssetest.Decode[struct{ URL string }](t, goOn).URL
	if want := "http://" + nodes[owner].addr; to != want {
		t.Fatalf("the spectator on b was sent to %q, want the room's new node %s", to, want)
	}
	followed := ssetest.Open(t, to+"/rooms/"+id+"/events?lastEventId="+goOn.ID, ssetest.Options{})
	p.waitFor("a welcome from the new node", func() bool { return len(p.welcomes) >= 2 })
	if got, want := p.c.URL(), nodes[owner].url(); got != want {
		t.Fatalf("after the handover the player plays on %s, want %s", got, want)
	}
	if w := p.welcomes[1]; w.Seat != p.welcomes[0].Seat || w.Token != p.welcomes[0].Token {
		t.Fatalf("the player came back in seat %d, was %d", w.Seat, p.welcomes[0].Seat)
	}
	p.mu.Lock()
	resumedAt := p.keyTicks[len(p.keyTicks)-1]
	p.mu.Unlock()
	if resumedAt < lastBefore {
		t.Fatalf("the match went back from tick %d to %d", lastBefore, resumedAt)
	}
	p.waitState(protocol.StateRunning, p.statusCount()-1)
	if runs := own.nodesOf(id); len(runs) != 2 || runs[0] != "b" || runs[1] != owner {
		t.Fatalf("the room ran on %v, want b then %s", runs, owner)
	}
	postCheer(t, a, id, "again")
	after = untilCheer(t, steady)
	if kinds := eventKinds(after); !slices.Contains(kinds, "status") {
		t.Fatalf("the spectator on a saw no status through the handover: %v", kinds)
	}
	// The events of the steady spectator are numbered one by one through the handover: the
	// moved event took no id.
	for i := 1; i < len(after); i++ {
		if prev, id := ssetest.ID(t, after[i-1].ID), ssetest.ID(t, after[i].ID); id != prev+1 {
			t.Fatalf("the spectator on a got id %d after %d", id, prev)
		}
	}
	steady.Close()
	compareDiscrete(t, append(onB[:len(onB)-1], untilCheer(t, followed)...), after)
	followed.Close()

	// A fourth node joins. The player goes on through it, as a newcomer would, with its
	// token: its first node may be the one that dies next.
	d := startNode(t, "d", urls[1], own.observer("d"))
	nodes["d"] = d
	p.c.Close()
	q := d.join(id, "ada", func(cfg *client.Config) { cfg.Token = p.c.Token() })
	if q.seat() != p.welcomes[0].Seat {
		t.Fatalf("the token took seat %d, want %d", q.seat(), p.welcomes[0].Seat)
	}
	q.play(stop)
	q.waitState(protocol.StateRunning, 0)

	// Crash the room's node: nothing handed over, nothing said. The room comes back on
	// another node from its last checkpoint once the lease has expired.
	crashed := nodes[owner]
	crashedAt := time.Now()
	crashed.crash()
	delete(nodes, owner)
	var rescuer string
	waitFor(t, waitTimeout, "the room recovered", func() bool {
		r, ok := d.room(id)
		rescuer = r.Node
		return ok && nodes[r.Node] != nil
	})
	took := time.Since(crashedAt)
	t.Logf("the room of the crashed node %s runs on %s after %v (lease %v)", owner, rescuer, took.Round(time.Millisecond), fleetTTL)
	// The lease's expiry starts a rescue at once, and a look every half lease catches an
	// expiry the watch missed; past two leases the rescue waited for something else. The
	// bound leaves a loaded machine a second more than that.
	if limit := 2*fleetTTL + time.Second; took > limit {
		t.Errorf("recovery took %v, more than two leases (%v) and a second", took, fleetTTL)
	}
	q.waitFor("a welcome from the rescuer", func() bool { return len(q.welcomes) >= 2 })
	q.waitState(protocol.StateRunning, q.statusCount()-1)

	// Stall the room's node past its lease: cut off from NATS, it stops the room before
	// the lease can expire, and the room runs elsewhere; once the node is back, the player
	// is sent there too.
	stalled := nodes[rescuer]
	stalled.freeze()
	var next string
	waitFor(t, waitTimeout, "the room taken over from the stalled node", func() bool {
		for _, n := range nodes {
			if n == stalled {
				continue
			}
			if r, ok := n.room(id); ok && r.Node != rescuer && nodes[r.Node] != nil {
				next = r.Node
				return true
			}
		}
		return false
	})
	stalled.thaw()
	q.waitWithin(3*waitTimeout, "the player on the room's new node", func() bool {
		return len(q.welcomes) >= 3
	})
	if got, want := q.c.URL(), nodes[next].url(); got != want {
		t.Fatalf("after the stall the player plays on %s, want %s", got, want)
	}
	q.waitState(protocol.StateRunning, q.statusCount()-1)
	t.Logf("the room ran on %v", own.nodesOf(id))

	// The match of bots went on from b with its record: once it is over, the node it ended on
	// lists it, and its record replays it whole, from the ticks it played on b.
	var summary replay.Summary
	var ended *node
	waitFor(t, room.MinTimeLimit+waitTimeout, "the match of bots over and listed", func() bool {
		for _, n := range nodes {
			if list := getMatches(t, n.server, "?room="+short); len(list) > 0 {
				summary, ended = list[0], n
				return true
			}
		}
		return false
	})
	if runs := own.nodesOf(short); len(runs) < 2 || runs[0] != "b" {
		t.Fatalf("the match of bots ran on %v, want b and then others", runs)
	}
	rec, err := record.ReadFile(record.Path(ended.data, summary.ID))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Replay(nil); err != nil || rec.End == nil || rec.End.Tick != summary.Ticks {
		t.Fatalf("the record of the match that ran on %v does not replay it: %v", own.nodesOf(short), err)
	}
	t.Logf("the match of bots ran on %v; its record of %d ticks replays on %s", own.nodesOf(short), summary.Ticks, ended.id)
}

// postCheer cheers through node n as a page does: a 503 (the room's node did not answer in
// time) is tried again after its Retry-After, for up to waitTimeout.
func postCheer(t *testing.T, n *node, id, text string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		resp, err := http.Post("http://"+n.addr+"/api/rooms/"+id+"/cheers", "application/json", bytes.NewBufferString(`{"text":"`+text+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusAccepted:
			return
		case resp.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline):
			t.Fatalf("cheer on %s: %d", n.id, resp.StatusCode)
		}
		after, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		time.Sleep(time.Duration(after) * time.Second)
	}
}

func eventKinds(evs []ssetest.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

// untilCheer reads a stream up to the first cheer, which comes within waitTimeout however long
// the stream has been open.
func untilCheer(t *testing.T, s *ssetest.Stream) []ssetest.Event {
	t.Helper()
	s.Conn.SetDeadline(time.Now().Add(waitTimeout))
	var evs []ssetest.Event
	for {
		ev := s.Must()
		evs = append(evs, ev)
		if ev.Type == "cheer" {
			return evs
		}
	}
}

// compareDiscrete checks that got holds every discrete event (everything but snapshots) that
// want holds from the first id they share, in the same order, with nothing missing.
func compareDiscrete(t *testing.T, got, want []ssetest.Event) {
	t.Helper()
	discrete := func(evs []ssetest.Event) []ssetest.Event {
		var out []ssetest.Event
		for _, e := range evs {
			if e.Type != "snapshot" && e.ID != "" {
				out = append(out, e)
			}
		}
		return out
	}
	g, w := discrete(got), discrete(want)
	if len(g) == 0 || len(w) == 0 {
		t.Fatalf("no discrete events: got %d, want %d", len(g), len(w))
	}
	// Both end with the cheer; line them up from the later start.
	start := max(ssetest.ID(t, g[0].ID), ssetest.ID(t, w[0].ID))
	trim := func(evs []ssetest.Event) []string {
		var out []string
		for _, e := range evs {
			if ssetest.ID(t, e.ID) >= start {
				out = append(out, e.ID+" "+e.Type+" "+e.Data)
			}
		}
		return out
	}
	gs, ws := trim(g), trim(w)
	if len(gs) != len(ws) {
		t.Fatalf("the resumed spectator got %d discrete events, the steady one %d:\n%v\n%v", len(gs), len(ws), gs, ws)
	}
	for i := range gs {
		if gs[i] != ws[i] {
			t.Fatalf("event %d differs:\n%s\n%s", i, gs[i], ws[i])
		}
	}
}

// TestFleetPlacesPastBusyNodes: a node short of headroom, which alone would turn a new room
// away, still takes POST /api/rooms and /api/play in a fleet and places the room on a node
// that has headroom; only when every node is short is the answer 503 server_busy.
func TestFleetPlacesPastBusyNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("a fleet takes a while to start")
	}
	urls := natstest.Cluster(t, 3) // the fleet's buckets keep three replicas
	var aShort, bShort atomic.Bool
	shortWhen := func(short *atomic.Bool) func(*config.Config, *app.Options) {
		return func(_ *config.Config, o *app.Options) { o.Overloaded = short.Load }
	}
	a := startNode(t, "a", urls[0], nil, shortWhen(&aShort))
	b := startNode(t, "b", urls[1], nil, shortWhen(&bShort))
	aShort.Store(true)

	post := func(path string) (int, map[string]string) {
		resp, err := http.Post("http://"+a.addr+path, "application/json", strings.NewReader(`{"seats":2,"bots":1}`))
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		defer resp.Body.Close()
		out := map[string]string{}
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	var id string
	waitFor(t, waitTimeout, "a short node to place a room on b", func() bool {
		status, out := post("/api/rooms")
		id = out["id"]
		return status == http.StatusCreated
	})
	waitFor(t, waitTimeout, "the room listed on a", func() bool { _, ok := a.room(id); return ok })
	if info, _ := a.room(id); info.Node != "b" {
		t.Fatalf("the room a placed runs on %q, want b: a is short of headroom", info.Node)
	}
	if status, out := post("/api/play"); status != http.StatusOK || out["url"] != b.url() {
		t.Fatalf("quick play at a short node: %d %v, want 200 and b's URL %s", status, out, b.url())
	}

	bShort.Store(true)
	waitFor(t, waitTimeout, "503 server_busy once every node is short", func() bool {
		status, out := post("/api/rooms")
		return status == http.StatusServiceUnavailable && out["code"] == "server_busy"
	})
}
