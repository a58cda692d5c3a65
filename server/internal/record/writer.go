package record

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// job is a write on its way to the disk: a piece appended to a record, a file replaced
// whole, or a file removed; or news for the retention of records.
type job struct {
	path    string
	data    []byte
	replace bool // write data beside path, to be renamed over it by the next commit
	remove  bool // remove path
	last    bool // data ends the record at path: its match is over
	resumed bool // the record at path goes on (Continue); with last, it had ended already
	retain  bool // the records on disk are all known: keep them within the limits from now on
}

// Writer writes, in order and on its own goroutine, what rooms keep under the data directory:
// the frames of every match's record (matches/) and files replaced whole, such as checkpoints.
// Writes in the order they were queued means a checkpoint that refers to a record's first n
// bytes is written after them.
//
// Once Retain is called it also keeps the records within Options.Keep and Options.MaxSize,
// deleting the oldest first: past Keep the oldest finished records, past MaxSize the oldest
// records that are no longer written (finished, or left unfinished by an earlier run). A
// record still being written is never cut, however large it grows.
type Writer struct {
	dir     string
	jobs    chan job
	done    chan struct{}
	log     *slog.Logger
	onError func(what string, err error)
	opts    Options

	// Owned by run: the records on disk, oldest first and by path, their total size, how
	// many of them are finished, and whether they are kept within the limits yet (Retain).
	files     []*file
	byPath    map[string]*file
	size      int64
	finished  int
	retaining bool

	// Owned by run too: replacements written beside their files and not yet put in place,
	// whether one was put in place since (to be made durable at Close), the files put in
	// place by an exchange that no sync has made durable yet, the directories known to
	// exist, and the kinds of failure logged once.
	staged     []string
	renamed    bool
	exchanged  map[string]bool
	dirs       map[string]bool
	failedOnce map[string]bool
}

// file is one record on disk.
type file struct {
	path     string
	size     int64
	open     bool // a room writes to the record
	finished bool // the record ends with its match's end
}

// Options tune a Writer.
type Options struct {
	// OnError, when set, is told of every failed write (what is "record", "file" or
	// "remove"), from the Writer's goroutine, and of every piece of a record dropped because
	// the disk was far behind ("behind", from the room's ticker).
	OnError func(what string, err error)
	// Keep is how many finished records to keep, and MaxSize how many bytes of records, the
	// ones being written included; 0 means no limit (see Writer).
	Keep    int
	MaxSize int64
	// Kept, when set, is told the bytes of the records kept after every change.
	Kept func(bytes int64)
}

// NewWriter returns a Writer under the data directory dir.
func NewWriter(dir string, log *slog.Logger, opts Options) (*Writer, error) {
	if err := os.MkdirAll(filepath.Join(dir, "matches"), 0o755); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	w := &Writer{dir: dir, jobs: make(chan job, 256), done: make(chan struct{}), log: log, onError: opts.OnError,
		opts: opts, byPath: map[string]*file{}, exchanged: map[string]bool{}, dirs: map[string]bool{},
		failedOnce: map[string]bool{}}
	go w.run()
	return w, nil
}

// Dir is the data directory.
func (w *Writer) Dir() string { return w.dir }

func (w *Writer) run() {
	defer close(w.done)
	commitTimer := time.NewTimer(time.Hour)
	commitTimer.Stop()
	var due <-chan time.Time // the commit timer while replacements are staged
	for {
		var j job
		select {
		case <-due:
			due = nil
			w.commit()
			continue
		case next, ok := <-w.jobs:
			if !ok {
				w.commit()
				if w.renamed {
					w.check("file", w.dir, syncDisk(w.dir))
				}
				return
			}
			j = next
		}
		if j.remove || j.retain || j.resumed {
			// Whatever follows a replacement in the queue, other than more of a record,
			// sees it in place.
			w.commit()
		}
		switch {
		case j.retain:
			w.scan()
		case j.resumed:
			w.resume(j.path, j.last)
		case j.remove:
			err := os.Remove(j.path)
			if errors.Is(err, os.ErrNotExist) {
				err = nil
			}
			// The version before, kept for the next replacement to write into (see commit).
			_ = os.Remove(j.path + ".tmp")
			delete(w.exchanged, j.path)
			if err == nil {
				w.forget(j.path)
			}
			w.check("remove", j.path, err)
		case j.replace:
			w.stage(j)
		default:
			err := appendFile(j.path, j.data)
			if err == nil {
				w.wrote(j)
			}
			w.check("record", j.path, err)
		}
		switch {
		case len(w.staged) >= maxStaged:
			w.commit()
		case len(w.staged) > 0 && due == nil:
			commitTimer.Reset(commitDelay)
			due = commitTimer.C
		case len(w.staged) == 0 && due != nil:
			commitTimer.Stop()
			due = nil
		}
	}
}

