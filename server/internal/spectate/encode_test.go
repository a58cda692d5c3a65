package spectate

import "testing"

func TestAppendFraction(t *testing.T) {
	for _, tc := range []struct {
		v, div int64
		want   string
	}{
		{0, 8, "0"},
		{160, 8, "20"},
		{-27, 8, "-3.375"},
		{-1, 8, "-0.125"},
		{157, 100, "1.57"},
		{-314, 100, "-3.14"},
		{5, 100, "0.05"},
		{-50, 100, "-0.5"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := string(appendFraction(nil, tc.v, tc.div)); got != tc.want {
				t.Errorf("%d/%d = %s, want %s", tc.v, tc.div, got, tc.want)
			}
		})
	}
}
