package ratelimit

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// LogHandler passes records below warn level through and limits warnings and errors per
// kind: a kind (the message and its "reason" attribute, if any) gets a burst of lines, then
// one per interval; the next line written says how many were left out meanwhile.
type LogHandler struct {
	inner slog.Handler
	st    *logState
}

type logState struct {
	lim        Limiter
	mu         sync.Mutex
	suppressed map[string]int
}

// NewLogHandler wraps inner: each kind of warning gets burst lines at once, then one per
// every.
func NewLogHandler(inner slog.Handler, burst int, every time.Duration) *LogHandler {
	st := &logState{suppressed: make(map[string]int)}
	st.lim.Init(burst, every)
	return &LogHandler{inner: inner, st: st}
}

// Enabled implements slog.Handler.
func (h *LogHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h *LogHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn {
		return h.inner.Handle(ctx, r)
	}
	key := r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "reason" {
			key += "\x00" + a.Value.String()
			return false
		}
		return true
	})
	now := r.Time
	if now.IsZero() {
		now = time.Now()
	}
	st := h.st
	st.mu.Lock()
	if st.lim.Take(key, now) > 0 {
		if len(st.suppressed) < maxBuckets {
			st.suppressed[key]++
		}
		st.mu.Unlock()
		return nil
	}
	n := st.suppressed[key]
	delete(st.suppressed, key)
	st.mu.Unlock()
	if n > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int("suppressed", n))
	}
	return h.inner.Handle(ctx, r)
}

// WithAttrs implements slog.Handler; the derived handler shares the limits.
func (h *LogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &LogHandler{inner: h.inner.WithAttrs(attrs), st: h.st}
}

// WithGroup implements slog.Handler; the derived handler shares the limits.
func (h *LogHandler) WithGroup(name string) slog.Handler {
	return &LogHandler{inner: h.inner.WithGroup(name), st: h.st}
}
