package spectate

import (
	"bytes"
	"strconv"
)

// event is one event of a feed, encoded once: Wire holds its complete SSE bytes and is
// shared, never modified, by every spectator that is sent it.
type event struct {
	ID   uint64
	Wire []byte
}

// What publish does with an event besides numbering it.
const (
	broadcast = 1 << iota // send it to the current spectators
	discrete              // keep it in the history for resumption
	keyframe              // start new and resumed streams with it
	intro                 // start new streams with it, before their status and keyframe
)

// ping is the heartbeat comment; it carries no id and so does not move a client's resume point.
var ping = []byte(": ping\n\n")

// encodeEvent returns the SSE bytes of one event. A data line may not hold a line break, so
// data with several lines becomes several data fields, which the client joins again.
func encodeEvent(id uint64, kind string, data []byte) []byte {
	data = bytes.TrimRight(data, "\r\n")
	b := make([]byte, 0, len(data)+len(kind)+40)
	if id != 0 {
		b = append(b, "id: "...)
		b = strconv.AppendUint(b, id, 10)
		b = append(b, '\n')
	}
	b = append(b, "event: "...)
	b = append(b, kind...)
	b = append(b, '\n')
	for {
		line, rest, more := bytes.Cut(data, []byte{'\n'})
		b = append(b, "data: "...)
		b = append(b, bytes.TrimSuffix(line, []byte{'\r'})...)
		b = append(b, '\n')
		if !more {
			break
		}
		data = rest
	}
	return append(b, '\n')
}
