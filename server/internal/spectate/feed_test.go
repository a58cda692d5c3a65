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
	"skirmish/server/internal/admission"
	"skirmish/server/internal/spectate"
	"skirmish/server/internal/ssetest"
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
	es := ssetest.Open(t, srv.URL+"/rooms/r1/events", ssetest.Options{})

	if es.Resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", es.Resp.StatusCode)
	}
	for name, want := range map[string]string{
		"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no",
	} {
		if got := es.Resp.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	first := es.Must()
	if first.Type != "status" || es.Retry != 1500 {
		t.Fatalf("stream opened with %s and retry %d, want status and retry 1500", first.Type, es.Retry)
	}
	room.stepUntil(t, game.EventFrag, 3000)
	room.step(1)

	var last uint64
	seen := map[string]bool{}
	for _, ev := range append([]ssetest.Event{first}, es.Until("frag")...) {
		id, err := strconv.ParseUint(ev.ID, 10, 64)
		if err != nil || id <= last {
			t.Fatalf("%s event has id %q after %d, want a rising number", ev.Type, ev.ID, last)
		}
		last = id
		seen[ev.Type] = true
		if ev.Type == "snapshot" {
			s := ssetest.Decode[snapshotJSON](t, ev)
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
	es := ssetest.Open(t, srv.URL+"/rooms/idle/events", ssetest.Options{})
	for {
		ev, err := es.Next(true)
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
	witness := ssetest.Open(t, srv.URL+"/rooms/r/events", ssetest.Options{})
	es := ssetest.Open(t, srv.URL+"/rooms/r/events", ssetest.Options{})
	room.step(3)
	witness.Until("snapshot")
	es.Until("snapshot")
	resumeAt := es.LastID
	es.Close()

	room.stepUntil(t, game.EventFrag, 3000)
	room.stepUntil(t, game.EventFrag, 3000)
	room.status(protocol.StatePaused, []int{1})
	room.step(5)
	srv.hub.Events("r", []protocol.Event{{Kind: protocol.EventCheer, Tick: room.world.Tick, Text: "gg"}})
	room.status(protocol.StateRunning, nil)
	room.step(2)

	var missed []ssetest.Event
	for _, ev := range witness.Until("status") {
		if id, _ := strconv.Atoi(ev.ID); id > ssetest.ID(t, resumeAt) && ev.Type != "snapshot" {
			missed = append(missed, ev)
		}
	}
	for ev := witness.Must(); ; ev = witness.Must() {
		if ev.Type != "snapshot" {
			missed = append(missed, ev)
		}
		if ev.Type == "status" && ssetest.Decode[struct{ State string }](t, ev).State == "running" {
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
			back := ssetest.Open(t, url, ssetest.Options{Header: h})
			var got []ssetest.Event
			keyframes := 0
			for len(got) < len(missed) {
				ev := back.Must()
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
				// The next step's snapshot is the keyframe, after any frag or respawn of that step.
				room.step(1)
				back.Until("snapshot")
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

func TestResumeOutsideHistoryResets(t *testing.T) {
	srv := newServer(t, spectate.Options{Rate: 1e9, History: 4})
	room := newRoom(t, srv.hub, "r", 2)
	es := ssetest.Open(t, srv.URL+"/rooms/r/events", ssetest.Options{})
	room.step(1)
	es.Until("snapshot")
	old := es.LastID
	es.Close()
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
			es := ssetest.Open(t, srv.URL+"/rooms/r/events", ssetest.Options{Header: http.Header{"Last-Event-ID": {tc.id}}})
			// The room ticks on; with nobody left watching it has no keyframe until its next tick.
			room.step(1)
			var kinds []string
			for _, ev := range []ssetest.Event{es.Must(), es.Must(), es.Must()} {
				kinds = append(kinds, ev.Type)
			}
			if !slices.Equal(kinds, []string{"reset", "status", "snapshot"}) {
				t.Fatalf("opened with %v, want reset, status, snapshot", kinds)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	srv := newServer(t, spectate.Options{Admission: admission.New(admission.Config{Origins: []string{"https://friends.example"}})})
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
			es := ssetest.Open(t, srv.URL+tc.path, ssetest.Options{Header: h, Status: tc.status})
			defer es.Close()
			if es.Resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", es.Resp.StatusCode, tc.status)
			}
			if got := es.Resp.Header.Get("Access-Control-Allow-Origin"); got != tc.allowOrigin {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", got, tc.allowOrigin)
			}
			if tc.code == "" {
				return
			}
			var body struct{ Error, Code string }
			raw, _ := io.ReadAll(es.Resp.Body)
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
	slow := ssetest.Open(t, srv.URL+"/rooms/r/events", ssetest.Options{RecvBuf: 2048, NoRead: true})
	fast := ssetest.Open(t, srv.URL+"/rooms/r/events", ssetest.Options{})
	fast.Must()

	// The room plays in steps of a few ticks; the spectator that keeps up reads each step's
	// snapshots before the next, while the slow one reads nothing.
	const ticks, chunk = 600, 5
	snapshots := 0
	for tick := chunk; tick <= ticks; tick += chunk {
		room.step(chunk)
		for {
			ev := fast.Must()
			if ev.Type != "snapshot" {
				continue
			}
			snapshots++
			if ssetest.Decode[snapshotJSON](t, ev).Tick == uint32(tick) {
				break
			}
		}
	}
	if snapshots != ticks {
		t.Fatalf("the spectator that keeps up got %d snapshots, want %d", snapshots, ticks)
	}
	// The slow spectator's socket holds what fit in the buffers, then the stream ends.
	slow.Conn.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := io.Copy(io.Discard, slow.Conn); err != nil {
		t.Logf("slow spectator's stream ended with %v", err)
	}
	if got := srv.metric(t, "skirmish_sse_streams_dropped_total"); got != 1 {
		t.Fatalf("dropped streams %v, want 1", got)
	}
}

func TestLaggingSpectatorGetsEverythingInOrder(t *testing.T) {
	srv := newServer(t, spectate.Options{Rate: 1e9, SendBuffer: 4096})
	room := newRoom(t, srv.hub, "r", 8)
	es := ssetest.Open(t, srv.URL+"/rooms/r/events", ssetest.Options{RecvBuf: 4096})
	es.Must()
	// A burst far larger than both sockets' buffers (8 ships make snapshots near 1 KB): the
	// stream falls behind, owes the rest and catches up as it reads, intact and in order.
	const ticks = 120
	room.step(ticks)
	var last uint64
	for tick := uint32(1); tick <= ticks; {
		ev := es.Must()
		id, _ := strconv.ParseUint(ev.ID, 10, 64)
		if id != last+1 && last != 0 {
			t.Fatalf("id %d after %d", id, last)
		}
		last = id
		if ev.Type == "snapshot" {
			if got := ssetest.Decode[snapshotJSON](t, ev).Tick; got != tick {
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
	es := ssetest.Open(t, srv.URL+"/rooms/r/events", ssetest.Options{})
	room.step(1)
	es.Until("snapshot")
	srv.hub.Closed("r")
	es.Until("closed")
	if _, err := es.Next(false); err != io.EOF {
		t.Fatalf("after closed: %v, want the end of the stream", err)
	}
	again := ssetest.Open(t, srv.URL+"/rooms/r/events", ssetest.Options{Status: http.StatusNotFound})
	if again.Resp.StatusCode != http.StatusNotFound {
		t.Fatalf("reconnecting to a closed room: %d, want 404", again.Resp.StatusCode)
	}
}

// TestMoveSendsStreamsOn: a node going away sends each stream where its feed goes on, with an
// event that has no id, and ends it; a feed with nowhere to go is left as it was.
func TestMoveSendsStreamsOn(t *testing.T) {
	srv := newServer(t, fastOpts)
	room := newRoom(t, srv.hub, "r", 2)
	newRoom(t, srv.hub, "s", 2)
	es := ssetest.Open(t, srv.URL+"/rooms/r/events", ssetest.Options{})
	stay := ssetest.Open(t, srv.URL+"/rooms/s/events", ssetest.Options{})
	lobby := ssetest.Open(t, srv.URL+"/events", ssetest.Options{})
	lobby.Until("rooms")
	room.step(3)
	stay.Until("status")
	srv.hub.Move(func(room string) string {
		if room == "s" {
			return ""
		}
		return "http://elsewhere" + room
	})
	for _, c := range []struct {
		name string
		s    *ssetest.Stream
		url  string
	}{{"room", es, "http://elsewherer"}, {"lobby", lobby, "http://elsewhere"}} {
		t.Run(c.name, func(t *testing.T) {
			evs := c.s.Until("moved")
			last := evs[len(evs)-1]
			if len(evs) > 1 && last.ID != evs[len(evs)-2].ID {
				t.Fatalf("the moved event has id %s", last.ID)
			}
			if got := ssetest.Decode[struct{ URL string }](t, last).URL; got != c.url {
				t.Fatalf("moved to %q, want %q", got, c.url)
			}
			if _, err := c.s.Next(false); err != io.EOF {
				t.Fatalf("after moved: %v, want the end of the stream", err)
			}
		})
	}
	again := ssetest.Open(t, srv.URL+"/rooms/s/events", ssetest.Options{})
	again.Until("status")
}

// TestLobbyFeed: the lobby opens with the room list, then sends each batch of changes as one
// event with every changed room once, as it is now; a reconnection gets the batches it
// missed, or the whole list when it cannot resume.
func TestLobbyFeed(t *testing.T) {
	srv := newServer(t, spectate.Options{LobbyEvery: 50 * time.Millisecond})
	srv.hub.RoomChanged("a", []byte(`{"id":"a","state":"waiting"}`))
	es := ssetest.Open(t, srv.URL+"/events", ssetest.Options{})
	rooms := ssetest.Decode[[]struct{ ID, State string }](t, es.Until("rooms")[0])
	if len(rooms) != 1 || rooms[0].ID != "a" {
		t.Fatalf("opening list %+v, want room a", rooms)
	}
	// A burst of changes within one batch: b appears and goes, a changes twice, c appears.
	srv.hub.RoomChanged("b", []byte(`{"id":"b","state":"waiting"}`+"\n"))
	srv.hub.RoomChanged("a", []byte(`{"id":"a","state":"countdown"}`))
	srv.hub.RoomChanged("a", []byte(`{"id":"a","state":"running"}`))
	srv.hub.RoomClosed("b")
	srv.hub.RoomChanged("c", []byte(`{"id":"c","state":"waiting"}`))
	ev := es.Must()
	want := `{"rooms":[{"id":"a","state":"running"},{"id":"c","state":"waiting"}],"closed":["b"]}`
	if ev.Type != "changes" || ev.Data != want {
		t.Fatalf("lobby batch %s %s, want changes %s", ev.Type, ev.Data, want)
	}
	resumeAt := es.LastID
	srv.hub.RoomClosed("c")
	if ev := es.Must(); ev.Data != `{"rooms":[],"closed":["c"]}` {
		t.Fatalf("second batch %s", ev.Data)
	}
	srv.hub.RoomChanged("a", []byte(`{"id":"a","state":"ended"}`))
	if ev := es.Must(); ev.Data != `{"rooms":[{"id":"a","state":"ended"}],"closed":[]}` {
		t.Fatalf("third batch %s", ev.Data)
	}

	tests := []struct {
		name, lastID string
		wantType     string
		wantData     string
	}{
		{"resume within the kept batches", resumeAt, "changes", `{"rooms":[],"closed":["c"]}`},
		{"fresh", "", "rooms", `[{"id":"a","state":"ended"}]`},
		{"an id from before a restart", "12", "rooms", `[{"id":"a","state":"ended"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.lastID != "" {
				h.Set("Last-Event-ID", tt.lastID)
			}
			again := ssetest.Open(t, srv.URL+"/events", ssetest.Options{Header: h})
			if ev := again.Must(); ev.Type != tt.wantType || ev.Data != tt.wantData {
				t.Fatalf("reconnected lobby opened with %s %s, want %s %s", ev.Type, ev.Data, tt.wantType, tt.wantData)
			}
		})
	}
}
