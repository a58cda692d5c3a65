package room

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"skirmish/server/internal/lobby"
	"skirmish/server/internal/metrics"
	"skirmish/server/internal/record"
)

// Errors the Manager's methods return; the HTTP API maps them to statuses.
var (
	ErrNoRoom     = errors.New("no such room")
	ErrBadRequest = errors.New("bad room request")
	ErrBusy       = errors.New("room busy")
	ErrDraining   = errors.New("server shutting down")
	ErrFull       = errors.New("server full: as many rooms as it may run")
	// ErrShort is a room refused because no node of a fleet has the headroom for it.
	ErrShort = errors.New("server short of headroom")
)

// Deps are the Manager's collaborators. Observer and Directory may be nil.
type Deps struct {
	Metrics   *metrics.Metrics
	Observer  Observer
	Directory lobby.Directory
	// Spectators counts a room's spectators (for the API and to keep a watched room open).
	Spectators func(room string) int
	// Feeds, when set, keeps the spectator feeds' ids and history across restarts.
	Feeds FeedStore
	// Fleet, when set, makes the rooms part of a fleet (fleet.go).
	Fleet Fleet
	// Place, when set, creates the rooms that Place asks for where it sees fit (in a fleet,
	// on the node with the most headroom); the Manager's own Create otherwise.
	Place func(Settings) (string, error)
	// Overloaded reports whether the server is short of headroom: new players are then
	// refused (players resuming their seats are not). Nil means never.
	Overloaded func() bool
	Logger     *slog.Logger
}

// Manager creates, finds and closes rooms.
type Manager struct {
	cfg  Config
	ctx  context.Context
	env  env // shared by every room's core
	busy func() bool
	log  *slog.Logger

	place func(Settings) (string, error)

	mu       sync.Mutex
	rooms    map[string]*Room
	tickers  *tickers       // run the rooms
	wg       sync.WaitGroup // rooms and tickers
	sessions sync.WaitGroup // player connections
	draining atomic.Bool
}

