package transport

import (
	"slices"
	"sync/atomic"
	"testing"

	"github.com/gobwas/ws"
)

// TestOutboxSnapshots: which frames a connection's writer gets for a sequence of ticks and
// messages, depending on whether it keeps up.
func TestOutboxSnapshots(t *testing.T) {
	type step struct {
		tick    uint32 // a snapshot of this tick, or 0 for an event message
		stalled bool   // the writer has been blocked in a write for long
		take    bool   // the writer takes what waits before this step
	}
	tests := []struct {
		name    string
		steps   []step
		want    []string // what the writer finally takes: K<tick>, D<tick>, E
		dropped int
	}{
		{"first snapshot is a keyframe, then deltas", []step{{tick: 1}, {tick: 2}, {tick: 3}},
			[]string{"K1", "D2", "D3"}, 0},
		{"a gap in ticks gets a keyframe", []step{{tick: 1}, {tick: 3}},
			[]string{"K1", "K3"}, 0},
		{"a late writer loses nothing", []step{{tick: 1}, {tick: 2}, {tick: 3}, {tick: 4}, {tick: 5}},
			[]string{"K1", "D2", "D3", "D4", "D5"}, 0},
		{"a stalled writer gets only the newest state, as a keyframe", []step{{tick: 1}, {tick: 2}, {tick: 3, stalled: true}},
			[]string{"K3"}, 2},
		{"events survive the collapse in order", []step{{tick: 1}, {}, {tick: 2}, {tick: 3, stalled: true}},
			[]string{"E", "K3"}, 2},
		{"deltas continue after a take", []step{{tick: 1}, {tick: 2, take: true}, {tick: 3}},
			[]string{"D2", "D3"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool := new(Pool)
			o := outbox{max: 64}
			var writeStart atomic.Int64
			names := map[*Frame]string{}
			dropped := 0
			var batch []*Frame
			for _, s := range tt.steps {
				if s.take {
					batch, _, _ = o.take(batch[:0])
				}
				writeStart.Store(0)
				if s.stalled {
					writeStart.Store(monotonic() - 2*int64(slowWrite))
				}
				if s.tick == 0 {
					e := pool.Binary([]byte{0x90})
					names[e] = "E"
					o.push(e)
					continue
				}
				key, delta := pool.Binary([]byte{byte(s.tick)}), pool.Binary([]byte{byte(s.tick)})
				names[key], names[delta] = "K"+string(rune('0'+s.tick)), "D"+string(rune('0'+s.tick))
				_, n := o.pushSnapshot(key, delta, s.tick, &writeStart)
				dropped += n
			}
			batch, _, stuck := o.take(batch[:0])
			var got []string
			for _, f := range batch {
				got = append(got, names[f])
			}
			if !slices.Equal(got, tt.want) || dropped != tt.dropped || stuck {
				t.Fatalf("writer takes %v with %d dropped (stuck %v), want %v with %d dropped", got, dropped, stuck, tt.want, tt.dropped)
			}
		})
	}
}

// TestOutboxClose: after the close frame nothing more is queued, and everything queued before
// it still goes out.
func TestOutboxClose(t *testing.T) {
	o := outbox{max: 64}
	var ws0 atomic.Int64
	ev := NewFrame(ws.OpBinary, []byte{0x90})
	msg := NewFrame(ws.OpBinary, []byte{0x91})
	closeFrame := NewFrame(ws.OpClose, ws.NewCloseFrameBody(4000, "replaced"))
	o.push(ev)
	o.close(msg, closeFrame)
	late := NewFrame(ws.OpBinary, []byte{0x92})
	o.push(late)
	key := NewFrame(ws.OpBinary, []byte{0x93})
	if queued, _ := o.pushSnapshot(key, nil, 1, &ws0); queued {
		t.Fatal("a snapshot was queued after the close frame")
	}
	batch, _, _ := o.take(nil)
	if !slices.Equal(batch, []*Frame{ev, msg, closeFrame}) {
		t.Fatalf("writer takes %d frames, want the event, the error message and the close frame", len(batch))
	}
	if late.refs.Load() != 0 {
		t.Fatal("a frame refused after the close was not released")
	}
}
