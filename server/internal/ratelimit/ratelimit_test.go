package ratelimit

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestLogHandler: a flood of one kind of warning writes a burst of lines, then one per
// interval that says how many were left out; other kinds and lower levels are not held back.
func TestLogHandler(t *testing.T) {
	var out bytes.Buffer
	log := slog.New(NewLogHandler(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}), 2, time.Hour))
	for range 100 {
		log.Warn("refused", "reason", "origin_not_allowed")
	}
	log.Warn("refused", "reason", "rate_limited")
	log.Info("room created")
	log.Info("room created")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	count := func(s string) int {
		n := 0
		for _, l := range lines {
			if strings.Contains(l, s) {
				n++
			}
		}
		return n
	}
	if got := count("origin_not_allowed"); got != 2 {
		t.Fatalf("%d lines of a flooded kind, want the burst of 2:\n%s", got, out.String())
	}
	if count("rate_limited") != 1 || count("room created") != 2 {
		t.Fatalf("other kinds or levels held back:\n%s", out.String())
	}
}

// TestLogHandlerSuppressedCount: the first line after the interval says how many lines of
// its kind were left out.
func TestLogHandlerSuppressedCount(t *testing.T) {
	var out bytes.Buffer
	h := NewLogHandler(slog.NewTextHandler(&out, nil), 1, time.Minute)
	at := time.Unix(1000, 0)
	warn := func(at time.Time) {
		r := slog.NewRecord(at, slog.LevelWarn, "player closed", 0)
		r.AddAttrs(slog.String("reason", "stuck"))
		if err := h.Handle(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		warn(at)
	}
	warn(at.Add(time.Minute))
	if lines := strings.Count(out.String(), "\n"); lines != 2 || !strings.Contains(out.String(), "suppressed=4") {
		t.Fatalf("want the first line and one counting the 4 left out:\n%s", out.String())
	}
}

// TestLimiter: a key gets a burst, then tokens at the rate; keys do not share.
func TestLimiter(t *testing.T) {
	var l Limiter
	l.Init(2, time.Second)
	now := time.Unix(1000, 0)
	for i := range 2 {
		if wait := l.Take("a", now); wait != 0 {
			t.Fatalf("take %d of a burst of 2 was refused: wait %v", i+1, wait)
		}
	}
	if wait := l.Take("a", now); wait != time.Second {
		t.Fatalf("past the burst: wait %v, want 1s", wait)
	}
	if l.Take("b", now) != 0 {
		t.Fatal("another key was refused")
	}
	if l.Take("a", now.Add(time.Second)) != 0 {
		t.Fatal("a token did not come back after its interval")
	}
}
