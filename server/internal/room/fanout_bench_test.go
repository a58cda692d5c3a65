package room

import (
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"

	"github.com/gobwas/ws"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/transport"
)

// fanoutCases are the audiences of the fan-out benchmark.
var fanoutCases = []int{4, 100, 1000}

// BenchmarkFanout measures one tick's trip from the world to N players over loopback TCP:
// encoding the keyframe and the delta once, queueing the shared frames on every connection,
// and every connection's writer sending its frame with one write. Each iteration waits until
// every player has read the tick, so the writers' work is inside the measurement.
func BenchmarkFanout(b *testing.B) {
	for _, n := range fanoutCases {
		b.Run(fmt.Sprintf("players=%d", n), func(b *testing.B) {
			conns, sink := loopbackPlayers(b, n)
			mp, err := game.LoadMap(game.MapNames()[0])
			if err != nil {
				b.Fatal(err)
			}
			cfg := game.DefaultConfig(8, 30)
			cfg.FragLimit, cfg.TimeLimit = 1000, 0 // the match must outlast the benchmark
			w := game.NewWorld(cfg, mp)
			bots := make([]*game.Bot, 8)
			for i := range bots {
				w.SetActive(i, true)
				bots[i] = game.NewBot(i, uint64(i))
			}
			inputs := make([]game.Input, 8)
			var fan fanout
			fan.init(transport.NewPool(64))
			deltaBytes := 0
			tick := func() {
				for i, bot := range bots {
					inputs[i] = bot.Think(w)
				}
				w.Step(inputs)
				key, delta := fan.snapshot(w, protocol.StateRunning)
				for _, c := range conns {
					c.SendSnapshot(key, delta, w.Tick)
				}
				if delta != nil {
					deltaBytes = len(delta.Bytes())
					delta.Release()
				}
			}
			wait := func() {
				sink.expect(int64(n))
				<-sink.done
			}
			for range 64 { // warm up buffers and pools
				tick()
				wait()
			}
			b.SetBytes(int64(n * deltaBytes))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				tick()
				wait()
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
		})
	}
}

// sink counts the frames the players receive and signals when a tick reached them all.
type sink struct {
	received, target atomic.Int64
	done             chan struct{}
}

// expect raises the target by n frames; done receives once the players have them.
func (s *sink) expect(n int64) {
	if s.target.Add(n) <= s.received.Load() {
		s.done <- struct{}{}
	}
}

func (s *sink) got() {
	if s.received.Add(1) == s.target.Load() {
		s.done <- struct{}{}
	}
}

// loopbackPlayers connects n loopback TCP pairs: the server ends wrapped as player connections,
// the client ends read by goroutines that count the binary frames they receive.
func loopbackPlayers(b *testing.B, n int) ([]*transport.Conn, *sink) {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	s := &sink{done: make(chan struct{}, 1)}
	conns := make([]*transport.Conn, 0, n)
	for range n {
		cc, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		sc, err := ln.Accept()
		if err != nil {
			b.Fatal(err)
		}
		c := transport.Wrap(sc, transport.Options{})
		conns = append(conns, c)
		b.Cleanup(func() { c.Shutdown(); cc.Close() })
		go countFrames(cc, s)
	}
	return conns, s
}

// countFrames reads server frames into one reused buffer and counts the binary ones.
func countFrames(r io.Reader, s *sink) {
	var hdr [ws.MaxHeaderSize]byte
	buf := make([]byte, 64<<10)
	for {
		h, err := ws.ReadHeaderBuffer(r, hdr[:])
		if err != nil || h.Length > int64(len(buf)) {
			return
		}
		if _, err := io.ReadFull(r, buf[:h.Length]); err != nil {
			return
		}
		if h.OpCode == ws.OpBinary {
			s.got()
		}
	}
}