// commitDelay is how long a replacement waits for others to share its commit, and
// maxStaged how many may.
const (
	commitDelay = 250 * time.Millisecond
	maxStaged   = 256
)

// stage writes a replacement beside its file, to be put in place by the next commit.
func (w *Writer) stage(j job) {
	tmp := j.path + ".tmp"
	err := w.mkdir(filepath.Dir(j.path))
	if err == nil && w.exchanged[j.path] {
		// tmp holds the version before the one in place, and a crash now could still undo
		// the exchange that put the new one there: tmp is overwritten only once that is
		// durable.
		err = w.sync()
	}
	if err == nil {
		err = overwriteFile(tmp, j.data)
	}
	if w.check("file", j.path, err) && !slices.Contains(w.staged, j.path) {
		w.staged = append(w.staged, j.path)
	}
}

// commit makes everything written so far durable and then puts the staged replacements in
// place, so that a replacement is never found before what was written ahead of it (a
// checkpoint before the record bytes it counts), even after a crash. The replacements of a
// commitDelay share one sync of the file system: a sync of every file and directory, three
// for each checkpoint, blocked the writer's thread a few hundred times a second, and with it
// the process's only processor on a server pinned to one core, until the runtime's monitor
// noticed (up to 10 ms), which made rooms' ticks late. A replacement becomes durable with the
// next commit's sync, or at Close; until then a crash finds the previous file.
//
// A replacement trades places with its file (renameat2 with RENAME_EXCHANGE) instead of
// being renamed over it: the previous version stays beside the file as its .tmp, and the next
// replacement overwrites that in place. Creating a file for every checkpoint cost the
// writer's thread some 140-380 µs each on ext4, overwriting one and exchanging 70 µs (250
// rooms checkpoint 125 times a second). Where there is no file yet, or the file system cannot
// exchange, the replacement is renamed.
func (w *Writer) commit() {
	if len(w.staged) == 0 {
		return
	}
	err := w.sync()
	w.renamed = w.renamed && err != nil
	for _, path := range w.staged {
		renamed := false
		switch {
		case err != nil:
			w.check("file", path, err)
		case exchange(path+".tmp", path) == nil:
			w.exchanged[path], renamed = true, true
		default:
			renamed = w.check("file", path, os.Rename(path+".tmp", path))
		}
		if !renamed {
			_ = os.Remove(path + ".tmp")
		}
		w.renamed = w.renamed || renamed
	}
	clear(w.staged)
	w.staged = w.staged[:0]
}

// sync makes everything written so far durable, the exchanges among it.
func (w *Writer) sync() error {
	err := syncDisk(w.dir)
	if err == nil {
		clear(w.exchanged)
	}
	return err
}

// mkdir makes dir unless it is known to exist.
func (w *Writer) mkdir(dir string) error {
	if w.dirs[dir] {
		return nil
	}
	err := os.MkdirAll(dir, 0o755)
	w.dirs[dir] = err == nil
	return err
}

// check counts and logs a failed write and reports whether it succeeded.
func (w *Writer) check(what, path string, err error) bool {
	if err == nil {
		return true
	}
	w.failed(what, err)
	if !w.failedOnce[what] {
		w.failedOnce[what] = true // the first failure of a kind is logged, every one is counted
		w.log.Error("writing the data directory", "what", what, "path", path, "err", err)
	}
	return false
}

func (w *Writer) failed(what string, err error) {
	if w.onError != nil {
		w.onError(what, err)
	}
}

// Retain keeps the records within Options.Keep and Options.MaxSize from now on, those already
// on disk included. The rooms call it once the records they continue after a restart are
// known, so that none of those is taken for an old one.
func (w *Writer) Retain() {
	if w != nil {
		w.jobs <- job{retain: true}
	}
}

