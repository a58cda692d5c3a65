package client

import (
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: time.Second}
	tests := []struct {
		name     string
		attempt  int
		low, top time.Duration
	}{
		{"first retry", 0, 50 * time.Millisecond, 100 * time.Millisecond},
		{"doubles", 1, 100 * time.Millisecond, 200 * time.Millisecond},
		{"doubles again", 3, 400 * time.Millisecond, 800 * time.Millisecond},
		{"capped", 4, 500 * time.Millisecond, time.Second},
		{"stays capped", 60, 500 * time.Millisecond, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[time.Duration]bool{}
			for range 200 {
				d := b.Delay(tt.attempt)
				if d < tt.low || d > tt.top {
					t.Fatalf("Delay(%d) = %v, want within [%v, %v]", tt.attempt, d, tt.low, tt.top)
				}
				seen[d] = true
			}
			if len(seen) < 10 {
				t.Fatalf("Delay(%d) took only %d distinct values: no jitter", tt.attempt, len(seen))
			}
		})
	}
}
