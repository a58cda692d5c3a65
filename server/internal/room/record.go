package room

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"

	"skirmish/game"
)

// Match records: every match a room plays is written under the data directory as JSON lines
// that replay it exactly, since the simulation is deterministic:
//
//	{"room":"…","match":0,"map":"arena","config":{…game.Config…},"setup":[[seat,1],…]}
//	{"tick":1,"inputs":[[[seq,buttons,aimX,aimY],…one per seat],…one per tick]}
//	…
//	{"end":5400,"hash":"…","over":true}
//
// The header holds the World's config and the SetActive calls made before the first step;
// then come the inputs given to every Step, about a second per line; the last line holds the
// final tick and state hash (over is false when the room closed mid-match). A room hands its
// lines to one writer goroutine per Manager about once a second, so the tick never waits on
// the disk and a match's log never piles up in memory.

// recordHeader is the first line of a match record.
type recordHeader struct {
	Room   string      `json:"room"`
	Match  uint64      `json:"match"`
	Map    string      `json:"map"`
	Config game.Config `json:"config"`
	Setup  [][2]int    `json:"setup"`
}

// recordEnd is the last line of a match record.
type recordEnd struct {
	End  uint32 `json:"end"`
	Hash string `json:"hash"`
	Over bool   `json:"over"`
}

// recordChunk is a piece of a record file on its way to the disk.
type recordChunk struct {
	path string
	data []byte
}

// recorder writes the chunks of every room's records, in order, on its own goroutine.
type recorder struct {
	dir    string
	chunks chan recordChunk
	done   chan struct{}
	log    *slog.Logger
}

func newRecorder(dir string, log *slog.Logger) (*recorder, error) {
	dir = filepath.Join(dir, "matches")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("match records: %w", err)
	}
	rec := &recorder{dir: dir, chunks: make(chan recordChunk, 256), done: make(chan struct{}), log: log}
	go rec.run()
	return rec, nil
}

func (rec *recorder) run() {
	defer close(rec.done)
	failed := false
	for c := range rec.chunks {
		f, err := os.OpenFile(c.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err == nil {
			_, err = f.Write(c.data)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil && !failed {
			failed = true // one report is enough; the game goes on without records
			rec.log.Error("writing match record", "err", err)
		}
	}
}

// close writes what is queued and stops; no room may record any more.
func (rec *recorder) close() {
	if rec == nil {
		return
	}
	close(rec.chunks)
	<-rec.done
}

// matchLog is one match's record being written. A nil *matchLog records nothing.
type matchLog struct {
	rec    *recorder
	path   string
	header recordHeader
	buf    []byte
	ticks  int // ticks in buf
	opened bool
}

// flushTicks is how many ticks of inputs a record line holds.
const flushTicks = 32

// begin starts the record of a room's match on w (nil when records are off).
func (rec *recorder) begin(room string, match uint64, w *game.World) *matchLog {
	if rec == nil {
		return nil
	}
	return &matchLog{
		rec:    rec,
		path:   filepath.Join(rec.dir, fmt.Sprintf("%s-%d.jsonl", room, match)),
		header: recordHeader{Room: room, Match: match, Map: w.Map.Name, Config: w.Config, Setup: [][2]int{}},
	}
}

// setup records a SetActive call made before the first step.
func (l *matchLog) setup(seat int, on bool) {
	if l == nil || l.opened {
		return
	}
	v := 0
	if on {
		v = 1
	}
	l.header.Setup = append(l.header.Setup, [2]int{seat, v})
}

// step records the inputs given to the Step that produced tick.
func (l *matchLog) step(tick uint32, inputs []game.Input) {
	if l == nil {
		return
	}
	if !l.opened {
		l.opened = true
		b, _ := json.Marshal(l.header)
		l.buf = append(append(l.buf, b...), '\n')
	}
	if l.ticks == 0 {
		l.buf = append(l.buf, `{"tick":`...)
		l.buf = strconv.AppendUint(l.buf, uint64(tick), 10)
		l.buf = append(l.buf, `,"inputs":[`...)
	} else {
		l.buf = append(l.buf, ',')
	}
	l.buf = append(l.buf, '[')
	for i, in := range inputs {
		if i > 0 {
			l.buf = append(l.buf, ',')
		}
		l.buf = append(l.buf, '[')
		l.buf = strconv.AppendUint(l.buf, uint64(in.Seq), 10)
		l.buf = append(l.buf, ',')
		l.buf = strconv.AppendUint(l.buf, uint64(in.Buttons), 10)
		l.buf = append(l.buf, ',')
		l.buf = strconv.AppendInt(l.buf, int64(in.AimX), 10)
		l.buf = append(l.buf, ',')
		l.buf = strconv.AppendInt(l.buf, int64(in.AimY), 10)
		l.buf = append(l.buf, ']')
	}
	l.buf = append(l.buf, ']')
	l.ticks++
	if l.ticks == flushTicks {
		l.endLine()
		l.flush()
	}
}

func (l *matchLog) endLine() {
	if l.ticks > 0 {
		l.buf = append(l.buf, "]}\n"...)
		l.ticks = 0
	}
}

// end closes the record with the final tick and hash of w.
func (l *matchLog) end(w *game.World) {
	if l == nil || !l.opened {
		return
	}
	l.endLine()
	b, _ := json.Marshal(recordEnd{End: w.Tick, Hash: strconv.FormatUint(w.Hash(), 16), Over: w.Over})
	l.buf = append(append(l.buf, b...), '\n')
	l.flush()
	l.opened = false
	l.header.Setup = nil
}

// flush hands the buffered lines to the writer; if it is far behind, the record loses them
// rather than the room waiting.
func (l *matchLog) flush() {
	select {
	case l.rec.chunks <- recordChunk{path: l.path, data: l.buf}:
		l.buf = nil
	default:
		l.buf = l.buf[:0]
	}
}
