package spectate_test

import (
	"bufio"
	"io"
	"slices"
	"strings"
	"testing"
)

// TestEventSourceParser checks the tests' parser against the WHATWG rules it claims, so that
// what the feed tests accept is what a browser would see.
func TestEventSourceParser(t *testing.T) {
	for _, tc := range []struct {
		name, stream string
		want         []sseEvent
		retry        int
		comments     int
	}{
		{"lf", "id: 1\nevent: frag\ndata: {}\n\n", []sseEvent{{"1", "frag", "{}"}}, 0, 0},
		{"crlf", "id: 2\r\nevent: frag\r\ndata: {}\r\n\r\n", []sseEvent{{"2", "frag", "{}"}}, 0, 0},
		{"cr", "id: 3\revent: frag\rdata: {}\r\r", []sseEvent{{"3", "frag", "{}"}}, 0, 0},
		{"default type and joined data", "data: a\ndata:b\n\n", []sseEvent{{"", "message", "a\nb"}}, 0, 0},
		{"id persists", "id: 7\ndata: x\n\ndata: y\n\n", []sseEvent{{"7", "message", "x"}, {"7", "message", "y"}}, 0, 0},
		{"comments and retry", ": ping\nretry: 1500\nretry: x1\n: ping\n\n", nil, 1500, 2},
		{"no data no event", "event: frag\n\ndata: z\n\n", []sseEvent{{"", "message", "z"}}, 0, 0},
		{"one leading space only", "data:  two\n\n", []sseEvent{{"", "message", " two"}}, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			es := &eventSource{t: t, r: bufio.NewReader(strings.NewReader(tc.stream))}
			var got []sseEvent
			for {
				ev, err := es.next(false)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, ev)
			}
			if !slices.Equal(got, tc.want) || es.retry != tc.retry || es.comments != tc.comments {
				t.Fatalf("got %q retry %d comments %d, want %q retry %d comments %d",
					got, es.retry, es.comments, tc.want, tc.retry, tc.comments)
			}
		})
	}
}
