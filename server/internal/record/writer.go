// Package record writes and reads match records. Every match a room plays is written under
// the data directory as JSON lines that replay it exactly, since the simulation is
// deterministic:
//
//	{"room":"…","match":0,"map":"arena","config":{…game.Config…},"setup":[[seat,1],…]}
//	{"tick":1,"inputs":[[[seq,buttons,aimX,aimY],…one per seat],…one per tick]}
//	{"at":700,"active":[2,0]}
//	…
//	{"end":5400,"hash":"…","over":true}
//
// The header holds the World's config and the SetActive calls made before the first step;
// then come the inputs given to every Step, about a second per line, and between them the
// SetActive calls made during the match (after tick "at": a newcomer gets a fresh ship); the
// last line holds the final tick and state hash (over is false when the room closed
// mid-match). Rooms hand their lines to one writer goroutine about once a second, so a tick
// never waits on the disk and a match's log never piles up in memory.
package record

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"

	"skirmish/game"
)

// Header is the first line of a match record.
type Header struct {
	Room   string      `json:"room"`
	Match  uint64      `json:"match"`
	Map    string      `json:"map"`
	Config game.Config `json:"config"`
	Setup  [][2]int    `json:"setup"`
}

// End is the last line of a match record.
type End struct {
	End  uint32 `json:"end"`
	Hash string `json:"hash"`
	Over bool   `json:"over"`
}

// chunk is a piece of a record file on its way to the disk.
type chunk struct {
	path string
	data []byte
}

// Writer writes the chunks of every match's record, in order, on its own goroutine.
type Writer struct {
	dir    string
	chunks chan chunk
	done   chan struct{}
	log    *slog.Logger
}

// NewWriter returns a Writer of records under dir/matches.
func NewWriter(dir string, log *slog.Logger) (*Writer, error) {
	dir = filepath.Join(dir, "matches")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("match records: %w", err)
	}
	w := &Writer{dir: dir, chunks: make(chan chunk, 256), done: make(chan struct{}), log: log}
	go w.run()
	return w, nil
}

func (w *Writer) run() {
	defer close(w.done)
	failed := false
	for c := range w.chunks {
		f, err := os.OpenFile(c.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err == nil {
			_, err = f.Write(c.data)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil && !failed {
			failed = true // one report is enough; the game goes on without records
			w.log.Error("writing match record", "err", err)
		}
	}
}

// Close writes what is queued and stops; no match may record any more. A nil Writer does
// nothing.
func (w *Writer) Close() {
	if w == nil {
		return
	}
	close(w.chunks)
	<-w.done
}

// Match is one match's record being written. A nil *Match records nothing, so that a room
// need not ask whether records are on.
type Match struct {
	w      *Writer
	path   string
	header Header
	buf    []byte
	ticks  int // ticks in buf
	opened bool
}

// flushTicks is how many ticks of inputs a record line holds.
const flushTicks = 32

// Begin starts the record of a room's match on world (nil when w is nil).
func (w *Writer) Begin(room string, match uint64, world *game.World) *Match {
	if w == nil {
		return nil
	}
	return &Match{
		w:      w,
		path:   filepath.Join(w.dir, fmt.Sprintf("%s-%d.jsonl", room, match)),
		header: Header{Room: room, Match: match, Map: world.Map.Name, Config: world.Config, Setup: [][2]int{}},
	}
}

// SetActive records a SetActive call made after tick: in the header before the first step,
// else on a line of its own between the steps' inputs.
func (l *Match) SetActive(tick uint32, seat int, on bool) {
	if l == nil {
		return
	}
	v := 0
	if on {
		v = 1
	}
	if !l.opened {
		l.header.Setup = append(l.header.Setup, [2]int{seat, v})
		return
	}
	l.endLine()
	l.buf = fmt.Appendf(l.buf, `{"at":%d,"active":[%d,%d]}`+"\n", tick, seat, v)
}

// Step records the inputs given to the Step that produced tick.
func (l *Match) Step(tick uint32, inputs []game.Input) {
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

func (l *Match) endLine() {
	if l.ticks > 0 {
		l.buf = append(l.buf, "]}\n"...)
		l.ticks = 0
	}
}

// End closes the record with the final tick and hash of world. A match that never stepped
// leaves no record.
func (l *Match) End(world *game.World) {
	if l == nil || !l.opened {
		return
	}
	l.endLine()
	b, _ := json.Marshal(End{End: world.Tick, Hash: strconv.FormatUint(world.Hash(), 16), Over: world.Over})
	l.buf = append(append(l.buf, b...), '\n')
	l.flush()
	l.opened = false
	l.header.Setup = nil
}

// flush hands the buffered lines to the writer; if it is far behind, the record loses them
// rather than the room waiting.
func (l *Match) flush() {
	select {
	case l.w.chunks <- chunk{path: l.path, data: l.buf}:
		l.buf = nil
	default:
		l.buf = l.buf[:0]
	}
}
