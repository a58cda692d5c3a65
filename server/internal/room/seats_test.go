package room

import (
	"slices"
	"testing"

	"skirmish/game/protocol"
)

// TestSeatBacklogShrinks: a backlog that a steady stream keeps at the same depth is worn
// down, so a burst does not add latency for the rest of the match.
func TestSeatBacklogShrinks(t *testing.T) {
	var s seat
	seq := uint32(0)
	send := func() {
		seq++
		s.enqueue(protocol.Input{Seq: seq})
	}
	for range 4 { // a burst
		send()
	}
	depth := 0
	for range 100 { // then one input per tick
		send()
		s.next(4)
		depth = len(s.queue)
	}
	if depth > 1 {
		t.Fatalf("after 100 steady ticks %d inputs still wait", depth)
	}
}

// TestSeatInputs: a seat applies at most one input per tick, in seq order, each at most
// once, drops duplicates and stale ones, and trims a backlog from the oldest.
func TestSeatInputs(t *testing.T) {
	tests := []struct {
		name    string
		applied uint32   // last seq applied before
		arrive  []uint32 // seqs in arrival order
		want    []uint32 // seqs applied by the following ticks (0: none, the ship keeps going)
	}{
		{"in order", 0, []uint32{1, 2, 3}, []uint32{1, 2, 3, 0}},
		{"reordered", 0, []uint32{2, 1, 3}, []uint32{1, 2, 3}},
		{"duplicates", 0, []uint32{1, 1, 2, 2, 1}, []uint32{1, 2, 0}},
		{"stale", 5, []uint32{3, 5, 6}, []uint32{6, 0}},
		{"backlog trimmed from the oldest", 0, []uint32{1, 2, 3, 4, 5, 6}, []uint32{3, 4, 5, 6, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := seat{applied: tt.applied}
			for _, seq := range tt.arrive {
				s.enqueue(protocol.Input{Seq: seq, Buttons: 1})
			}
			var got []uint32
			for range tt.want {
				got = append(got, s.next(4).Seq)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("applied %v, want %v", got, tt.want)
			}
		})
	}
}
