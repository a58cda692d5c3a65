package baseline

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"
)

// BenchmarkRound sends one broadcast round to 100 connections per iteration and waits until
// it is written. The readers
// share the process, so the time is not the clean per-message CPU that Serve measures in a
// process of its own; the allocations per round are exact.
func BenchmarkRound(b *testing.B) {
	const conns = 100
	payload := bytes.Repeat([]byte("snap"), 50)
	for _, tt := range cases {
		b.Run(tt.name, func(b *testing.B) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer ln.Close()
			hubs := make(chan hub, 1)
			go func() {
				h, err := serve(ctx, ln, tt.kind, conns, payload, nil)
				if err != nil {
					b.Error(err)
				}
				hubs <- h
			}()
			sink, err := Dial(ctx, tt.kind, ln.Addr().String(), conns, FrameBytes(payload))
			if err != nil {
				b.Fatal(err)
			}
			defer sink.Close()
			h := <-hubs
			if h == nil {
				b.FailNow()
			}
			defer h.close()
			b.ReportAllocs()
			b.SetBytes(int64(conns * len(payload)))
			b.ResetTimer()
			for b.Loop() {
				h.round()
				if err := h.flush(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*conns), "ns/msg")
		})
	}
}
