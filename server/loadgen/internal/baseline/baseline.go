// Package baseline holds the reference broadcasters that the server's snapshot fan-out is
// measured against, all sending the same bytes to N loopback connections at a fixed rate:
//   - the floor: one write(2) of a ready frame per connection, nothing else;
//   - the naive way: encode the message per player and wsutil.WriteServerMessage per player;
//   - the common Go alternatives: a gorilla/websocket hub with a writer goroutine per
//     connection, and gobwas/ws with a prepared frame and a writer goroutine per connection.
//
// It is bench-only: the server binary never imports it, so gorilla/websocket stays out of
// the product. Serve runs the sending side and charges it with this process's CPU time, so
// the readers (Dial) belong in another process, ideally on another core.
package baseline

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"slices"
	"syscall"
	"time"

	"github.com/gobwas/ws"
)

// Kind names a baseline broadcaster.
type Kind string

// The baselines.
const (
	// Floor writes a prepared WebSocket frame to every connection with one write each: the
	// cost no fan-out over TCP can beat.
	Floor Kind = "floor"
	// FloorInput is the floor plus what a game server must also pay for every player and
	// tick: reading one small client message (an input), in a goroutine per connection.
	FloorInput Kind = "floor+input"
	// Naive encodes the message again for every player and sends it with
	// wsutil.WriteServerMessage (a header write and a payload write).
	Naive Kind = "naive"
	// Gorilla is a gorilla/websocket hub: a buffered channel and a writer goroutine per
	// connection, as in the library's chat example.
	Gorilla Kind = "gorilla"
	// Gobwas is gobwas/ws as commonly used: one prepared frame a round, shared, and a writer
	// and a reader goroutine per connection.
	Gobwas Kind = "gobwas"
	// GobwasInput is Gobwas whose clients answer every frame with an input, as FloorInput's
	// do, read by the reader goroutine (wsutil.ReadClientData): the gobwas/ws server of a game
	// whose players send inputs every tick.
	GobwasInput Kind = "gobwas+input"
)

// Kinds lists every baseline, floor first.
var Kinds = []Kind{Floor, FloorInput, Naive, Gorilla, Gobwas, GobwasInput}

// answers reports whether the clients of a baseline of kind answer every frame with an input.
func (k Kind) answers() bool { return k == FloorInput || k == GobwasInput }

// ErrUnknownKind reports a baseline name that is not one of Kinds.
var ErrUnknownKind = errors.New("unknown baseline")

// ParseKind checks a baseline name.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("%w %q", ErrUnknownKind, s)
}

// Config describes one measurement.
type Config struct {
	Kind  Kind
	Conns int
	// Rounds is the number of measured broadcast rounds, sent Rate times a second.
	Rounds int
	Rate   int
	// Payload is the message every connection receives in every round.
	Payload []byte
	// Encode produces the message for one player; only Naive calls it, once per player per
	// round, to model a server that encodes per player. Nil sends Payload.
	Encode func() []byte
}

// Result is what one measurement found. Per-message CPU and per-connection memory are
// derived by the methods.
type Result struct {
	Kind       Kind  `json:"kind"`
	Conns      int   `json:"conns"`
	Rounds     int   `json:"rounds"`
	Rate       int   `json:"rate"`
	FrameBytes int   `json:"frameBytes"`
	Messages   int64 `json:"messages"`
	// CPU is user plus system time of this process over the measured rounds.
	CPU  time.Duration `json:"cpuNs"`
	Wall time.Duration `json:"wallNs"`
	// LateRounds counts rounds that started more than one period after their deadline.
	LateRounds int `json:"lateRounds"`
	// RoundP50, RoundP99 and RoundMax are how long a measured round took to send: the
	// floor's round is the shortest tick a server of as many players can have on this machine.
	RoundP50 time.Duration `json:"roundP50Ns"`
	RoundP99 time.Duration `json:"roundP99Ns"`
	RoundMax time.Duration `json:"roundMaxNs"`
	// HeapStack is the growth of the Go heap in use plus goroutine stacks from before the
	// connections were accepted to after a warm-up, both right after a collection.
	HeapStack int64 `json:"heapStackBytes"`
	// RSS is the growth of the resident set over the same span.
	RSS int64 `json:"rssBytes"`
}

// PerMessage returns the CPU time spent per delivered message.
func (r Result) PerMessage() time.Duration {
	if r.Messages == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Messages)
}

// HeapStackPerConn returns the Go heap and stack growth per connection in bytes.
func (r Result) HeapStackPerConn() float64 { return float64(r.HeapStack) / float64(max(r.Conns, 1)) }

// RSSPerConn returns the resident set growth per connection in bytes.
func (r Result) RSSPerConn() float64 { return float64(r.RSS) / float64(max(r.Conns, 1)) }

