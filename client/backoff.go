package client

import (
	"math/rand/v2"
	"time"
)

// Backoff spaces reconnection attempts: exponential growth from Min to Max with "equal
// jitter" (each delay is between half and all of the exponential value), so that the
// players of a restarted server do not all come back in the same millisecond.
type Backoff struct {
	Min, Max time.Duration
}

// Delay returns the wait before attempt n (0 for the first retry).
func (b Backoff) Delay(n int) time.Duration {
	d := b.Min
	for i := 0; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	half := d / 2
	return half + rand.N(half+1)
}
