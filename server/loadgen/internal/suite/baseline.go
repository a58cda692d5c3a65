package suite

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/loadgen/internal/baseline"
	"skirmish/server/loadgen/internal/serverproc"
)

// BaselineConfig is one baseline measurement run in a child process of its own.
type BaselineConfig struct {
	Kind  baseline.Kind
	Conns int
	Rate  int           // broadcast rounds per second
	For   time.Duration // how long the measured rounds last
	// Size is the message size in bytes; 0 sends the encoded keyframe of a 4-seat match, the
	// message the naive baseline encodes per player.
	Size int
}

func (c BaselineConfig) rounds() int { return max(1, int(c.For.Seconds()*float64(c.Rate))) }

// Args returns the load generator flags that make a child run this baseline.
func (c BaselineConfig) Args() []string {
	return []string{"-baseline", string(c.Kind), "-conns", strconv.Itoa(c.Conns),
		"-rate", strconv.Itoa(c.Rate), "-duration", c.For.String(), "-size", strconv.Itoa(c.Size)}
}

// childHello is the first line a baseline child prints: where its readers should connect,
// and the size of the frames they will get.
type childHello struct {
	Listen     string `json:"listen"`
	FrameBytes int    `json:"frameBytes"`
}

// ServeBaseline is the child's side: it listens on loopback, tells the parent where on out,
// runs the baseline and prints its Result as a JSON line.
func ServeBaseline(ctx context.Context, cfg BaselineConfig, out io.Writer) error {
	payload, encode, err := message(cfg.Size)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	enc := json.NewEncoder(out)
	if err := enc.Encode(childHello{Listen: ln.Addr().String(), FrameBytes: baseline.FrameBytes(payload)}); err != nil {
		return fmt.Errorf("announce listener: %w", err)
	}
	res, err := baseline.Serve(ctx, ln, baseline.Config{
		Kind: cfg.Kind, Conns: cfg.Conns, Rounds: cfg.rounds(), Rate: cfg.Rate,
		Payload: payload, Encode: encode,
	})
	if err != nil {
		return fmt.Errorf("baseline %s: %w", cfg.Kind, err)
	}
	return enc.Encode(res)
}

// message returns the bytes every connection receives and, for a keyframe, a function that
// encodes it afresh as a naive server would for every player.
func message(size int) ([]byte, func() []byte, error) {
	if size > 0 {
		return bytes.Repeat([]byte{'x'}, size), nil, nil
	}
	w, err := playedWorld(4, 300)
	if err != nil {
		return nil, nil, err
	}
	var snap protocol.Snapshot
	snap.Fill(w, protocol.StateRunning)
	var e protocol.Encoder
	encode := func() []byte {
		b, err := e.Encode(&snap)
		if err != nil {
			panic(fmt.Sprintf("encode a valid keyframe: %v", err)) // the keyframe came from Fill
		}
		return b
	}
	return append([]byte(nil), encode()...), encode, nil
}

// playedWorld returns a match of seats bots on the arena map after ticks ticks, so the
// keyframe holds ships spread out and shots in flight, as in a real match.
func playedWorld(seats, ticks int) (*game.World, error) {
	m, err := game.LoadMap("arena")
	if err != nil {
		return nil, fmt.Errorf("load map: %w", err)
	}
	w := game.NewWorld(game.DefaultConfig(seats, 30), m)
	bots := make([]*game.Bot, seats)
	for i := range bots {
		w.SetActive(i, true)
		bots[i] = game.NewBot(i, uint64(i+1), game.BotNormal)
	}
	inputs := make([]game.Input, seats)
	for range ticks {
		for i, b := range bots {
			inputs[i] = b.Think(w)
		}
		w.Step(inputs)
	}
	return w, nil
}

// runBaseline runs cfg in a child process of this program pinned to serverCPU, while this
// process reads every connection. The child's CPU is all sending.
func runBaseline(ctx context.Context, cfg BaselineConfig, serverCPU int) (baseline.Result, error) {
	self, err := os.Executable()
	if err != nil {
		return baseline.Result{}, fmt.Errorf("find own binary: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.For+2*time.Minute)
	defer cancel()
	cmd := serverproc.Pinned(serverCPU, self, cfg.Args()...)
	if cmd == nil {
		return baseline.Result{}, fmt.Errorf("pin baseline %s to cpu %d: taskset not found", cfg.Kind, serverCPU)
	}
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return baseline.Result{}, err
	}
	if err := cmd.Start(); err != nil {
		return baseline.Result{}, fmt.Errorf("start baseline %s: %w", cfg.Kind, err)
	}
	// The child ends by itself after its rounds; on any failure here it is killed instead.
	finished := false
	defer func() {
		if !finished {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	stop := context.AfterFunc(ctx, func() { cmd.Process.Kill() })
	defer stop()
	dec := json.NewDecoder(bufio.NewReader(stdout))
	var hello childHello
	if err := dec.Decode(&hello); err != nil {
		return baseline.Result{}, fmt.Errorf("baseline %s did not announce its listener: %w", cfg.Kind, err)
	}
	sink, err := baseline.Dial(ctx, cfg.Kind, hello.Listen, cfg.Conns, hello.FrameBytes)
	if err != nil {
		return baseline.Result{}, err
	}
	defer sink.Close()
	var res baseline.Result
	if err := dec.Decode(&res); err != nil {
		return baseline.Result{}, fmt.Errorf("baseline %s gave no result: %w", cfg.Kind, err)
	}
	got := sink.Wait()
	if want := res.Messages * int64(res.FrameBytes); got < want {
		return res, fmt.Errorf("baseline %s: readers got %d bytes, the sender wrote %d", cfg.Kind, got, want)
	}
	finished = true
	if err := cmd.Wait(); err != nil {
		return res, fmt.Errorf("baseline %s: %w", cfg.Kind, err)
	}
	return res, nil
}
