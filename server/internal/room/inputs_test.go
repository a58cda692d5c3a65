package room

import (
	"slices"
	"testing"

	"skirmish/game"
	"skirmish/game/protocol"
)

var testPolicy = newInputPolicy(4, 30)

// TestInputOrder: a seat applies at most one input per tick, in seq order, each at most
// once, drops duplicates and stale ones, and trims a backlog from the oldest.
func TestInputOrder(t *testing.T) {
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
			b := inputBuffer{applied: tt.applied}
			for _, seq := range tt.arrive {
				b.add(protocol.Input{Seq: seq, Buttons: 1})
			}
			var got []uint32
			for range tt.want {
				got = append(got, b.next(testPolicy, &game.Ship{Alive: true}).Seq)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("applied %v, want %v", got, tt.want)
			}
		})
	}
}

// line feeds a buffer one tick at a time: arrivals[t] inputs arrive before tick t, each
// holding buttons, and the ship is at rest. It returns the seqs applied, tick by tick.
func line(b *inputBuffer, arrivals []int, buttons uint8) []uint32 {
	seq := uint32(0)
	applied := make([]uint32, len(arrivals))
	for t, n := range arrivals {
		for range n {
			seq++
			b.add(protocol.Input{Seq: seq, Buttons: buttons})
		}
		applied[t] = b.next(testPolicy, &game.Ship{Alive: true}).Seq
	}
	return applied
}

// steady returns arrivals of one input a tick for n ticks.
func steady(n int) []int {
	a := make([]int, n)
	for i := range a {
		a[i] = 1
	}
	return a
}

// gaps counts the ticks that applied no input and the seqs skipped.
func gaps(applied []uint32) (repeated, dropped int) {
	last := uint32(0)
	for _, seq := range applied {
		switch {
		case seq == 0:
			repeated++
		case seq > last+1:
			dropped += int(seq - last - 1)
		}
		if seq != 0 {
			last = seq
		}
	}
	return repeated, dropped
}

// TestInputJitter: an input that comes a tick late leaves one tick without (the last input
// goes on), and from then on the buffer is a tick deeper, so that the same lateness again
// costs nothing: no tick repeats and no input is dropped.
func TestInputJitter(t *testing.T) {
	var arrivals []int
	for range 10 { // a late input every 10 ticks
		arrivals = append(arrivals, 0, 2, 1, 1, 1, 1, 1, 1, 1, 1)
	}
	var b inputBuffer
	applied := line(&b, append([]int{1}, arrivals...), 1)
	if repeated, dropped := gaps(applied); repeated != 1 || dropped != 0 {
		t.Fatalf("a late input every 10 ticks: %d ticks repeated, %d inputs dropped; want 1 and 0 (only the first)", repeated, dropped)
	}
}

// TestInputBacklogShrinks: a burst leaves a backlog that a steady stream would keep; the
// buffer wears it down to one input, dropping inputs that change nothing.
func TestInputBacklogShrinks(t *testing.T) {
	var b inputBuffer
	applied := line(&b, append([]int{5}, steady(20*testPolicy.window)...), 0)
	if len(b.queue) != 0 {
		t.Fatalf("after %d steady ticks %d inputs still wait at the end of a tick", len(applied), len(b.queue))
	}
	if repeated, dropped := gaps(applied); repeated != 0 || dropped != 4 {
		t.Fatalf("%d ticks repeated, %d inputs dropped; want 0 and the 4 of the burst", repeated, dropped)
	}
}

// TestInputShrinkWaitsForHarmless: a spare input is dropped at the first input that changes
// nothing; while every input moves the ship, only after the policy's patience.
func TestInputShrinkWaitsForHarmless(t *testing.T) {
	moving := &game.Ship{Alive: true, Vel: game.Vec{X: 100}}
	tests := []struct {
		name    string
		buttons uint8
		ship    *game.Ship
		wait    int // ticks after the window's end until the drop
	}{
		{"nothing held at rest", 0, &game.Ship{Alive: true}, 0},
		{"nothing held while drifting", 0, moving, testPolicy.patience},
		{"a key held", uint8(game.ButtonLeft), &game.Ship{Alive: true}, testPolicy.patience},
		{"dead", 0, &game.Ship{Vel: game.Vec{X: 100}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b inputBuffer
			seq := uint32(0)
			send := func() {
				seq++
				b.add(protocol.Input{Seq: seq, Buttons: tt.buttons})
			}
			send()
			for tick := 1; ; tick++ {
				send()
				if got := b.next(testPolicy, tt.ship).Seq; got != uint32(tick) {
					if want := testPolicy.window + tt.wait; tick != want {
						t.Fatalf("an input dropped at tick %d, want %d", tick, want)
					}
					return
				}
				if tick > 10*testPolicy.window {
					t.Fatal("the spare input is never dropped")
				}
			}
		})
	}
}

// TestInputLateHoldsTheShip: a tick without an input holds the ship: it does not go on with
// the last input (which would move it, or fire, otherwise than the player predicted).
func TestInputLateHoldsTheShip(t *testing.T) {
	var b inputBuffer
	b.add(protocol.Input{Seq: 1, Buttons: uint8(game.ButtonFire | game.ButtonUp), AimX: 3, View: 7})
	b.next(testPolicy, &game.Ship{Alive: true})
	got := b.next(testPolicy, &game.Ship{Alive: true})
	if want := (game.Input{Buttons: game.ButtonHold}); got != want {
		t.Fatalf("the input of a tick without one is %+v, want %+v", got, want)
	}
}

// TestInputWindowGrows: a line that is late less often than the window is long makes the
// buffer give an input back and then run dry; after that the window grows until it sees the
// lateness, and the buffer keeps the depth the line needs.
func TestInputWindowGrows(t *testing.T) {
	every := testPolicy.window + testPolicy.window/2 // a late input every three seconds
	arrivals := []int{1}
	for range 20 {
		late := steady(every)
		late[0], late[1] = 0, 2
		arrivals = append(arrivals, late...)
	}
	var b inputBuffer
	applied := line(&b, arrivals, 0)
	if repeated, _ := gaps(applied); repeated > 3 {
		t.Fatalf("a late input every %d ticks for %d ticks: %d ticks repeated, want at most 3 (until the window grows)", every, len(arrivals), repeated)
	}
}
