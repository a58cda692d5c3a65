package ssetest_test

import (
	"io"
	"slices"
	"strings"
	"testing"

	"skirmish/server/internal/ssetest"
)

// TestEventSourceParser checks the parser against the WHATWG rules it claims, so that
// what the feed tests accept is what a browser would see.
func TestEventSourceParser(t *testing.T) {
	for _, tc := range []struct {
		name, stream string
		want         []ssetest.Event
		retry        int
		comments     int
	}{
		{"lf", "id: 1\nevent: frag\ndata: {}\n\n", []ssetest.Event{{"1", "frag", "{}"}}, 0, 0},
		{"crlf", "id: 2\r\nevent: frag\r\ndata: {}\r\n\r\n", []ssetest.Event{{"2", "frag", "{}"}}, 0, 0},
		{"cr", "id: 3\revent: frag\rdata: {}\r\r", []ssetest.Event{{"3", "frag", "{}"}}, 0, 0},
		{"default type and joined data", "data: a\ndata:b\n\n", []ssetest.Event{{"", "message", "a\nb"}}, 0, 0},
		{"id persists", "id: 7\ndata: x\n\ndata: y\n\n", []ssetest.Event{{"7", "message", "x"}, {"7", "message", "y"}}, 0, 0},
		{"comments and retry", ": ping\nretry: 1500\nretry: x1\n: ping\n\n", nil, 1500, 2},
		{"no data no event", "event: frag\n\ndata: z\n\n", []ssetest.Event{{"", "message", "z"}}, 0, 0},
		{"one leading space only", "data:  two\n\n", []ssetest.Event{{"", "message", " two"}}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es := ssetest.Read(t, strings.NewReader(tc.stream))
			var got []ssetest.Event
			for {
				ev, err := es.Next(false)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, ev)
			}
			if !slices.Equal(got, tc.want) || es.Retry != tc.retry || es.Comments != tc.comments {
				t.Fatalf("got %q retry %d comments %d, want %q retry %d comments %d",
					got, es.Retry, es.Comments, tc.want, tc.retry, tc.comments)
			}
		})
	}
}
