// Package ssetest reads Server-Sent Events streams in tests the way a browser's EventSource
// does, over a raw socket so that a test can also shape the connection (a small receive
// buffer, a client that never reads).
package ssetest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Event is one dispatched event as a browser's EventSource sees it.
type Event struct {
	ID, Type, Data string
}

// Stream reads a stream as the WHATWG EventSource parser does: lines end in CRLF, LF or CR;
// a blank line dispatches; comments start with a colon; one leading space of a value is
// dropped; id persists across events; retry takes digits only.
type Stream struct {
	t        testing.TB
	Conn     net.Conn
	Resp     *http.Response
	r        *bufio.Reader
	LastID   string
	Retry    int
	Comments int

	evType  string
	data    []byte
	hasData bool
}

// Options shape a raw spectator connection.
type Options struct {
	Header  http.Header
	RecvBuf int  // SO_RCVBUF, set before connecting so the window stays small
	NoRead  bool // do not even read the response head
	// Status, when set, is an answer other than 200 that the test expects.
	Status int
}

// Open connects to url over a raw socket, sends a GET and reads the response head. Every
// test reads whole responses, so a deadline only guards against a hung test.
func Open(t testing.TB, url string, o Options) *Stream {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	for k, v := range o.Header {
		req.Header[k] = v
	}
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		if o.RecvBuf == 0 {
			return nil
		}
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, o.RecvBuf)
		})
		return errors.Join(err, serr)
	}}
	conn, err := d.DialContext(context.Background(), "tcp", req.URL.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	s := &Stream{t: t, Conn: conn}
	if o.NoRead {
		return s // the slow spectator never reads, not even the head
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		t.Fatal(err)
	}
	s.Resp, s.r = resp, bufio.NewReader(resp.Body)
	if o.Status == 0 && resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return s
}

// readLine returns one line without its terminator.
func (s *Stream) readLine() (string, error) {
	var line []byte
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return "", err
		}
		switch c {
		case '\n':
			return string(line), nil
		case '\r':
			if next, err := s.r.Peek(1); err == nil && next[0] == '\n' {
				s.r.ReadByte()
			}
			return string(line), nil
		}
		line = append(line, c)
	}
}

// Next returns the next dispatched event, or a comment as an event of type ":" when
// comments is set.
func (s *Stream) Next(comments bool) (Event, error) {
	for {
		line, err := s.readLine()
		if err != nil {
			return Event{}, err
		}
		if line == "" {
			if !s.hasData {
				s.evType = ""
				continue
			}
			ev := Event{ID: s.LastID, Type: s.evType, Data: strings.TrimSuffix(string(s.data), "\n")}
			if ev.Type == "" {
				ev.Type = "message"
			}
			s.evType, s.data, s.hasData = "", s.data[:0], false
			return ev, nil
		}
		if line[0] == ':' {
			s.Comments++
			if comments {
				return Event{Type: ":", Data: strings.TrimSpace(line[1:])}, nil
			}
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			s.evType = value
		case "data":
			s.data = append(append(s.data, value...), '\n')
			s.hasData = true
		case "id":
			if !strings.Contains(value, "\x00") {
				s.LastID = value
			}
		case "retry":
			if n, err := strconv.Atoi(value); err == nil && strings.Trim(value, "0123456789") == "" {
				s.Retry = n
			}
		}
	}
}

// Must returns the next event or fails the test.
func (s *Stream) Must() Event {
	s.t.Helper()
	ev, err := s.Next(false)
	if err != nil {
		s.t.Fatalf("reading the stream after id %s: %v", s.LastID, err)
	}
	return ev
}

// Until reads events until one of type kind and returns all read, that one last.
func (s *Stream) Until(kind string) []Event {
	s.t.Helper()
	var evs []Event
	for {
		ev := s.Must()
		evs = append(evs, ev)
		if ev.Type == kind {
			return evs
		}
	}
}

// UntilState reads until a status reports the room in state, and returns what it read.
func (s *Stream) UntilState(state string) []Event {
	s.t.Helper()
	var evs []Event
	for {
		ev := s.Must()
		evs = append(evs, ev)
		if ev.Type == "status" && Decode[struct{ State string }](s.t, ev).State == state {
			return evs
		}
	}
}

// Close closes the connection.
func (s *Stream) Close() { s.Conn.Close() }

// Decode unmarshals an event's data or fails the test.
func Decode[T any](t testing.TB, ev Event) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(ev.Data), &v); err != nil {
		t.Fatalf("%s event data %q: %v", ev.Type, ev.Data, err)
	}
	return v
}

// ID returns an event id as a number or fails the test.
func ID(t testing.TB, id string) int {
	t.Helper()
	n, err := strconv.Atoi(id)
	if err != nil {
		t.Fatalf("event id %q is not a number", id)
	}
	return n
}

// Read returns a Stream over r, for a body the test already has.
func Read(t testing.TB, r io.Reader) *Stream {
	return &Stream{t: t, r: bufio.NewReader(r)}
}
