package spectate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// A room's feed survives a restart of the server: the room saves the feed's state with its
// checkpoint (AppendFeed) and the restored room brings it back before it reports anything
// (RestoreFeed), so that ids keep rising and a spectator that resumes with Last-Event-ID gets
// every discrete event it missed, as if the server had never stopped.
//
// A checkpoint taken a few seconds before a crash misses the ids the feed issued after it,
// whose events the restored room never had (it goes on from the checkpoint). The restored feed
// starts its ids restartGap past the checkpoint's, so no id means two events, and a spectator
// that resumes from inside that lost span gets a reset that says which ids still hold
// (validThrough): the events after them did not happen.

// restartGap is how far past a checkpoint's last id a feed restored after a crash starts:
// more ids than a feed issues between two checkpoints (at most one snapshot a tick and a few
// events, for a few seconds), by far.
const restartGap = 1_000_000

// feedState is a room's feed on disk.
type feedState struct {
	Last    uint64       `json:"last"`
	Evicted uint64       `json:"evicted"`
	Events  []savedEvent `json:"events"` // the history, oldest first
	Status  *savedEvent  `json:"status,omitempty"`
}

type savedEvent struct {
	ID   uint64   `json:"id"`
	Wire wireText `json:"wire"`
}

// wireText is an event's SSE bytes as a JSON string. It encodes from the event's own bytes:
// a room saves its feed with every checkpoint, and a copy of each event as a Go string made
// the feed most of what checkpoints allocated.
type wireText []byte

// MarshalText has a pointer receiver so that encoding/json calls it on the slice element in
// place, without boxing a copy of the slice header.
func (w *wireText) MarshalText() ([]byte, error) { return *w, nil }

// UnmarshalText copies, since the decoder's bytes may be its input's.
func (w *wireText) UnmarshalText(b []byte) error {
	*w = bytes.Clone(b)
	return nil
}

// AppendFeed appends the state of the room's feed as JSON to dst (room.FeedStore); it
// returns dst as it was if the room has no feed yet.
func (h *Hub) AppendFeed(dst []byte, room string) []byte {
	f := h.lookup(room)
	if f == nil {
		return dst
	}
	t := f.t
	t.mu.Lock()
	st := feedState{Last: t.last, Evicted: t.evicted, Events: make([]savedEvent, 0, len(t.ring))}
	for i := range t.ring {
		ev := t.ring[(t.head+i)%len(t.ring)]
		st.Events = append(st.Events, savedEvent{ID: ev.ID, Wire: ev.Wire})
	}
	if t.status != nil {
		st.Status = &savedEvent{ID: t.status.ID, Wire: t.status.Wire}
	}
	// The events' bytes are never modified once published, so they may be encoded after
	// the lock is let go.
	t.mu.Unlock()
	buf := bytes.NewBuffer(dst)
	if err := json.NewEncoder(buf).Encode(&st); err != nil {
		return dst // plain data always encodes
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// RestoreFeed brings back a room's feed saved by AppendFeed (room.FeedStore). exact says the
// state was saved last thing before the server stopped; otherwise ids restart past a gap.
func (h *Hub) RestoreFeed(room string, state json.RawMessage, exact bool) error {
	var st feedState
	if err := json.Unmarshal(state, &st); err != nil {
		return fmt.Errorf("spectator feed state: %w", err)
	}
	for i, ev := range st.Events {
		if ev.ID == 0 || ev.ID > st.Last || (i > 0 && ev.ID <= st.Events[i-1].ID) {
			return errors.New("spectator feed state: event ids out of order")
		}
	}
	f := h.feed(room)
	if f == nil {
		return errClosed
	}
	// A room brought here from another node may have been relayed until now. What its node
	// published before the checkpoint may still be on its way through the fleet: this
	// node's spectators get it before the relay stops.
	h.catchUp(f, st.Last)
	h.unfollow(f)
	t := f.t
	t.mu.Lock()
	defer t.mu.Unlock()
	t.last, t.evicted, t.head = st.Last, st.Evicted, 0
	t.ring = t.ring[:0]
	t.watched = t.watched || len(st.Events) > 0
	for _, ev := range st.Events[max(0, len(st.Events)-t.history):] {
		t.ring = append(t.ring, &event{ID: ev.ID, Wire: []byte(ev.Wire)})
	}
	if st.Status != nil {
		t.status = &event{ID: st.Status.ID, Wire: []byte(st.Status.Wire)}
	}
	if !exact {
		t.lostAfter = t.last
		t.last += restartGap
		t.lostThrough = t.last
	}
	return nil
}

// restartReset opens a stream that resumes from inside the ids lost in a crash.
func restartReset(validThrough uint64) []byte {
	return encodeEvent(0, kindReset, fmt.Appendf(nil,
		`{"reason":"the server restarted from a checkpoint: events after id %d did not happen","validThrough":%d}`,
		validThrough, validThrough))
}
