package replay

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"skirmish/server/internal/record"
	"skirmish/server/internal/spectate"
)

// ErrNoMatch is returned for a match id with no record.
var ErrNoMatch = errors.New("no such match")

// Summary is a finished match as GET /api/matches lists it.
type Summary struct {
	ID       string    `json:"id"`
	Room     string    `json:"room"`
	Map      string    `json:"map"`
	Started  time.Time `json:"started"`
	Ticks    uint32    `json:"ticks"`
	TickRate int       `json:"tickRate"`
	Winner   string    `json:"winner"`  // the winner's name; empty for none
	Players  []string  `json:"players"` // the names of the seats in play at the end
}

// Server serves the finished matches of a data directory: their list, and their replays
// streamed over a spectator hub's sessions.
type Server struct {
	dir string
	hub *spectate.Hub
	log *slog.Logger

	mu        sync.Mutex
	summaries map[string]summaryEntry // by file name
	timelines []*timelineEntry        // most recently used last
}

type summaryEntry struct {
	size    int64
	mod     time.Time
	summary *Summary // nil for a record that is not a finished match
}

type timelineEntry struct {
	id    string
	ready chan struct{} // closed once tl or err is set
	tl    *Timeline
	err   error
}

// keepTimelines is how many replayed matches the server keeps for their watchers: a three
// minute match of four seats takes about 300 KB.
const keepTimelines = 4

// NewServer returns a Server of the records under the data directory dir.
func NewServer(dir string, hub *spectate.Hub, log *slog.Logger) *Server {
	return &Server{dir: dir, hub: hub, log: log, summaries: make(map[string]summaryEntry)}
}

// List returns the matches that were played to their end, newest first; with room, only
// that room's.
func (s *Server) List(room string) ([]Summary, error) {
	entries, err := os.ReadDir(filepath.Join(s.dir, "matches"))
	if errors.Is(err, fs.ErrNotExist) {
		return []Summary{}, nil
	}
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []Summary{}
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, record.Ext) || room != "" && !strings.HasPrefix(name, room+"-") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		seen[name] = true
		c, ok := s.summaries[name]
		if !ok || c.size != info.Size() || !c.mod.Equal(info.ModTime()) {
			c = summaryEntry{size: info.Size(), mod: info.ModTime(), summary: summarize(filepath.Join(s.dir, "matches", name))}
			s.summaries[name] = c
		}
		if c.summary != nil && (room == "" || c.summary.Room == room) {
			list = append(list, *c.summary)
		}
	}
	if room == "" {
		for name := range s.summaries {
			if !seen[name] {
				delete(s.summaries, name)
			}
		}
	}
	slices.SortFunc(list, func(a, b Summary) int {
		if c := b.Started.Compare(a.Started); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return list, nil
}

// summarize returns the summary of the record at path, or nil unless its match was played
// to its end.
func summarize(path string) *Summary {
	if !record.Finished(path) {
		return nil
	}
	rec, err := record.ReadFile(path)
	if err != nil || rec.End == nil || !rec.End.Over {
		return nil
	}
	h := &rec.Header
	sum := &Summary{
		ID: h.ID(), Room: h.Room, Map: h.Map, Started: h.Started, Ticks: rec.End.Tick,
		TickRate: h.Config.TickRate, Players: []string{},
	}
	if rec.End.Winner >= 0 {
		sum.Winner = lastName(rec, rec.End.Winner)
	}
	active := make([]bool, h.Config.Seats)
	for _, f := range rec.Frames {
		if f.Kind == record.KindActive {
			active[f.Seat] = f.On
		}
	}
	for seat, on := range active {
		if on {
			sum.Players = append(sum.Players, lastName(rec, seat))
		}
	}
	return sum
}

// validID reports whether id names a match as the server does: a room id, a dash and a
// number.
func validID(id string) bool {
	room, n, ok := strings.Cut(id, "-")
	if !ok || room == "" || n == "" || len(id) > 64 {
		return false
	}
	for _, r := range room {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return false
		}
	}
	for _, r := range n {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Timeline returns the replayed match id, replaying its record the first time. It fails with
// ErrNoMatch when there is no record, and with record.ErrRecord when the record does not
// replay on this server.
func (s *Server) Timeline(id string) (*Timeline, error) {
	if !validID(id) {
		return nil, ErrNoMatch
	}
	s.mu.Lock()
	i := slices.IndexFunc(s.timelines, func(e *timelineEntry) bool { return e.id == id })
	var e *timelineEntry
	if i >= 0 {
		e = s.timelines[i]
		s.timelines = append(slices.Delete(s.timelines, i, i+1), e)
		s.mu.Unlock()
		<-e.ready
		return e.tl, e.err
	}
	e = &timelineEntry{id: id, ready: make(chan struct{})}
	s.timelines = append(s.timelines, e)
	if len(s.timelines) > keepTimelines {
		s.timelines = slices.Delete(s.timelines, 0, len(s.timelines)-keepTimelines)
	}
	s.mu.Unlock()

	e.tl, e.err = s.load(id)
	close(e.ready)
	if e.err != nil {
		// A record that is not there yet, or not finished, may be tomorrow.
		s.mu.Lock()
		s.timelines = slices.DeleteFunc(s.timelines, func(x *timelineEntry) bool { return x == e })
		s.mu.Unlock()
	}
	return e.tl, e.err
}

func (s *Server) load(id string) (*Timeline, error) {
	start := time.Now()
	rec, err := record.ReadFile(record.Path(s.dir, id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoMatch
	}
	if err != nil {
		return nil, err
	}
	tl, err := NewTimeline(rec)
	if err != nil {
		s.log.Warn("a match record does not replay", "match", id, "err", err)
		return nil, err
	}
	s.log.Debug("match replayed for watching", "match", id, "ticks", tl.Ticks, "took", time.Since(start))
	return tl, nil
}
