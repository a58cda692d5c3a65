package room

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/transport"
)

// fanoutCase is one audience of the fan-out benchmark and the design steps it leaves out, so
// that make bench shows what each step buys.
type fanoutCase struct {
	players int
	// eagerKeyframe encodes the keyframe every tick, as before keyframes were built on demand.
	eagerKeyframe bool
	// queuedWrites sends through a writer goroutine per connection, as before direct writes.
	queuedWrites bool
}

func (c fanoutCase) name() string {
	s := fmt.Sprintf("players=%d", c.players)
	if c.eagerKeyframe {
		s += "/eager-keyframe"
	}
	if c.queuedWrites {
		s += "/queued-writes"
	}
	return s
}

var fanoutCases = []fanoutCase{
	{players: 4}, {players: 100}, {players: 1000}, {players: 1000, queuedWrites: true},
}

// BenchmarkFanout measures one tick's trip from the world to N players over loopback TCP:
// a simulation step of 8 ships, encoding the keyframe and the delta once, and sending the
// shared frame to every connection with one write each. Each iteration waits until
// every player has read the tick, so the writers' work is inside the measurement.
func BenchmarkFanout(b *testing.B) {
	for _, fc := range fanoutCases {
		n := fc.players
		b.Run(fc.name(), func(b *testing.B) {
			conns, sink := loopbackPlayers(b, n, transport.Options{QueuedWrites: fc.queuedWrites})
			m := newScriptedMatch(b, 8)
			w := m.w
			var fan fanout
			fan.init()
			fan.eager = fc.eagerKeyframe
			deltaBytes := 0
			tick := func() {
				m.step()
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
			cpu := processCPU()
			b.ResetTimer()
			for b.Loop() {
				tick()
				wait()
			}
			b.StopTimer()
			// Wall time per delivery suffers from a busy machine; the process's CPU time (server
			// and reading side together) per delivery does much less.
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
			b.ReportMetric(float64((processCPU()-cpu).Nanoseconds())/float64(b.N*n), "cpu-ns/delivery")
		})
	}
}

// BenchmarkTickFrames measures what a room's tick spends on its frames for four players who
// all had the previous tick: a step of scripted inputs, the delta, and the keyframe that
// nobody takes when it is built every tick. The two cases differ by the keyframe alone; it
// reports how many keyframes a tick encoded.
func BenchmarkTickFrames(b *testing.B) {
	for _, eager := range []bool{false, true} {
		name := "keyframe=lazy"
		if eager {
			name = "keyframe=eager"
		}
		b.Run(name, func(b *testing.B) {
			m := newScriptedMatch(b, 4)
			w := m.w
			var fan fanout
			fan.init()
			fan.eager = eager
			peers := make([]deltaPeer, 4)
			tick := func() {
				m.step()
				key, delta := fan.snapshot(w, protocol.StateRunning)
				for i := range peers {
					peers[i].SendSnapshot(key, delta, w.Tick)
				}
				if delta != nil {
					delta.Release()
				}
			}
			for range 300 { // a match under way: ships spread out, shots in flight
				tick()
			}
			keyframes := fan.keyframes
			b.ReportAllocs()
			for b.Loop() {
				tick()
			}
			b.ReportMetric(float64(fan.keyframes-keyframes)/float64(b.N), "keyframes/tick")
		})
	}
}

// scriptedMatch is a match under way on the first map whose ships follow a script instead
// of bots (which would dominate the time): every ship circles and fires.
type scriptedMatch struct {
	w      *game.World
	inputs []game.Input
}

func newScriptedMatch(b *testing.B, ships int) *scriptedMatch {
	b.Helper()
	mp, err := game.LoadMap(game.MapNames()[0])
	if err != nil {
		b.Fatal(err)
	}
	cfg := game.DefaultConfig(ships, 30)
	cfg.FragLimit, cfg.TimeLimit = 1000, 0 // the match must outlast the benchmark
	w := game.NewWorld(cfg, mp)
	for i := range ships {
		w.SetActive(i, true)
	}
	return &scriptedMatch{w: w, inputs: make([]game.Input, ships)}
}

// step advances the match a tick on the script's inputs.
func (m *scriptedMatch) step() {
	for i := range m.inputs {
		dir := (int(m.w.Tick)/20 + i) % 4
		m.inputs[i] = game.Input{Buttons: game.ButtonFire | []game.Buttons{game.ButtonUp, game.ButtonRight, game.ButtonDown, game.ButtonLeft}[dir], AimX: int16(dir*40 - 60), AimY: 50}
	}
	m.w.Step(m.inputs)
}

// deltaPeer takes the delta whenever there is one, as a player that keeps up does.
type deltaPeer struct{ bytes int }

func (p *deltaPeer) SendSnapshot(key transport.KeySource, delta *transport.Frame, _ uint32) {
	if delta == nil {
		p.bytes += len(key.Keyframe().Bytes())
		return
	}
	p.bytes += len(delta.Bytes())
}

// sink counts the frames the players receive and signals when a tick reached them all.
type sink struct {
	received, target atomic.Int64
	done             chan struct{}
}

// expect raises the target by n frames; done receives once the players have them.
func (s *sink) expect(n int64) {
	if s.target.Add(n) <= s.received.Load() {
		s.signal()
	}
}

func (s *sink) got() {
	if s.received.Add(1) == s.target.Load() {
		s.signal()
	}
}

// signal wakes the waiting tick; one wake-up pending is enough.
func (s *sink) signal() {
	select {
	case s.done <- struct{}{}:
	default:
	}
}

// Sent implements transport.Stats.
func (s *sink) Sent(int, int) {}

// SnapshotsDropped implements transport.Stats: a connection whose writer stalled (a busy
// machine can starve the in-process readers for long enough) sends only the newest of its
// waiting snapshots, and the ones dropped count as delivered, or the tick would never end.
func (s *sink) SnapshotsDropped(n int) {
	for range n {
		s.got()
	}
}

// loopbackPlayers connects n loopback TCP pairs: the server ends wrapped as player connections,
// the client ends read by goroutines that count the binary frames they receive.
func loopbackPlayers(b *testing.B, n int, opts transport.Options) ([]*transport.Conn, *sink) {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	s := &sink{done: make(chan struct{}, 1)}
	opts.Stats = s
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
		c := transport.Wrap(sc, opts)
		conns = append(conns, c)
		b.Cleanup(func() { c.Shutdown(); cc.Close() })
		go countFrames(bufio.NewReader(cc), s)
	}
	return conns, s
}

// countFrames reads server frames into one reused buffer and counts the binary ones; r is
// buffered so that the reading side costs one read(2) per frame at most.
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

// processCPU returns the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
