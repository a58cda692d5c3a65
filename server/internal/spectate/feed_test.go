package spectate_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/spectate"
)

// fastOpts makes every tick a spectator snapshot, so tests need not wait for the 10 Hz clock.
var fastOpts = spectate.Options{Rate: 1e9}

type snapshotJSON struct {
	Tick  uint32 `json:"tick"`
	State string `json:"state"`
	Ships []struct {
		Seat          int `json:"seat"`
		X, Y          int
		Aim           float64 `json:"aim"`
		HP            int     `json:"hp"`
		Alive         bool    `json:"alive"`
		Frags, Deaths int
	} `json:"ships"`
	Shots []struct {
		ID, Owner, X, Y int
	} `json:"shots"`
}

func TestStreamHeadersEventsAndIDs(t *testing.T) {
	srv := newServer(t, spectate.Options{Rate: 1e9, Retry: 1500 * time.Millisecond})
	room := newRoom(t, srv.hub, "r1", 4)
	es := open(t, srv.URL+"/rooms/r1/events", dialOpts{})

	if es.resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", es.resp.StatusCode)
	}
	for name, want := range map[string]string{
		"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no",
	} {
		if got := es.resp.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	first := es.must()
	if first.Type != "status" || es.retry != 1500 {
		t.Fatalf("stream opened with %s and retry %d, want status and retry 1500", first.Type, es.retry)
	}
	room.stepUntil(t, game.EventFrag, 3000)
	room.step(1)

	var last uint64
	seen := map[string]bool{}
	for _, ev := range append([]sseEvent{first}, es.until("frag")...) {
		id, err := strconv.ParseUint(ev.ID, 10, 64)
		if err != nil || id <= last {
			t.Fatalf("%s event has id %q after %d, want a rising number", ev.Type, ev.ID, last)
		}
		last = id
		seen[ev.Type] = true
		if ev.Type == "snapshot" {
			s := decode[snapshotJSON](t, ev)
			if s.State != "running" || len(s.Ships) != 4 || s.Tick == 0 {
				t.Fatalf("snapshot %+v, want a running room with 4 ships", s)
			}
		}
	}
	for _, kind := range []string{"status", "snapshot", "score", "frag"} {
		if !seen[kind] {
			t.Errorf("no %s event before the first frag", kind)
		}
	}
}

func TestHeartbeatWhenIdle(t *testing.T) {
	srv := newServer(t, spectate.Options{Heartbeat: 40 * time.Millisecond})
	newRoom(t, srv.hub, "idle", 2)
	es := open(t, srv.URL+"/rooms/idle/events", dialOpts{})
	for {
		ev, err := es.next(true)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type == ":" {
			if ev.Data != "ping" {
				t.Fatalf("comment %q, want ping", ev.Data)
			}
			return
		}
	}
}

func TestResumeDeliversEveryMissedEvent(t *testing.T) {
	srv := newServer(t, fastOpts)
	room := newRoom(t, srv.hub, "r", 4)
	// The witness watches throughout; what it sees after the resume point is what the
	// returning spectator must get.
	witness := open(t, srv.URL+"/rooms/r/events", dialOpts{})
	es := open(t, srv.URL+"/rooms/r/events", dialOpts{})
	room.step(3)
	witness.until("snapshot")
	es.until("snapshot")
	resumeAt := es.lastID
	es.close()

	room.stepUntil(t, game.EventFrag, 3000)
	room.stepUntil(t, game.EventFrag, 3000)
	room.status(protocol.StatePaused, []int{1})
	room.step(5)
	srv.hub.Events("r", []protocol.Event{{Kind: protocol.EventCheer, Tick: room.world.Tick, Text: "gg"}})
	room.status(protocol.StateRunning, nil)
	room.step(2)

	var missed []sseEvent
	for _, ev := range witness.until("status") {
		if id, _ := strconv.Atoi(ev.ID); id > mustAtoi(t, resumeAt) && ev.Type != "snapshot" {
			missed = append(missed, ev)
		}
	}
	for ev := witness.must(); ; ev = witness.must() {
		if ev.Type != "snapshot" {
			missed = append(missed, ev)
		}
		if ev.Type == "status" && decode[struct{ State string }](t, ev).State == "running" {
			break
		}
	}

	for _, header := range []string{"header", "query"} {
		t.Run(header, func(t *testing.T) {
			url, h := srv.URL+"/rooms/r/events", http.Header{}
			if header == "header" {
				h.Set("Last-Event-ID", resumeAt)
			} else {
				url += "?lastEventId=" + resumeAt
			}
			back := open(t, url, dialOpts{header: h})
			var got []sseEvent
			keyframes := 0
			for len(got) < len(missed) {
				ev := back.must()
				if ev.Type == "snapshot" {
					keyframes++
					continue
				}
				got = append(got, ev)
			}
			if !slices.Equal(got, missed) {
				t.Fatalf("resumed with\n%v\nwant\n%v", got, missed)
			}
			if keyframes == 0 {
				room.step(1)
				if ev := back.must(); ev.Type != "snapshot" {
					t.Fatalf("no keyframe on resume; then %s", ev.Type)
				}
			}
			kinds := map[string]int{}
			for _, ev := range got {
				kinds[ev.Type]++
			}
			if kinds["frag"] < 2 || kinds["score"] < 2 || kinds["status"] != 2 || kinds["cheer"] != 1 {
				t.Fatalf("missed events by kind %v, want 2+ frags and scores, 2 statuses, 1 cheer", kinds)
			}
		})
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("id %q is not a number", s)
	}
	return n
}

