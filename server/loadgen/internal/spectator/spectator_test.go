package spectator

import (
	"bufio"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fixedTimes says every tick was first seen at the same moment.
type fixedTimes struct{ at time.Time }

func (f fixedTimes) When(tick uint32) (time.Time, bool) { return f.at, tick != 0 }

func TestParser(t *testing.T) {
	long := `{"tick":9,"state":"running","ships":[],"shots":[` + strings.Repeat(`{"id":1,"owner":0,"x":1,"y":2},`, 200) + `{"id":2,"owner":0,"x":1,"y":2}]}`
	tests := []struct {
		name      string
		stream    string
		events    int64
		snapshots int64
		gaps      int64
		delays    uint64
		lastID    int64
	}{
		{
			name:   "retry, comment and a status",
			stream: "retry: 2000\n\n: ping\n\nid: 4\nevent: status\ndata: {\"state\":\"running\"}\n\n",
			events: 1, lastID: 4,
		},
		{
			name:   "snapshots measure their delay",
			stream: "id: 1\nevent: snapshot\ndata: {\"tick\":30,\"state\":\"running\"}\n\nid: 2\nevent: frag\ndata: {\"tick\":31,\"killer\":0,\"victim\":1}\n\nid: 3\nevent: snapshot\ndata: {\"tick\":33}\n\n",
			events: 3, snapshots: 2, delays: 2, lastID: 3,
		},
		{
			name:   "a repeated tick is timed once",
			stream: "id: 1\nevent: snapshot\ndata: {\"tick\":30}\n\nid: 2\nevent: snapshot\ndata: {\"tick\":30}\n\n",
			events: 2, snapshots: 2, delays: 1, lastID: 2,
		},
		{
			name:   "a jump in ids counts the missed events",
			stream: "id: 1\nevent: snapshot\ndata: {\"tick\":3}\n\nid: 5\nevent: snapshot\ndata: {\"tick\":6}\n\n",
			events: 2, snapshots: 2, gaps: 3, delays: 2, lastID: 5,
		},
		{
			name:   "CRLF line ends",
			stream: "id: 7\r\nevent: snapshot\r\ndata: {\"tick\":3}\r\n\r\n",
			events: 1, snapshots: 1, delays: 1, lastID: 7,
		},
		{
			name:   "a line longer than the buffer",
			stream: "id: 8\nevent: snapshot\ndata: " + long + "\n\nid: 9\nevent: score\ndata: {}\n\n",
			events: 2, snapshots: 1, delays: 1, lastID: 9,
		},
		{
			name:   "a snapshot without a tick has no delay",
			stream: "event: snapshot\ndata: {\"state\":\"waiting\"}\n\n",
			events: 1, snapshots: 1, lastID: -1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st Stats
			st.SwapDelay()
			lastID := int64(-1)
			p := parser{st: &st, times: fixedTimes{time.Now()}, lastID: &lastID}
			err := p.run(bufio.NewReaderSize(strings.NewReader(tt.stream), 4096))
			if err == nil {
				t.Fatal("run returned nil at the end of the stream")
			}
			got := [...]int64{st.Events.Load(), st.Snapshots.Load(), st.Gaps.Load(), int64(st.SwapDelay().Count()), lastID, st.Bytes.Load()}
			want := [...]int64{tt.events, tt.snapshots, tt.gaps, int64(tt.delays), tt.lastID, int64(len(tt.stream))}
			if got != want {
				t.Errorf("events, snapshots, gaps, delays, last id, bytes = %v, want %v", got, want)
			}
		})
	}
}

func TestIntMember(t *testing.T) {
	tests := []struct {
		data string
		key  []byte
		want int64
	}{
		{`{"tick":812,"state":"running"}`, tickKey, 812},
		{`{"state":"running","tick":5}`, tickKey, 5},
		{`{"tick":812,"now":1764064800123,"rate":30}`, nowKey, 1764064800123},
		{`{"tick":}`, tickKey, -1},
		{`{"reason":"gone"}`, tickKey, -1},
	}
	for _, tt := range tests {
		t.Run(tt.data, func(t *testing.T) {
			if got := intMember([]byte(tt.data), tt.key); got != tt.want {
				t.Errorf("intMember(%s) = %d, want %d", tt.key, got, tt.want)
			}
		})
	}
}

func TestDelayFromServerStamp(t *testing.T) {
	var st Stats
	st.SwapDelay()
	lastID := int64(-1)
	// No player ever saw a tick: only the stamp can time the snapshot.
	p := parser{st: &st, times: fixedTimes{}, lastID: &lastID}
	sent := time.Now().Add(-40 * time.Millisecond).UnixMilli()
	stream := "id: 1\nevent: snapshot\ndata: {\"tick\":0,\"now\":" + strconv.FormatInt(sent, 10) + "}\n\n"
	p.run(bufio.NewReader(strings.NewReader(stream)))
	h := st.SwapDelay()
	if h.Count() != 1 || h.Max() < 39*time.Millisecond || h.Max() > 10*time.Second {
		t.Errorf("%d delays, max %v; want one of about 40ms", h.Count(), h.Max())
	}
}
