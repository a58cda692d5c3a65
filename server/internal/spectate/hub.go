package spectate

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sync"
	"time"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/ratelimit"
)

// ErrNoRoom is returned (and wrapped) when a room does not exist.
var ErrNoRoom = errors.New("spectate: no such room")

// Hub is the in-process spectator hub. Rooms tell it what happens through Snapshot, Status,
// Events and Closed (the server's room.Observer), called from each room's ticker and never
// blocking; the room directory tells it about rooms coming and going (RoomChanged,
// RoomClosed); and it serves the feeds and the cheers over HTTP. In a fleet (Options.Relay)
// each room's encoded events are also published once for the other nodes, and a room that
// another node runs is relayed to the spectators here (relay.go).
type Hub struct {
	opts    Options
	metrics metrics
	// cheers limits each client address's cheers, roomCheers each room's.
	cheers, roomCheers ratelimit.Limiter
	// head is the response head of a stream without CORS headers, shared by those streams;
	// retry is the retry hint that starts every stream's body.
	head, retry []byte

	mu    sync.RWMutex
	rooms map[string]*roomFeed
	// lobbyRooms holds each room's latest object for the lobby's opening list.
	lobbyRooms map[string][]byte
	lobby      *topic
	// changed and gone are the rooms changed and closed since the lobby's last batch, which
	// flush publishes when the timer it arms fires.
	changed  map[string][]byte
	gone     map[string]bool
	flusher  *time.Timer
	armed    bool // the flusher will fire
	sessions map[*Session]struct{}
	closed   bool
}

// roomFeed is a room's topic plus the encoder state its room's ticker owns; or a
// session's (session.go), owned by whoever writes it.
type roomFeed struct {
	t *topic
	// session makes the ids ticks plus one: a session's (session.go).
	session bool
	// stopRelay ends the relaying of a room another node runs, and caughtUp is closed once
	// the relay delivered the history; both nil while the room is not relayed. Guarded by
	// the hub's mu.
	stopRelay func()
	caughtUp  <-chan struct{}

	// The rest is owned by the room's ticker.
	due    int // ticks until the next spectator snapshot
	buf    []byte
	scores []score
	// mapName is the JSON string of the name of the map the world was last seen on.
	mapName []byte
	mapOf   *game.Map
}

// score is what the score event reports of one seat.
type score struct {
	active        bool
	frags, deaths uint16
}

// New returns a hub with opts; it fails only if registering its metrics fails.
func New(opts Options) (*Hub, error) {
	h := &Hub{
		opts:       opts.withDefaults(),
		rooms:      make(map[string]*roomFeed),
		lobbyRooms: make(map[string][]byte),
		changed:    make(map[string][]byte),
		gone:       make(map[string]bool),
		sessions:   make(map[*Session]struct{}),
	}
	h.retry = retryHint(h.opts.Retry)
	h.head = h.responseHead("")
	h.cheers.Init(h.opts.CheerBurst, h.opts.CheerEvery)
	h.roomCheers.Init(h.opts.RoomCheerBurst, h.opts.RoomCheerEvery)
	if err := h.metrics.init(h.opts.Registerer); err != nil {
		return nil, fmt.Errorf("spectate metrics: %w", err)
	}
	h.lobby = newTopic(h, "lobby", lobbyHistory, true)
	// The lobby outlives its watchers' connections and the server does not: its ids start
	// from the clock, so that an id from before a restart is older than anything this run can
	// resume from, and its watcher gets the whole list.
	h.lobby.numberFrom(uint64(time.Now().UnixMilli()) << 8)
	return h, nil
}

// lobbyHistory is how many of the lobby's batches a reconnecting watcher can resume from
// (about a quarter of a minute of a busy lobby) instead of taking the whole list again.
const lobbyHistory = 64

// Close ends every feed and disconnects every spectator; the hub then ignores its rooms.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	if h.flusher != nil {
		h.flusher.Stop()
	}
	feeds := h.rooms
	h.rooms = map[string]*roomFeed{}
	sessions := h.sessions
	h.sessions = map[*Session]struct{}{}
	h.mu.Unlock()
	for _, f := range feeds {
		h.unfollow(f)
		f.t.close()
	}
	for s := range sessions {
		s.f.t.close()
	}
	h.lobby.close()
}

// Watching returns how many spectators watch the rooms here.
func (h *Hub) Watching() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for _, f := range h.rooms {
		n += int(f.t.watchers.Load())
	}
	return n
}

