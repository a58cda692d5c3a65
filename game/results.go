package game

import "slices"

// Result is one seat's score in a match.
type Result struct {
	Seat   int
	Frags  uint16
	Deaths uint16
}

// Results returns the score of every held seat, best first: most frags, then fewest deaths,
// then lowest seat.
func (w *World) Results() []Result {
	var rs []Result
	for i := range w.Ships {
		if w.Ships[i].Active {
			rs = append(rs, w.result(i))
		}
	}
	slices.SortFunc(rs, func(a, b Result) int {
		if better(a, b) {
			return -1
		}
		return 1
	})
	return rs
}

func (w *World) result(seat int) Result {
	return Result{Seat: seat, Frags: w.Ships[seat].Frags, Deaths: w.Ships[seat].Deaths}
}

// better reports whether a ranks above b.
func better(a, b Result) bool {
	if a.Frags != b.Frags {
		return a.Frags > b.Frags
	}
	if a.Deaths != b.Deaths {
		return a.Deaths < b.Deaths
	}
	return a.Seat < b.Seat
}