// scan takes in the records on disk that the writer does not know, as no longer written and
// older than its own (oldest first by modification time), and starts keeping them all within
// the limits.
func (w *Writer) scan() {
	entries, _ := os.ReadDir(filepath.Join(w.dir, "matches"))
	type aged struct {
		*file
		mod int64
	}
	var found []aged
	for _, e := range entries {
		path := filepath.Join(w.dir, "matches", e.Name())
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || !strings.HasSuffix(e.Name(), Ext) || w.byPath[path] != nil {
			continue
		}
		found = append(found, aged{&file{path: path, size: info.Size(), finished: Finished(path)}, info.ModTime().UnixNano()})
	}
	slices.SortStableFunc(found, func(a, b aged) int { return cmp.Compare(a.mod, b.mod) })
	older := make([]*file, 0, len(found)+len(w.files))
	for _, f := range found {
		older = append(older, f.file)
		w.count(f.file, 1)
	}
	w.files = append(older, w.files...)
	w.retaining = true
	w.trim()
}

// track returns the record at path, the newest if the writer did not know it.
func (w *Writer) track(path string) *file {
	f := w.byPath[path]
	if f == nil {
		f = &file{path: path}
		w.files = append(w.files, f)
		w.count(f, 1)
	}
	return f
}

// count adds f to the totals (sign 1) or takes it out of them (sign -1).
func (w *Writer) count(f *file, sign int) {
	if sign > 0 {
		w.byPath[f.path] = f
	} else {
		delete(w.byPath, f.path)
	}
	w.size += int64(sign) * f.size
	if f.finished {
		w.finished += sign
	}
}

// update changes f's size and state, keeping the totals.
func (w *Writer) update(f *file, size int64, open, finished bool) {
	w.count(f, -1)
	f.size, f.open, f.finished = size, open, finished
	w.count(f, 1)
}

// resume takes in a record on disk that a room continues, at its size now; it is written to
// again unless its match had ended.
func (w *Writer) resume(path string, ended bool) {
	f := w.track(path)
	size := f.size
	if info, err := os.Stat(path); err == nil {
		size = info.Size()
	}
	w.update(f, size, !ended, ended)
	w.trim()
}

// wrote accounts for a piece of a record on disk and keeps the records within the limits.
func (w *Writer) wrote(j job) {
	f := w.track(j.path)
	w.update(f, f.size+int64(len(j.data)), !j.last, j.last)
	w.trim()
}

// forget stops counting a record that was removed.
func (w *Writer) forget(path string) {
	if i := slices.IndexFunc(w.files, func(f *file) bool { return f.path == path }); i >= 0 {
		w.drop(i)
		w.report()
	}
}

// drop stops counting the record files[i].
func (w *Writer) drop(i int) {
	w.count(w.files[i], -1)
	w.files = slices.Delete(w.files, i, i+1)
}

// trim deletes the oldest records while the records are past a limit: past Keep only
// finished ones count and go, past MaxSize any that is no longer written.
func (w *Writer) trim() {
	for i := 0; w.retaining && i < len(w.files); {
		tooMany := w.opts.Keep > 0 && w.finished > w.opts.Keep
		tooBig := w.opts.MaxSize > 0 && w.size > w.opts.MaxSize
		if !tooMany && !tooBig {
			break
		}
		f := w.files[i]
		if f.open || !f.finished && !tooBig {
			i++
			continue
		}
		if err := os.Remove(f.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			w.failed("remove", err)
			i++
			continue
		}
		w.drop(i)
	}
	w.report()
}

func (w *Writer) report() {
	if w.opts.Kept != nil {
		w.opts.Kept(w.size)
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

// replaceFile writes data to path atomically and durably: a reader finds the old file or the
// new one, never a part, even after a crash.
func replaceFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := overwriteFile(tmp, data); err != nil {
		return err
	}
	if err := syncFile(tmp); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	// The rename itself is durable once the directory is.
	return syncFile(filepath.Dir(path))
}

// overwriteFile writes data as the whole file path, over what it held, readable by the
// server's user only. Writing over a file's blocks spares the file system freeing and
// allocating them again.
func overwriteFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Truncate(int64(len(data)))
	}
	if err = errors.Join(err, f.Close()); err != nil {
		_ = os.Remove(path)
	}
	return err
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

// Replace writes data as the whole file rel (a path under the data directory) atomically and
// readable by the server's user only, durable no earlier than every record piece queued
// before it. With wait it waits for room in the queue; without, it gives up at once when the
// disk is far behind and reports whether the write was queued.
func (w *Writer) Replace(rel string, data []byte, wait bool) bool {
	j := job{path: filepath.Join(w.dir, rel), data: data, replace: true}
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

// MatchID is the id of a room's match number n, which names its record.
func MatchID(room string, n uint64) string { return fmt.Sprintf("%s-%d", room, n) }

// Path returns where the record of match id lives under the data directory dir.
func Path(dir, id string) string { return filepath.Join(dir, "matches", id+Ext) }
