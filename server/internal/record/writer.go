// Package record writes and reads match records. Every match a room plays is written under
// the data directory as JSON lines that replay it exactly, since the simulation is
// deterministic:
//
//	{"room":"…","match":0,"map":"arena","config":{…game.Config…},"setup":[[seat,1],…]}
//	{"tick":1,"inputs":[[[seq,buttons,aimX,aimY,view],…one per seat],…one per tick]}
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
	"errors"
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

// job is a write on its way to the disk: a piece appended to a record, a file replaced
// whole, or a file removed.
type job struct {
	path    string
	data    []byte
	replace bool   // write data to a temporary file, sync it and rename it over path
	remove  bool   // remove path
	durable string // a record to sync to the disk first
}

// Writer writes, in order and on its own goroutine, what rooms keep under the data directory:
// the chunks of every match's record (matches/) and files replaced whole, such as checkpoints.
// Writes in the order they were queued means a checkpoint that refers to a record's first n
// bytes is written after them.
type Writer struct {
	dir     string
	jobs    chan job
	done    chan struct{}
	log     *slog.Logger
	onError func(what string, err error)
}

// Options tune a Writer.
type Options struct {
	// OnError, when set, is told of every failed write (what is "record", "file" or
	// "remove"), from the Writer's goroutine.
	OnError func(what string, err error)
}

// NewWriter returns a Writer under the data directory dir.
func NewWriter(dir string, log *slog.Logger, opts Options) (*Writer, error) {
	if err := os.MkdirAll(filepath.Join(dir, "matches"), 0o755); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	w := &Writer{dir: dir, jobs: make(chan job, 256), done: make(chan struct{}), log: log, onError: opts.OnError}
	go w.run()
	return w, nil
}

// Dir is the data directory.
func (w *Writer) Dir() string { return w.dir }

func (w *Writer) run() {
	defer close(w.done)
	failed := map[string]bool{}
	for j := range w.jobs {
		what, err := "record", error(nil)
		switch {
		case j.remove:
			what = "remove"
			if err = os.Remove(j.path); errors.Is(err, os.ErrNotExist) {
				err = nil
			}
		case j.replace:
			what = "file"
			if j.durable != "" {
				err = syncFile(j.durable)
			}
			if err == nil {
				err = replaceFile(j.path, j.data)
			}
		default:
			err = appendFile(j.path, j.data)
		}
		if err == nil {
			continue
		}
		if w.onError != nil {
			w.onError(what, err)
		}
		if !failed[what] {
			failed[what] = true // the first failure of a kind is logged, every one is counted
			w.log.Error("writing the data directory", "what", what, "path", j.path, "err", err)
		}
	}
}

func appendFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Close())
}

// replaceFile writes data to path atomically: a reader finds the old file or the new one,
// never a part, even after a crash.
func replaceFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	// The rename itself is durable once the directory is.
	return syncFile(filepath.Dir(path))
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

// Replace writes data as the whole file rel (a path under the data directory) atomically and
// readable by the server's user only, after making the record of m (which may be nil) durable
// up to what it has handed over. With wait it waits for room in the queue; without, it gives
// up at once when the disk is far behind and reports whether the write was queued.
func (w *Writer) Replace(rel string, data []byte, m *Match, wait bool) bool {
	j := job{path: filepath.Join(w.dir, rel), data: data, replace: true}
	if m != nil && m.queued > 0 {
		j.durable = m.path
	}
	if wait {
		w.jobs <- j
		return true
	}
	select {
	case w.jobs <- j:
		return true
	default:
		return false
	}
}

// Remove removes the file rel under the data directory, after what is queued.
func (w *Writer) Remove(rel string) {
	w.jobs <- job{path: filepath.Join(w.dir, rel), remove: true}
}

// Close writes what is queued and stops; nothing may be queued any more. A nil Writer does
// nothing.
func (w *Writer) Close() {
	if w == nil {
		return
	}
	close(w.jobs)
	<-w.done
}

// Match is one match's record being written. A nil *Match records nothing, so that a room
// need not ask whether records are on.
type Match struct {
	w      *Writer
	path   string
	header Header
	buf    []byte
	ticks  int   // ticks in buf
	opened bool  // the header is written
	queued int64 // bytes handed to the writer so far: the record's length once written
	lost   bool  // a chunk was dropped: the record has a gap and cannot be replayed
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
		path:   filepath.Join(w.dir, "matches", fmt.Sprintf("%s-%d.jsonl", room, match)),
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
		l.buf = append(l.buf, ',')
		l.buf = strconv.AppendUint(l.buf, uint64(in.View), 10)
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

// Flush ends the current line and hands what is buffered to the writer, so that the record's
// length counts every tick stepped so far.
func (l *Match) Flush() {
	if l != nil && l.opened {
		l.endLine()
		l.flush()
	}
}

// flush hands the buffered lines to the writer; if it is far behind, the record loses them
// rather than the room waiting, and is marked as lost.
func (l *Match) flush() {
	if len(l.buf) == 0 {
		return
	}
	select {
	case l.w.jobs <- job{path: l.path, data: l.buf}:
		l.queued += int64(len(l.buf))
		l.buf = nil
	default:
		l.lost = true
		l.buf = l.buf[:0]
	}
}

// Position is how far a match's record has been written: enough to continue it after a
// restart (Writer.Continue) from exactly the tick it had reached.
type Position struct {
	File   string `json:"file"` // under the data directory
	Header Header `json:"header"`
	Bytes  int64  `json:"bytes"`
}

// Position returns where the record stands once everything handed over is written; ok is
// false when there is no record to continue (records are off, or the record lost a chunk).
// Flush first: buffered ticks are not counted.
func (l *Match) Position() (Position, bool) {
	if l == nil || l.lost {
		return Position{}, false
	}
	rel, err := filepath.Rel(l.w.dir, l.path)
	if err != nil {
		return Position{}, false
	}
	return Position{File: rel, Header: l.header, Bytes: l.queued}, true
}

// Continue reopens a match's record at p: the file is cut back to p.Bytes (dropping what a
// crash left after the checkpoint) and further steps append to it. A record that is shorter
// than p, or gone, cannot continue: the match then goes on without one.
func (w *Writer) Continue(p Position) (*Match, error) {
	if w == nil {
		return nil, nil
	}
	path := filepath.Join(w.dir, filepath.Clean("/"+p.File))
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("continue record: %w", err)
	}
	if st.Size() < p.Bytes {
		return nil, fmt.Errorf("continue record %s: %d bytes on disk, the checkpoint counts %d", p.File, st.Size(), p.Bytes)
	}
	if err := os.Truncate(path, p.Bytes); err != nil {
		return nil, fmt.Errorf("continue record: %w", err)
	}
	return &Match{w: w, path: path, header: p.Header, opened: p.Bytes > 0, queued: p.Bytes}, nil
}
