package fleet_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"skirmish/game/protocol"
	"skirmish/server/internal/fleet"
	"skirmish/server/internal/natstest"
	"skirmish/server/internal/spectate"
)

// spectatorsPerRelay is how many spectators watch the room on each relay node.
const spectatorsPerRelay = 20

// BenchmarkRelay measures the spectator events a second that one room's feed delivers when
// its spectators are spread over 1, 2 and 3 relay nodes: the room's node publishes each
// event once on NATS, every relay node follows the room's subject and writes the events to
// its own spectators over loopback SSE. At most relayWindow events are in flight, so that no
// relay falls behind the history the fleet keeps. events/s counts deliveries (events times
// spectators); published/s the room's own events.
func BenchmarkRelay(b *testing.B) {
	for _, relays := range []int{1, 2, 3} {
		b.Run(fmt.Sprintf("relays=%d", relays), func(b *testing.B) { benchRelay(b, relays) })
	}
}

// relayWindow bounds the events published and not yet delivered to every spectator.
const relayWindow = 256

func benchRelay(b *testing.B, relays int) {
	url := natstest.Cluster(b, 1)[0]
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	owner, ownerHub := benchNode(b, url, "owner", log)
	if _, err := owner.Acquire("benchrm1"); err != nil {
		b.Fatal(err)
	}
	var counters []*atomic.Int64
	for i := range relays {
		n, hub := benchNode(b, url, fmt.Sprintf("relay%d", i+1), log)
		deadline := time.Now().Add(10 * time.Second)
		for _, ok := n.Directory().Get("benchrm1"); !ok; _, ok = n.Directory().Get("benchrm1") {
			if time.Now().After(deadline) {
				b.Fatal("the relay node does not see the room")
			}
			time.Sleep(10 * time.Millisecond)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /rooms/{room}/events", hub.ServeRoom)
		srv := httptest.NewServer(mux)
		b.Cleanup(srv.Close)
		for range spectatorsPerRelay {
			counters = append(counters, spectator(b, srv.Listener.Addr().String()))
		}
	}
	// Every stream has its opening (the retry hint, a status) before the clock starts.
	ownerHub.Status("benchrm1", &protocol.Status{State: protocol.StateRunning})
	waitAll(b, counters, 1)
	base := make([]int64, len(counters))
	for i, c := range counters {
		base[i] = c.Load()
	}
	evs := []protocol.Event{{Kind: protocol.EventCheer, A: -1, B: -1, Text: "gg"}}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if i >= relayWindow {
			waitDelivered(b, counters, base, int64(i-relayWindow))
		}
		ownerHub.Events("benchrm1", evs)
	}
	waitDelivered(b, counters, base, int64(b.N))
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)*float64(len(counters))/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "published/s")
}

func benchNode(b *testing.B, url, id string, log *slog.Logger) (*fleet.Node, *spectate.Hub) {
	b.Helper()
	n, err := fleet.Join(fleet.Options{URL: url, NodeID: id, PublicURL: "ws://" + id + ".invalid/ws", Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	hub, err := spectate.New(spectate.Options{Relay: n})
	if err != nil {
		b.Fatal(err)
	}
	if err := n.Start(nil, hub, nil); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		hub.Close()
		n.Close()
	})
	return n, hub
}

// spectator opens a stream of the room and counts the events it reads.
func spectator(b *testing.B, addr string) *atomic.Int64 {
	b.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "GET /rooms/benchrm1/events HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n", addr)
	var n atomic.Int64
	go func() {
		r := bufio.NewReaderSize(conn, 64<<10)
		buf := make([]byte, 64<<10)
		prev := byte(0)
		for {
			k, err := r.Read(buf)
			if err != nil {
				return
			}
			// Every event ends with a blank line.
			c := bytes.Count(buf[:k], []byte("\n\n"))
			if prev == '\n' && k > 0 && buf[0] == '\n' {
				c++
			}
			prev = buf[k-1]
			n.Add(int64(c))
		}
	}()
	return &n
}

func waitAll(b *testing.B, counters []*atomic.Int64, least int64) {
	b.Helper()
	waitDelivered(b, counters, make([]int64, len(counters)), least)
}

// waitDelivered waits until every spectator has read want events past its base.
func waitDelivered(b *testing.B, counters []*atomic.Int64, base []int64, want int64) {
	b.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for i, c := range counters {
		for c.Load()-base[i] < want {
			if time.Now().After(deadline) {
				b.Fatalf("spectator %d read %d of %d events", i, c.Load()-base[i], want)
			}
			time.Sleep(50 * time.Microsecond)
		}
	}
}