// hub is one broadcaster holding its accepted connections.
type hub interface {
	// round sends the message to every connection once.
	round()
	// flush waits until everything queued so far is written.
	flush(ctx context.Context) error
	// sent returns the number of messages written.
	sent() int64
	close()
}

// warmRounds are sent before measuring so buffers, goroutine stacks and socket queues are
// at their steady size when memory is read.
const warmRounds = 3

// FrameBytes returns the size of the frame every connection receives per round; the reader of
// a baseline whose clients answer (FloorInput, GobwasInput) answers each with one input (see
// Dial).
func FrameBytes(payload []byte) int {
	return ws.HeaderSize(ws.Header{Length: int64(len(payload))}) + len(payload)
}

// Serve accepts cfg.Conns connections on ln, sends warm-up rounds, then measures cfg.Rounds
// paced rounds and closes every connection.
func Serve(ctx context.Context, ln net.Listener, cfg Config) (Result, error) {
	if cfg.Conns <= 0 || cfg.Rounds <= 0 || cfg.Rate <= 0 {
		return Result{}, fmt.Errorf("baseline needs positive conns, rounds and rate, got %d, %d, %d", cfg.Conns, cfg.Rounds, cfg.Rate)
	}
	heap0, rss0 := memory()
	h, err := serve(ctx, ln, cfg.Kind, cfg.Conns, cfg.Payload, cfg.Encode)
	if err != nil {
		return Result{}, err
	}
	defer h.close()
	period := time.Second / time.Duration(cfg.Rate)
	if _, err := paced(ctx, h, make([]time.Duration, warmRounds), period); err != nil {
		return Result{}, err
	}
	heap1, rss1 := memory()

	sent0 := h.sent()
	cpu0 := cpuTime()
	start := time.Now()
	took := make([]time.Duration, cfg.Rounds)
	late, err := paced(ctx, h, took, period)
	if err != nil {
		return Result{}, err
	}
	slices.Sort(took)
	quantile := func(q float64) time.Duration { return took[int(q*float64(len(took)-1))] }
	return Result{
		Kind:       cfg.Kind,
		Conns:      cfg.Conns,
		Rounds:     cfg.Rounds,
		Rate:       cfg.Rate,
		FrameBytes: FrameBytes(cfg.Payload),
		Messages:   h.sent() - sent0,
		CPU:        cpuTime() - cpu0,
		Wall:       time.Since(start),
		LateRounds: late,
		RoundP50:   quantile(0.5),
		RoundP99:   quantile(0.99),
		RoundMax:   took[len(took)-1],
		HeapStack:  heap1 - heap0,
		RSS:        rss1 - rss0,
	}, nil
}

// serve accepts n connections on ln and returns the hub of a baseline of kind that sends
// them payload (Naive: what encode makes, if set).
func serve(ctx context.Context, ln net.Listener, kind Kind, n int, payload []byte, encode func() []byte) (hub, error) {
	var h hub
	var err error
	switch kind {
	case Floor, FloorInput:
		var frame []byte
		if frame, err = ws.CompileFrame(ws.NewBinaryFrame(payload)); err == nil {
			h, err = serveFloor(ln, n, frame, kind == FloorInput)
		}
	case Naive:
		h, err = serveNaive(ln, n, payload, encode)
	case Gorilla:
		h, err = serveGorilla(ctx, ln, n, payload)
	case Gobwas, GobwasInput:
		h, err = serveGobwas(ln, n, payload)
	default:
		err = fmt.Errorf("%w %q", ErrUnknownKind, kind)
	}
	if err != nil {
		return nil, err // not h: a typed nil pointer in it would not compare equal to nil
	}
	return h, nil
}

// paced sends a round for each element of took against absolute deadlines, so a slow round
// does not shift the rest, and waits until the last one is written. It sets took to how long
// each round took and returns how many rounds started late.
func paced(ctx context.Context, h hub, took []time.Duration, period time.Duration) (late int, err error) {
	start := time.Now()
	for i := range took {
		deadline := start.Add(time.Duration(i) * period)
		if d := time.Until(deadline); d > 0 {
			time.Sleep(d)
		} else if -d > period {
			late++
		}
		if err := ctx.Err(); err != nil {
			return late, err
		}
		began := time.Now()
		h.round()
		took[i] = time.Since(began)
	}
	return late, h.flush(ctx)
}

// cpuTime returns the user plus system time of this process, all threads, to the
// microsecond.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(fmt.Sprintf("getrusage: %v", err)) // cannot fail with these arguments
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// memory returns the Go heap in use plus stacks, and the resident set, right after a
// collection.
func memory() (heapStack, rss int64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse + ms.StackInuse), residentSet()
}
