package gobench

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	out := `goos: linux
goarch: amd64
pkg: skirmish/game
cpu: AMD EPYC
BenchmarkStep-2       	   20000	      6525 ns/op	        50.02 shots/op	       0 B/op	       0 allocs/op
BenchmarkBotThink-2   	   20000	      2895 ns/op	       3 B/op	       0 allocs/op
BenchmarkFanout/players=1000-2 	     100	  4523452 ns/op	      4.52 us/msg	       0 B/op	       0 allocs/op
BenchmarkBroken-2 --- FAIL
PASS
ok  	skirmish/game	0.196s
`
	got, err := Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []Result{
		{Name: "BenchmarkStep", Iterations: 20000, Metrics: map[string]float64{"ns/op": 6525, "shots/op": 50.02, "B/op": 0, "allocs/op": 0}},
		{Name: "BenchmarkBotThink", Iterations: 20000, Metrics: map[string]float64{"ns/op": 2895, "B/op": 3, "allocs/op": 0}},
		{Name: "BenchmarkFanout/players=1000", Iterations: 100, Metrics: map[string]float64{"ns/op": 4523452, "us/msg": 4.52, "B/op": 0, "allocs/op": 0}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse =\n%+v\nwant\n%+v", got, want)
	}
}

func TestTrimProcs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"BenchmarkStep-2", "BenchmarkStep"},
		{"BenchmarkFanout/n=10-8", "BenchmarkFanout/n=10"},
		{"BenchmarkStep", "BenchmarkStep"},
		{"BenchmarkSSE/rate-high", "BenchmarkSSE/rate-high"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := trimProcs(tt.in); got != tt.want {
				t.Errorf("trimProcs(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