func TestResumeOutsideHistoryResets(t *testing.T) {
	srv := newServer(t, spectate.Options{Rate: 1e9, History: 4})
	room := newRoom(t, srv.hub, "r", 2)
	es := open(t, srv.URL+"/rooms/r/events", dialOpts{})
	room.step(1)
	es.until("snapshot")
	old := es.lastID
	es.close()
	for range 6 {
		room.status(protocol.StateRunning, nil)
	}
	room.step(1)

	for _, tc := range []struct{ name, id string }{
		{"evicted", old},
		{"future", "999999"},
		{"garbage", "x-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es := open(t, srv.URL+"/rooms/r/events", dialOpts{header: http.Header{"Last-Event-ID": {tc.id}}})
			// The room ticks on; with nobody left watching it has no keyframe until its next tick.
			room.step(1)
			var kinds []string
			for _, ev := range []sseEvent{es.must(), es.must(), es.must()} {
				kinds = append(kinds, ev.Type)
			}
			if !slices.Equal(kinds, []string{"reset", "status", "snapshot"}) {
				t.Fatalf("opened with %v, want reset, status, snapshot", kinds)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	srv := newServer(t, spectate.Options{Origins: []string{"https://friends.example"}})
	newRoom(t, srv.hub, "r", 2)
	for _, tc := range []struct {
		name, path, origin string
		status             int
		code, allowOrigin  string
	}{
		{"no origin", "/rooms/r/events", "", 200, "", ""},
		{"same origin", "/rooms/r/events", srv.URL, 200, "", ""},
		{"allowed origin", "/rooms/r/events", "https://friends.example", 200, "", "https://friends.example"},
		{"foreign origin", "/rooms/r/events", "https://evil.example", 403, "origin_not_allowed", ""},
		{"unknown room", "/rooms/nope/events", "", 404, "room_not_found", ""},
		{"lobby foreign origin", "/events", "https://evil.example", 403, "origin_not_allowed", ""},
		{"lobby allowed origin", "/events", "https://friends.example", 200, "", "https://friends.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			es := open(t, srv.URL+tc.path, dialOpts{header: h, status: tc.status})
			defer es.close()
			if es.resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", es.resp.StatusCode, tc.status)
			}
			if got := es.resp.Header.Get("Access-Control-Allow-Origin"); got != tc.allowOrigin {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", got, tc.allowOrigin)
			}
			if tc.code == "" {
				return
			}
			var body struct{ Error, Code string }
			raw, _ := io.ReadAll(es.resp.Body)
			if err := json.Unmarshal(raw, &body); err != nil || body.Code != tc.code || body.Error == "" {
				t.Fatalf("body %q, want a JSON error with code %s", raw, tc.code)
			}
		})
	}
}

func TestHeadDoesNotStream(t *testing.T) {
	srv := newServer(t, spectate.Options{})
	newRoom(t, srv.hub, "r", 2)
	resp, err := http.Head(srv.URL + "/rooms/r/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("HEAD: %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	if got := srv.metric(t, "skirmish_sse_streams"); got != 0 {
		t.Fatalf("HEAD opened %v streams", got)
	}
}

func TestSlowSpectatorIsDropped(t *testing.T) {
	srv := newServer(t, spectate.Options{Rate: 1e9, SendBuffer: 4096, MaxPending: 16 << 10})
	room := newRoom(t, srv.hub, "r", 4)
	slow := open(t, srv.URL+"/rooms/r/events", dialOpts{recvBuf: 2048, noRead: true})
	fast := open(t, srv.URL+"/rooms/r/events", dialOpts{})
	fast.must()

	// The room plays in steps of a few ticks; the spectator that keeps up reads each step's
	// snapshots before the next, while the slow one reads nothing.
	const ticks, chunk = 600, 5
	snapshots := 0
	for tick := chunk; tick <= ticks; tick += chunk {
		room.step(chunk)
		for {
			ev := fast.must()
			if ev.Type != "snapshot" {
				continue
			}
			snapshots++
			if decode[snapshotJSON](t, ev).Tick == uint32(tick) {
				break
			}
		}
	}
	if snapshots != ticks {
		t.Fatalf("the spectator that keeps up got %d snapshots, want %d", snapshots, ticks)
	}
	// The slow spectator's socket holds what fit in the buffers, then the stream ends.
	slow.conn.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := io.Copy(io.Discard, slow.conn); err != nil {
		t.Logf("slow spectator's stream ended with %v", err)
	}
	if got := srv.metric(t, "skirmish_sse_streams_dropped_total"); got != 1 {
		t.Fatalf("dropped streams %v, want 1", got)
	}
}

func TestLaggingSpectatorGetsEverythingInOrder(t *testing.T) {
	srv := newServer(t, spectate.Options{Rate: 1e9, SendBuffer: 4096})
	room := newRoom(t, srv.hub, "r", 8)
	es := open(t, srv.URL+"/rooms/r/events", dialOpts{recvBuf: 4096})
	es.must()
	// A burst far larger than both sockets' buffers (8 ships make snapshots near 1 KB): the
	// stream falls behind, owes the rest and catches up as it reads, intact and in order.
	const ticks = 120
	room.step(ticks)
	var last uint64
	for tick := uint32(1); tick <= ticks; {
		ev := es.must()
		id, _ := strconv.ParseUint(ev.ID, 10, 64)
		if id != last+1 && last != 0 {
			t.Fatalf("id %d after %d", id, last)
		}
		last = id
		if ev.Type == "snapshot" {
			if got := decode[snapshotJSON](t, ev).Tick; got != tick {
				t.Fatalf("snapshot of tick %d, want %d", got, tick)
			}
			tick++
		}
	}
	if got := srv.metric(t, "skirmish_sse_streams_dropped_total"); got != 0 {
		t.Fatalf("dropped streams %v, want 0", got)
	}
}

func TestClosedRoomEndsStreams(t *testing.T) {
	srv := newServer(t, fastOpts)
	room := newRoom(t, srv.hub, "r", 2)
	es := open(t, srv.URL+"/rooms/r/events", dialOpts{})
	room.step(1)
	es.until("snapshot")
	srv.hub.Closed("r")
	es.until("closed")
	if _, err := es.next(false); err != io.EOF {
		t.Fatalf("after closed: %v, want the end of the stream", err)
	}
	again := open(t, srv.URL+"/rooms/r/events", dialOpts{status: http.StatusNotFound})
	if again.resp.StatusCode != http.StatusNotFound {
		t.Fatalf("reconnecting to a closed room: %d, want 404", again.resp.StatusCode)
	}
}

func TestLobbyFeed(t *testing.T) {
	srv := newServer(t, spectate.Options{})
	srv.hub.RoomChanged("a", []byte(`{"id":"a","state":"waiting"}`))
	es := open(t, srv.URL+"/events", dialOpts{})
	rooms := decode[[]struct{ ID, State string }](t, es.until("rooms")[0])
	if len(rooms) != 1 || rooms[0].ID != "a" {
		t.Fatalf("opening list %+v, want room a", rooms)
	}
	srv.hub.RoomChanged("b", []byte(`{"id":"b","state":"waiting"}`+"\n"))
	srv.hub.RoomChanged("a", []byte(`{"id":"a","state":"running"}`))
	srv.hub.RoomClosed("b")
	var got []string
	for range 3 {
		ev := es.must()
		got = append(got, ev.Type+" "+ev.Data)
	}
	want := []string{`room {"id":"b","state":"waiting"}`, `room {"id":"a","state":"running"}`, `closed {"id":"b"}`}
	if !slices.Equal(got, want) {
		t.Fatalf("lobby events %q, want %q", got, want)
	}
	// A reconnection (with or without an id) starts from the current list.
	again := open(t, srv.URL+"/events", dialOpts{header: http.Header{"Last-Event-ID": {es.lastID}}})
	ev := again.must()
	if ev.Type != "rooms" || ev.Data != `[{"id":"a","state":"running"}]` {
		t.Fatalf("reconnected lobby opened with %s %s", ev.Type, ev.Data)
	}
}
