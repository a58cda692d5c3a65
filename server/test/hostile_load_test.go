package test

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"skirmish/game/protocol"
	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
	"skirmish/server/internal/ssetest"
)

// TestStandingLoad: a burst of rooms that only bots play does not become a standing load. A
// spectator does not keep such a room open past its idle time, and the match records the
// rooms leave stay within -records-max-size however many matches end.
func TestStandingLoad(t *testing.T) {
	const maxRecords = 1 << 10
	s := startServer(t, func(cfg *config.Config, o *app.Options) {
		cfg.RecordsMaxSize = maxRecords
		o.Room.Idle = time.Second
		o.Room.TimeLimit = 30 // half a second a match, so that records pile up quickly
		o.Room.Results = 100 * time.Millisecond
	})
	by := s.bystander(60)
	base := measure()
	by.during(t, func() {
		ids := make([]string, 5)
		for i := range ids {
			ids[i] = s.createRoom(4, 4)
		}
		es := ssetest.Open(t, "http://"+s.addr+"/rooms/"+ids[0]+"/events", ssetest.Options{})
		es.Until("closed")
		waitFor(t, waitTimeout, "every bots-only room closed", func() bool {
			_, body, _ := request(t, s, "127.0.0.1", "", http.MethodGet, "/api/rooms", "")
			return strings.Count(body, `"id":`) == 1 // the bystander's
		})
	})
	// The bystander leaves: its room, left to a bot, closes and its record ends. A player's
	// room then plays two matches a second, each record a few hundred bytes: the records must
	// stay in the bound, the oldest going first.
	by.p.c.Bye()
	ada := s.join(s.createRoom(2, 1), "ada")
	const matches = 8
	ada.waitFor("eight matches ended", func() bool {
		ended := 0
		for _, st := range ada.statuses {
			if st.State == protocol.StateEnded {
				ended++
			}
		}
		return ended >= matches
	})
	waitFor(t, waitTimeout, "the bystander's room closed", func() bool {
		_, body, _ := request(t, s, "127.0.0.1", "", http.MethodGet, "/api/rooms", "")
		return strings.Count(body, `"id":`) == 1 // ada's
	})
	if files := len(recordFiles(t, s)); files >= matches {
		t.Fatalf("%d records kept after %d matches, want the oldest deleted", files, matches)
	}
	var size int64
	for _, f := range recordFiles(t, s) {
		size += f.Size()
	}
	if size > maxRecords {
		t.Fatalf("%d bytes of records on disk, want at most %d", size, maxRecords)
	}
	if kept, _ := strconv.Atoi(scrape(t, s, "skirmish_record_bytes")); kept <= 0 || kept > maxRecords {
		t.Fatalf("skirmish_record_bytes = %d, want the records' size within %d", kept, maxRecords)
	}
	base.settles(t)
}

// recordFiles lists the match records under the server's data directory.
func recordFiles(t *testing.T, s *server) []os.FileInfo {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(s.data, "matches"))
	if err != nil {
		t.Fatal(err)
	}
	var out []os.FileInfo
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			out = append(out, info)
		}
	}
	return out
}

// TestLobbyUnderChurn: rooms appearing, changing and closing by the dozen reach a lobby
// watcher as a few batches, not one message per change.
func TestLobbyUnderChurn(t *testing.T) {
	const rooms = 24
	s := startServer(t, func(cfg *config.Config, o *app.Options) {
		cfg.RoomsPerIP = 0
		o.Room.Idle = time.Second // the rooms of bots close again soon
	})
	by := s.bystander(60)
	base := measure()
	es := ssetest.Open(t, "http://"+s.addr+"/events", ssetest.Options{})
	es.Until("rooms")
	created, seen, gone := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var start time.Time
	by.during(t, func() {
		start = time.Now()
		for range rooms {
			created[s.createRoom(2, 2)] = true
		}
	})
	// Every room created must appear and then close, within a few batches.
	batches := 0
	for !allIn(created, seen) || !allIn(created, gone) {
		ev := es.Must()
		if ev.Type != "changes" {
			t.Fatalf("a %s event in the lobby's stream, want changes only", ev.Type)
		}
		batches++
		batch := ssetest.Decode[struct {
			Rooms  []struct{ ID string }
			Closed []string
		}](t, ev)
		for _, r := range batch.Rooms {
			seen[r.ID] = true
		}
		for _, id := range batch.Closed {
			gone[id] = true
		}
	}
	// At most one batch every quarter second, plus the one in flight.
	if most := int(time.Since(start)/(250*time.Millisecond)) + 2; batches > most {
		t.Fatalf("%d batches in %v for %d rooms opening and closing, want at most %d", batches, time.Since(start), rooms, most)
	}
	es.Close()
	base.settles(t)
}

func allIn(want, have map[string]bool) bool {
	for id := range want {
		if !have[id] {
			return false
		}
	}
	return true
}
