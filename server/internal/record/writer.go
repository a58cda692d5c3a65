package record

import (
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
// whole, a file removed, or a record that is finished.
type job struct {
	path     string
	data     []byte
	replace  bool   // write data to a temporary file, sync it and rename it over path
	remove   bool   // remove path
	durable  string // a record to sync to the disk first
	finished bool   // path is a finished record, whose match ended: count it for Options.Keep
}

// Writer writes, in order and on its own goroutine, what rooms keep under the data directory:
// the frames of every match's record (matches/) and files replaced whole, such as checkpoints.
// Writes in the order they were queued means a checkpoint that refers to a record's first n
// bytes is written after them.
type Writer struct {
	dir     string
	jobs    chan job
	done    chan struct{}
	log     *slog.Logger
	onError func(what string, err error)
	keep    int
	// finished lists the finished records, oldest first; owned by the writer's goroutine.
	finished []string
}

// Options tune a Writer.
type Options struct {
	// OnError, when set, is told of every failed write (what is "record", "file" or
	// "remove"), from the Writer's goroutine.
	OnError func(what string, err error)
	// Keep is how many finished match records to keep; past it the oldest are removed as
	// matches end. 0 keeps them all.
	Keep int
}

// NewWriter returns a Writer under the data directory dir.
func NewWriter(dir string, log *slog.Logger, opts Options) (*Writer, error) {
	if err := os.MkdirAll(filepath.Join(dir, "matches"), 0o755); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	w := &Writer{dir: dir, jobs: make(chan job, 256), done: make(chan struct{}), log: log, onError: opts.OnError, keep: opts.Keep}
	w.finished = finishedRecords(filepath.Join(dir, "matches"))
	go w.run()
	return w, nil
}

// finishedRecords lists the finished records in dir, oldest first.
func finishedRecords(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	type rec struct {
		path string
		mod  time.Time
	}
	var recs []rec
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), Ext) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		info, err := e.Info()
		if err != nil || !Finished(path) {
			continue
		}
		recs = append(recs, rec{path, info.ModTime()})
	}
	slices.SortStableFunc(recs, func(a, b rec) int { return a.mod.Compare(b.mod) })
	paths := make([]string, len(recs))
	for i, r := range recs {
		paths[i] = r.path
	}
	return paths
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
		case j.finished:
			what = "remove"
			err = w.retire(j.path)
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

// retire counts a record whose match ended among the finished ones and removes the oldest
// past the limit.
func (w *Writer) retire(path string) error {
	w.finished = append(slices.DeleteFunc(w.finished, func(p string) bool { return p == path }), path)
	if w.keep <= 0 || len(w.finished) <= w.keep {
		return nil
	}
	var errs []error
	for _, old := range w.finished[:len(w.finished)-w.keep] {
		if err := os.Remove(old); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	w.finished = slices.Delete(w.finished, 0, len(w.finished)-w.keep)
	return errors.Join(errs...)
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

// MatchID is the id of a room's match number n, which names its record.
func MatchID(room string, n uint64) string { return fmt.Sprintf("%s-%d", room, n) }

// Path returns where the record of match id lives under the data directory dir.
func Path(dir, id string) string { return filepath.Join(dir, "matches", id+Ext) }
