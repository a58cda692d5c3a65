package mailbox

import (
	"slices"
	"sync"
	"testing"
)

func TestTakeReturnsEverythingInOrder(t *testing.T) {
	tests := []struct {
		name    string
		limit   int
		put     []int
		want    []int
		dropped int
	}{
		{"empty", 4, nil, nil, 0},
		{"fits", 4, []int{1, 2, 3}, []int{1, 2, 3}, 0},
		{"full drops the oldest", 3, []int{1, 2, 3, 4, 5}, []int{3, 4, 5}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New[int](tt.limit)
			for _, v := range tt.put {
				b.Put(v)
			}
			got := b.Take(nil)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Take = %v, want %v", got, tt.want)
			}
			if b.Dropped() != tt.dropped {
				t.Errorf("Dropped = %d, want %d", b.Dropped(), tt.dropped)
			}
			if again := b.Take(got[:0]); len(again) != 0 {
				t.Errorf("second Take = %v, want nothing", again)
			}
		})
	}
}

func TestConcurrentWriterLosesNothingBelowTheLimit(t *testing.T) {
	const n = 10000
	b := New[int](n)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range n {
			b.Put(i)
		}
	}()
	var got []int
	var buf []int
	for len(got) < n {
		buf = b.Take(buf[:0])
		got = append(got, buf...)
	}
	wg.Wait()
	for i, v := range got {
		if v != i {
			t.Fatalf("value %d is %d: order lost", i, v)
		}
	}
}
