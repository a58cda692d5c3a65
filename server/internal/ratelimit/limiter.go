// Package ratelimit holds the server's rate limits: token buckets per key (rooms created and
// cheers per address, cheers per room), and a log handler that limits how often one kind of
// warning is written, so that an attack cannot flood the log.
package ratelimit

import (
	"sync"
	"time"
)

// Limiter is a token bucket per key: up to burst actions at once, then one per every. The
// zero value must be set up with Init. It is safe for concurrent use.
type Limiter struct {
	burst float64
	every time.Duration

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds a limiter's memory; beyond it, full buckets are forgotten.
const maxBuckets = 10000

// Init sets the bucket shape.
func (l *Limiter) Init(burst int, every time.Duration) {
	l.burst, l.every = float64(burst), every
	l.buckets = make(map[string]*bucket)
}

// Take spends one token of key's bucket and returns 0, or returns how long until a token is
// available without spending any.
func (l *Limiter) Take(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.forgetFull(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.every))
	b.at = now
	if b.tokens < 1 {
		return time.Duration((1 - b.tokens) * float64(l.every))
	}
	b.tokens--
	return 0
}

// forgetFull drops the buckets that have refilled: forgetting them changes nothing.
func (l *Limiter) forgetFull(now time.Time) {
	for key, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.at))/float64(l.every) >= l.burst {
			delete(l.buckets, key)
		}
	}
}