// NewManager returns a Manager whose rooms live until ctx ends.
func NewManager(ctx context.Context, cfg Config, deps Deps) *Manager {
	e := env{
		metrics:    deps.Metrics,
		obs:        deps.Observer,
		dir:        deps.Directory,
		spectators: deps.Spectators,
		feeds:      deps.Feeds,
		fleet:      deps.Fleet,
		log:        deps.Logger,
	}
	if e.metrics == nil {
		e.metrics = metrics.New()
	}
	if e.obs == nil {
		e.obs = NopObserver{}
	}
	if e.dir == nil {
		e.dir = lobby.NewMemory(nil)
	}
	if e.spectators == nil {
		e.spectators = func(string) int { return 0 }
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	m := &Manager{cfg: cfg.withDefaults(), ctx: ctx, busy: deps.Overloaded, log: e.log, rooms: make(map[string]*Room), place: deps.Place}
	if m.place == nil {
		m.place = m.Create
	}
	if m.busy == nil {
		m.busy = func() bool { return false }
	}
	if m.cfg.DataDir != "" {
		rec, err := record.NewWriter(m.cfg.DataDir, e.log, record.Options{
			Keep:    m.cfg.KeepMatches,
			MaxSize: m.cfg.RecordsMaxSize,
			OnError: func(what string, _ error) { e.metrics.WriteFailures.WithLabelValues(what).Inc() },
			Kept:    func(bytes int64) { e.metrics.RecordBytes.Set(float64(bytes)) },
		})
		if err != nil {
			e.log.Error("match records are off", "err", err)
		}
		e.records = rec
		if e.fleet != nil {
			// A node of a fleet restores no checkpoint of its own (Restore): every record on
			// its disk is known at once, and kept within the limits from the start.
			rec.Retain()
		}
	}
	m.env = e
	m.tickers = newTickers(ctx, &m.wg)
	return m
}

// Directory returns the directory the rooms publish to.
func (m *Manager) Directory() lobby.Directory { return m.env.dir }

// Create opens a room and returns its id.
func (m *Manager) Create(s Settings) (string, error) {
	if m.draining.Load() || m.ctx.Err() != nil {
		return "", ErrDraining
	}
	cfg, err := s.resolve(m.cfg)
	if err != nil {
		return "", err
	}
	if m.full() {
		return "", ErrFull
	}
	id, lease, err := m.newID()
	if err != nil {
		return "", fmt.Errorf("create room: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cfg.MaxRooms > 0 && len(m.rooms) >= m.cfg.MaxRooms {
		m.env.dir.Remove(id) // gives the lease back
		return "", ErrFull
	}
	now := time.Now()
	c, err := newCore(id, cfg, m.env, s.Seats, s.Bots, now)
	if err != nil {
		m.env.dir.Remove(id) // gives the lease back
		return "", fmt.Errorf("create room: %w", err)
	}
	c.lease = lease
	// A room whose seats bots hold all counts down from its creation, so that the directory
	// and quick play see it as a match about to start, not as someone's waiting room.
	c.maybeStart(now)
	m.launch(newRoom(c, m.cfg.MaxBacklog), now)
	m.log.Info("room created", "room", id, "seats", s.Seats, "bots", s.Bots, "map", s.Map, "frag_limit", s.FragLimit, "time_limit", s.TimeLimit, "bot_level", s.BotLevel)
	return id, nil
}

// full reports whether the Manager runs as many rooms as it may.
func (m *Manager) full() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cfg.MaxRooms > 0 && len(m.rooms) >= m.cfg.MaxRooms
}

// Place opens a room for a request and returns its id: on this node, or in a fleet on the
// node with the most headroom.
func (m *Manager) Place(s Settings) (string, error) { return m.place(s) }

// newID picks the id of a new room, one that no room of this node has and, in a fleet, none
// of the fleet's either: the lease taken on it is returned too.
func (m *Manager) newID() (string, Lease, error) {
	for {
		id := newRoomID()
		m.mu.Lock()
		taken := m.rooms[id] != nil
		m.mu.Unlock()
		if taken {
			continue
		}
		if m.env.fleet == nil {
			return id, nil, nil
		}
		lease, err := m.env.fleet.Acquire(id)
		if errors.Is(err, ErrTaken) {
			continue
		}
		return id, lease, err
	}
}

// QuickPlay returns a room for a newcomer who just wants to play: one in play with a seat a
// bot holds or that is free, the one with the most players first (in a fleet, on a node with
// headroom), else a new room of DefaultSeats where bots hold every seat but one, so that the
// match starts when the newcomer joins.
func (m *Manager) QuickPlay() (string, error) {
	best, players := "", -1
	for _, info := range m.env.dir.List() {
		switch info.State {
		case "countdown", "running", "ended":
		default:
			continue // a waiting room is someone's own; a paused one waits for its player
		}
		if m.env.fleet != nil && m.env.fleet.Short(info.Node) {
			continue // its node would turn the newcomer away
		}
		if n := info.Humans(); n < info.Seats && n > players {
			best, players = info.ID, n
		}
	}
	if best != "" {
		return best, nil
	}
	return m.Place(Settings{Seats: DefaultSeats, Bots: DefaultSeats - 1})
}

// start starts a waiting room at once on behalf of one of its players: bots take the seats
// nobody holds.
func (m *Manager) start(r *Room, seat int, gen uint64) {
	r.do(func() {
		if s := &r.core.seats[seat]; s.kind == seatHuman && s.gen == gen {
			r.core.startNow(time.Now())
		}
	})
}

// launch registers r and gives it to a ticker; the caller holds m.mu. The room is in the
// directory before start returns: a client that follows the 201 of its creation at once (GET
// /api/rooms/{id}, the spectator feed) must find it. The ticker has not begun it yet, so
// nothing else touches the core.
func (m *Manager) launch(r *Room, now time.Time) {
	r.release = m.closeOut
	r.onEnd = func() {
		m.forget(r.id)
		m.wg.Done()
	}
	m.rooms[r.id] = r
	r.core.publish(now)
	m.wg.Add(1)
	m.tickers.add(r)
}

func (m *Manager) get(id string) *Room {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rooms[id]
}

func (m *Manager) forget(id string) {
	m.mu.Lock()
	delete(m.rooms, id)
	m.mu.Unlock()
	m.log.Info("room closed", "room", id)
}

// Live returns the current tick and spectator count of a room this process runs. The
// directory's copies are refreshed only with other changes; these are live.
func (m *Manager) Live(roomID string) (tick uint32, spectators int, ok bool) {
	r := m.get(roomID)
	if r == nil {
		return 0, 0, false
	}
	return r.curTick.Load(), m.env.spectators(roomID), true
}

// Cheer sends a spectator's reaction to the players and spectators of a room.
func (m *Manager) Cheer(roomID, text string) error {
	r := m.get(roomID)
	if r == nil {
		return ErrNoRoom
	}
	if !r.tryDo(func() { r.core.cheer(text) }) {
		return ErrBusy
	}
	return nil
}

// Drain refuses new rooms and players from now on.
func (m *Manager) Drain() {
	m.mu.Lock()
	m.draining.Store(true)
	m.mu.Unlock()
}

// Wait blocks until every room and ticker has ended (after the Manager's context ended) and
// every player connection has closed, or until ctx ends; the match records are on disk by
// then. Call Drain first, and Wait once.
func (m *Manager) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		m.wg.Wait()
		m.env.records.Close()
		m.sessions.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// newRoomID returns 8 random characters from an alphabet without look-alikes (40 bits).
func newRoomID() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	for i := range b {
		b[i] = alphabet[b[i]%32]
	}
	return string(b[:])
}

// seedOf derives a match or bot seed from the room id, so a room's matches differ from each
// other and from other rooms'.
func seedOf(room string, n uint64) uint64 {
	h := fnv.New64a()
	h.Write([]byte(room))
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], n)
	h.Write(b[:])
	return h.Sum64()
}