// Spectators returns how many spectators watch the room here.
func (h *Hub) Spectators(room string) int {
	if f := h.lookup(room); f != nil {
		return int(f.t.watchers.Load())
	}
	return 0
}

func (h *Hub) lookup(room string) *roomFeed {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.rooms[room]
}

// feed returns the room's feed, creating it on first mention; nil once the hub is closed.
func (h *Hub) feed(room string) *roomFeed {
	if f := h.lookup(room); f != nil {
		return f
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	f := h.rooms[room]
	if f == nil {
		f = &roomFeed{t: newTopic(h, "room", h.opts.History, false)}
		if h.opts.Relay != nil {
			// The fleet passes every event on: a spectator on any node may hold its id and
			// resume here, so the history is kept from the start.
			f.t.room, f.t.watched = room, true
		}
		h.rooms[room] = f
	}
	return f
}

// Snapshot is called by a room after every tick, in every state. It keeps the score events
// current and encodes a snapshot only when someone watches and one is due.
func (h *Hub) Snapshot(room string, w *game.World, state protocol.State) {
	if f := h.feed(room); f != nil {
		f.snapshot(w, state, h.opts.Rate, w.Config.TickRate)
	}
}

// publish publishes an event of the feed; id is its tick plus one in a session, and ignored
// (the next id) in a room's feed.
func (f *roomFeed) publish(id uint64, kind string, data []byte, flags int) {
	if !f.session {
		id = 0
	}
	f.t.publishAs(id, kind, data, flags)
}

// snapshot is Snapshot for a feed whose ticks come tickRate times a second: a score event when
// scores changed, and a snapshot rate times a second while someone watches.
func (f *roomFeed) snapshot(w *game.World, state protocol.State, rate float64, tickRate int) {
	id := uint64(w.Tick) + 1
	// A score event of a feed never watched would reach nobody and be kept for nobody: a
	// spectator who comes starts from a snapshot, which carries the scores.
	if f.scoresChanged(w) && (f.session || f.t.everWatched()) {
		f.buf = appendScores(f.buf[:0], w)
		f.publish(id, kindScore, f.buf, broadcast|discrete)
	}
	// Snapshots are due every so many calls, not by the clock: calls come once a tick, so a
	// tick rate equal to the spectator rate (or a multiple) cannot beat against it.
	f.due--
	// In a fleet, spectators on other nodes may watch: the snapshots go out regardless.
	idle := f.t.watchers.Load() == 0 && (f.session || f.t.hub.opts.Relay == nil)
	if !f.t.wantKey.Swap(false) && (idle || f.due > 0) {
		return
	}
	f.due = max(1, int(math.Round(float64(tickRate)/rate)))
	if f.mapOf != w.Map || f.mapName == nil {
		f.mapOf, f.mapName = w.Map, []byte(`""`)
		if w.Map != nil {
			f.mapName = mustJSON(w.Map.Name)
		}
	}
	f.buf = appendSnapshot(f.buf[:0], w, state, f.mapName, tickRate, time.Now())
	f.publish(id, kindSnapshot, f.buf, broadcast|keyframe)
}

// scoresChanged compares the world's scores with the last ones seen and remembers them.
func (f *roomFeed) scoresChanged(w *game.World) bool {
	if len(f.scores) != len(w.Ships) {
		f.scores = make([]score, len(w.Ships))
	}
	changed := false
	for i := range w.Ships {
		s := &w.Ships[i]
		sc := score{active: s.Active, frags: s.Frags, deaths: s.Deaths}
		if sc != f.scores[i] {
			f.scores[i] = sc
			changed = true
		}
	}
	return changed
}

// Status is called by a room on every state or roster change.
func (h *Hub) Status(room string, s *protocol.Status) {
	if f := h.feed(room); f != nil {
		f.status(s, 0)
	}
}

func (f *roomFeed) status(s *protocol.Status, id uint64) {
	f.publish(id, kindStatus, encodeStatus(s, time.Now()), broadcast|discrete)
}

// Events is called by a room with the events of a tick and with cheers, joins and leaves.
func (h *Hub) Events(room string, list []protocol.Event) {
	if f := h.feed(room); f != nil {
		f.events(list)
	}
}

func (f *roomFeed) events(list []protocol.Event) {
	for i := range list {
		if kind, data := encodeGameEvent(&list[i]); kind != "" {
			f.publish(uint64(list[i].Tick)+1, kind, data, broadcast|discrete)
		}
	}
}

// Closed is called once when a room closes: its spectators get a closed event, then their
// streams end (a reconnecting EventSource then gets 404 and stops).
func (h *Hub) Closed(room string) {
	h.mu.Lock()
	f := h.rooms[room]
	delete(h.rooms, room)
	h.mu.Unlock()
	if f != nil {
		h.unfollow(f)
		f.t.publish(kindClosed, closedJSON(room), broadcast|discrete)
		f.t.close()
	}
}

// RoomChanged tells the lobby feed that a room appeared or changed; object is its JSON as
// GET /api/rooms/{room} shows it. Changes go out in batches (see flushLobby).
func (h *Hub) RoomChanged(room string, object []byte) {
	if h.feed(room) == nil {
		return
	}
	object = bytes.TrimSpace(object)
	h.mu.Lock()
	defer h.mu.Unlock()
	// The new version takes the place of the old one, which is read only under mu. A copy for
	// each version left, once players had joined, the slots of the versions before spread over
	// the heap among objects that stay: some 0.2 KiB a player of spans held for nothing.
	kept := h.lobbyRooms[room]
	if cap(kept) < len(object) {
		kept = make([]byte, 0, len(object)+len(object)/2)
	}
	kept = append(kept[:0], object...)
	h.lobbyRooms[room] = kept
	h.changed[room] = kept
	delete(h.gone, room)
	h.armLobby()
}

// RoomClosed tells the lobby feed that a room is gone. The room's own feed ends too,
// whichever of the room and the directory tells first.
func (h *Hub) RoomClosed(room string) {
	h.RoomUnlisted(room)
	h.Closed(room)
}

// RoomUnlisted tells the lobby feed that a room is gone from the list, while its own feed
// goes on: in a fleet, a room whose node died until another node brings it back.
func (h *Hub) RoomUnlisted(room string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, known := h.lobbyRooms[room]; known {
		delete(h.lobbyRooms, room)
		delete(h.changed, room)
		h.gone[room] = true
		h.armLobby()
	}
}

// armLobby makes sure a batch of the lobby's changes goes out within Options.LobbyEvery.
// Called with mu held.
func (h *Hub) armLobby() {
	if h.armed {
		return
	}
	h.armed = true
	if h.flusher == nil {
		h.flusher = time.AfterFunc(h.opts.LobbyEvery, h.flushLobby)
	} else {
		h.flusher.Reset(h.opts.LobbyEvery)
	}
}

// flushLobby publishes the changes since the last batch as one changes event: every watcher
// gets at most one message per Options.LobbyEvery, with each room's latest object once,
// however often the rooms changed meanwhile.
func (h *Hub) flushLobby() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.armed = false
	if h.closed || len(h.changed)+len(h.gone) == 0 {
		return
	}
	ids := slices.Sorted(maps.Keys(h.changed))
	b := append(make([]byte, 0, 256*len(ids)), `{"rooms":[`...)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, h.changed[id]...)
	}
	b = append(b, `],"closed":`...)
	// An empty list, not null: the pages iterate it.
	gone := append(make([]string, 0, len(h.gone)), slices.Sorted(maps.Keys(h.gone))...)
	b = append(b, mustJSON(gone)...)
	b = append(b, '}')
	clear(h.changed)
	clear(h.gone)
	h.lobby.publishChange(kindChanges, b)
}

// subscribe adds s to the feed t. The lobby's keyframe, the whole room list, is rebuilt here
// when it is stale; holding mu keeps the list and the lobby's change ids in step.
func (h *Hub) subscribe(t *topic, s *subscriber, head []byte, lastID uint64, resume bool) error {
	if t != h.lobby {
		if t.opener != nil {
			t.refreshKeyframe(t.opener)
		}
		return t.subscribe(s, head, lastID, resume)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	t.refreshKeyframe(func() (string, []byte) { return kindRooms, h.lobbyList() })
	return t.subscribe(s, head, lastID, resume)
}

// lobbyList is the JSON array of every room's object in id order. Called with mu held, which
// also keeps the lobby's changes and lists in one order.
func (h *Hub) lobbyList() []byte {
	ids := make([]string, 0, len(h.lobbyRooms))
	for id := range h.lobbyRooms {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	b := []byte{'['}
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, h.lobbyRooms[id]...)
	}
	return append(b, ']')
}
