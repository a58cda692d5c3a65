// Package mailbox hands values from the network goroutine to the game loop without making
// either wait for the other: the writer never blocks, and the reader takes everything queued
// in one short critical section.
package mailbox

import "sync"

// Box is a bounded first-in first-out queue for one writer side and one reader. When full,
// Put drops the oldest value: a game loop that stopped reading for that long needs a resync,
// not a backlog. The zero Box is not usable; call New.
type Box[T any] struct {
	mu      sync.Mutex
	items   []T
	limit   int
	dropped int
}

// New returns a Box holding at most limit values.
func New[T any](limit int) *Box[T] {
	return &Box[T]{items: make([]T, 0, limit), limit: limit}
}

// Put queues v, dropping the oldest value if the Box is full.
func (b *Box[T]) Put(v T) {
	b.mu.Lock()
	if len(b.items) == b.limit {
		var zero T
		copy(b.items, b.items[1:])
		b.items[len(b.items)-1] = zero
		b.items = b.items[:len(b.items)-1]
		b.dropped++
	}
	b.items = append(b.items, v)
	b.mu.Unlock()
}

// Take appends every queued value to dst in order, empties the Box and returns dst. The
// reader passes back the slice it got last time (dst[:0]) so that steady use allocates
// nothing.
func (b *Box[T]) Take(dst []T) []T {
	b.mu.Lock()
	dst = append(dst, b.items...)
	clear(b.items)
	b.items = b.items[:0]
	b.mu.Unlock()
	return dst
}

// Dropped returns how many values were dropped because the Box was full.
func (b *Box[T]) Dropped() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}
