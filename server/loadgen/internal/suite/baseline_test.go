package suite

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"skirmish/server/loadgen/internal/baseline"
)

// TestServeBaseline runs the child's side of a baseline in-process and reads it as the
// parent does: the listener line, readers on every connection, then the result line.
func TestServeBaseline(t *testing.T) {
	for _, kind := range baseline.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cfg := BaselineConfig{Kind: kind, Conns: 3, Rate: 100, For: 50 * time.Millisecond}
			pr, pw := io.Pipe()
			served := make(chan error, 1)
			go func() {
				served <- ServeBaseline(ctx, cfg, pw)
				pw.Close()
			}()
			dec := json.NewDecoder(bufio.NewReader(pr))
			var hello childHello
			if err := dec.Decode(&hello); err != nil {
				t.Fatalf("listener line: %v", err)
			}
			sink, err := baseline.Dial(ctx, kind, hello.Listen, cfg.Conns, hello.FrameBytes)
			if err != nil {
				t.Fatal(err)
			}
			defer sink.Close()
			var res baseline.Result
			if err := dec.Decode(&res); err != nil {
				t.Fatalf("result line: %v", err)
			}
			if err := <-served; err != nil {
				t.Fatal(err)
			}
			if want := int64(cfg.Conns * cfg.rounds()); res.Messages != want {
				t.Errorf("messages = %d, want %d", res.Messages, want)
			}
			if got := sink.Wait(); got < res.Messages*int64(res.FrameBytes) {
				t.Errorf("readers got %d bytes, the sender wrote %d", got, res.Messages*int64(res.FrameBytes))
			}
			// The default message is a real 4-seat keyframe, well past a frame header.
			if res.FrameBytes < 50 {
				t.Errorf("frame of %d bytes, want a keyframe", res.FrameBytes)
			}
		})
	}
}
