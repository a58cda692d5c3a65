// Package spectator is the load generator's SSE spectator: a raw HTTP reader of a room's
// event stream that parses events as an EventSource would, counts them, checks that ids
// rise without gaps and measures how late snapshots arrive. It allocates nothing per event,
// so thousands of them fit beside the players on one core.
package spectator

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"skirmish/server/loadgen/internal/stats"
)

// Stats are shared by all spectators of a run.
type Stats struct {
	Connected  atomic.Int64
	Events     atomic.Int64 // every event, snapshots included
	Snapshots  atomic.Int64
	Bytes      atomic.Int64 // stream bytes after the response head
	Gaps       atomic.Int64 // events skipped: ids that jumped by more than one
	Reconnects atomic.Int64
	// delay records how long after the server stamped a snapshot (its "now", Unix
	// milliseconds) a spectator received it; for snapshots without a stamp, how long after
	// the first player of the room received the same tick. Nil until the first SwapDelay.
	delay atomic.Pointer[stats.Histogram]
}

// SwapDelay starts recording delays into a fresh histogram and returns the one filled since
// the previous call (nil the first time), so each measurement window gets its own.
func (s *Stats) SwapDelay() *stats.Histogram { return s.delay.Swap(new(stats.Histogram)) }

// TickTimes tells when a tick of a room was first seen by a player, so that spectators can
// measure their delay against the player feed without a clock in the events.
type TickTimes interface {
	When(tick uint32) (time.Time, bool)
}

// ErrBadStream reports a response that is not an event stream.
var ErrBadStream = errors.New("not an event stream")

// Watch follows the feed of room at addr until ctx ends, reconnecting with Last-Event-ID
// when the server drops the stream.
func Watch(ctx context.Context, addr, room string, st *Stats, times TickTimes) error {
	var lastID int64 = -1
	for first := true; ; first = false {
		if !first {
			st.Reconnects.Add(1)
		}
		err := watchOnce(ctx, addr, room, st, times, &lastID)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, ErrBadStream) {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func watchOnce(ctx context.Context, addr, room string, st *Stats, times TickTimes, lastID *int64) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("dial %s: %w", addr, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	req := "GET /rooms/" + room + "/events HTTP/1.1\r\nHost: " + addr + "\r\nAccept: text/event-stream\r\n"
	if *lastID >= 0 {
		req += "Last-Event-ID: " + strconv.FormatInt(*lastID, 10) + "\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		return fmt.Errorf("send request: %w", err)
	}
	br := bufio.NewReaderSize(conn, 4096)
	body, err := readHead(br)
	if err != nil {
		return err
	}
	st.Connected.Add(1)
	defer st.Connected.Add(-1)
	p := parser{st: st, times: times, lastID: lastID}
	return p.run(body)
}

// readHead reads the response head and returns the body reader, de-chunked if needed.
func readHead(br *bufio.Reader) (io.Reader, error) {
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, fmt.Errorf("read response head: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: status %s", ErrBadStream, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		return nil, fmt.Errorf("%w: content type %q", ErrBadStream, ct)
	}
	// http.ReadResponse would wrap the body in readers of its own; the stream is read
	// straight from br instead, undoing only a chunked encoding.
	if len(resp.TransferEncoding) > 0 && resp.TransferEncoding[0] == "chunked" {
		return httputil.NewChunkedReader(br), nil
	}
	return br, nil
}

// parser follows the event stream format: lines "field: value", an empty line ending an
// event, lines starting with a colon being comments.
type parser struct {
	st     *Stats
	times  TickTimes
	lastID *int64

	event   []byte // the event field of the event being read
	tick    int64  // the tick of its data, -1 if none
	stamp   int64  // the server's clock in its data (Unix ms), -1 if none
	hasData bool   // an event without data is not dispatched, as in EventSource
	// lastTick is the tick of the previous snapshot. While a room does not step (paused,
	// results, countdown) its snapshots repeat one tick; only the first is timed.
	lastTick int64
}

func (p *parser) run(body io.Reader) error {
	br, ok := body.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(body, 4096)
	}
	p.tick, p.stamp, p.lastTick = -1, -1, -1
	for {
		line, err := br.ReadSlice('\n')
		p.st.Bytes.Add(int64(len(line)))
		if errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than the buffer: its start holds all the parser needs.
			p.line(line, time.Now())
			if err := skipLine(br, p.st); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("read stream: %w", err)
		}
		p.line(bytes.TrimRight(line, "\r\n"), time.Now())
	}
}

// skipLine discards the rest of an overlong line.
func skipLine(br *bufio.Reader, st *Stats) error {
	for {
		rest, err := br.ReadSlice('\n')
		st.Bytes.Add(int64(len(rest)))
		if !errors.Is(err, bufio.ErrBufferFull) {
			if err != nil {
				return fmt.Errorf("read stream: %w", err)
			}
			return nil
		}
	}
}

var (
	fieldID    = []byte("id")
	fieldEvent = []byte("event")
	fieldData  = []byte("data")
	kindSnap   = []byte("snapshot")
	tickKey    = []byte(`"tick":`)
	nowKey     = []byte(`"now":`)
)

func (p *parser) line(line []byte, now time.Time) {
	if len(line) == 0 {
		p.dispatch(now)
		return
	}
	if line[0] == ':' {
		return
	}
	field, value, _ := bytes.Cut(line, []byte(":"))
	value = bytes.TrimPrefix(value, []byte(" "))
	switch {
	case bytes.Equal(field, fieldID):
		if id, err := strconv.ParseInt(string(value), 10, 64); err == nil {
			if *p.lastID >= 0 && id > *p.lastID+1 {
				p.st.Gaps.Add(id - *p.lastID - 1)
			}
			*p.lastID = id
		}
	case bytes.Equal(field, fieldEvent):
		p.event = append(p.event[:0], value...)
	case bytes.Equal(field, fieldData):
		p.tick, p.stamp, p.hasData = intMember(value, tickKey), intMember(value, nowKey), true
	}
}

// intMember returns the value of the first member key (`"name":`) of a JSON object holding
// a non-negative integer, or -1. Snapshots start with the members it looks for, so this
// scans a few bytes instead of decoding the event.
func intMember(data, key []byte) int64 {
	i := bytes.Index(data, key)
	if i < 0 {
		return -1
	}
	data = data[i+len(key):]
	n, digits := int64(0), 0
	for _, c := range data {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int64(c-'0')
		digits++
	}
	if digits == 0 {
		return -1
	}
	return n
}

func (p *parser) dispatch(now time.Time) {
	if !p.hasData {
		p.event, p.tick, p.stamp = p.event[:0], -1, -1
		return
	}
	p.st.Events.Add(1)
	if bytes.Equal(p.event, kindSnap) {
		p.st.Snapshots.Add(1)
		if p.tick >= 0 && p.tick != p.lastTick {
			p.lastTick = p.tick
			if h := p.st.delay.Load(); h != nil {
				if at, ok := p.sentAt(); ok {
					h.Add(now.Sub(at))
				}
			}
		}
	}
	p.event, p.tick, p.stamp, p.hasData = p.event[:0], -1, -1, false
}

// sentAt returns when the snapshot being dispatched left the server: its stamp, or else the
// moment the first player of the room received its tick.
func (p *parser) sentAt() (time.Time, bool) {
	if p.stamp >= 0 {
		return time.UnixMilli(p.stamp), true
	}
	if p.times == nil {
		return time.Time{}, false
	}
	return p.times.When(uint32(p.tick))
}
