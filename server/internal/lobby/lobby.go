// Package lobby is the room directory: what the lobby, the room API and the lobby feed know
// about every room. Rooms publish their public summary here; readers never touch a room's
// own state. The Directory interface lets a fleet share one directory (a key-value bucket)
// in place of the in-process Memory one.
package lobby

import (
	"slices"
	"strings"
	"sync"

	"skirmish/game/protocol"
)

// Room is one room as the HTTP API shows it.
type Room = protocol.RoomInfo

// Player is one occupied seat of a Room.
type Player = protocol.PlayerInfo

// ChangeKind says what happened to a room in a Change.
type ChangeKind uint8

// The kinds of change.
const (
	Created ChangeKind = iota + 1
	Changed
	Closed
	// Lost is a room of a fleet that stopped without closing: its node's lease expired, and
	// another node brings it back from its checkpoint (then it is Created again).
	Lost
)

// String returns created, changed, closed or lost.
func (k ChangeKind) String() string {
	switch k {
	case Created:
		return "created"
	case Changed:
		return "changed"
	case Closed:
		return "closed"
	case Lost:
		return "lost"
	}
	return "unknown"
}

// Change is one update of the directory. For Closed and Lost only Room.ID is meaningful.
type Change struct {
	Kind ChangeKind
	Room Room
}

// Directory holds the summaries of all rooms. Put and Remove are called from the rooms' tickers
// and must not block on slow readers.
type Directory interface {
	// Put creates or replaces the summary of room.ID.
	Put(room Room)
	// Remove forgets a closed room.
	Remove(id string)
	// Get returns one room's summary.
	Get(id string) (Room, bool)
	// List returns every room's summary, ordered by id.
	List() []Room
}

// Memory is the in-process Directory. Every change is also passed to the notify function
// given to NewMemory, in order, under the directory's lock: notify must not block, and a
// reader that subscribes with List inside it sees no gap.
type Memory struct {
	mu     sync.Mutex
	rooms  map[string]Room
	notify func(Change)
}

// NewMemory returns an empty directory that reports changes to notify (may be nil).
func NewMemory(notify func(Change)) *Memory {
	if notify == nil {
		notify = func(Change) {}
	}
	return &Memory{rooms: make(map[string]Room), notify: notify}
}

// Put implements Directory.
func (m *Memory) Put(room Room) {
	m.mu.Lock()
	defer m.mu.Unlock()
	kind := Changed
	if _, ok := m.rooms[room.ID]; !ok {
		kind = Created
	}
	m.rooms[room.ID] = room
	m.notify(Change{Kind: kind, Room: room})
}

// Remove implements Directory.
func (m *Memory) Remove(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.rooms[id]; !ok {
		return
	}
	delete(m.rooms, id)
	m.notify(Change{Kind: Closed, Room: Room{ID: id}})
}

// Get implements Directory.
func (m *Memory) Get(id string) (Room, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rooms[id]
	return r, ok
}

// List implements Directory.
func (m *Memory) List() []Room {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sorted()
}

// Subscribe calls fn under the directory's lock with the current list, so that a lobby feed
// can send the list and then follow the changes its notify function receives without a gap.
func (m *Memory) Subscribe(fn func(current []Room)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fn(m.sorted())
}

func (m *Memory) sorted() []Room {
	out := make([]Room, 0, len(m.rooms))
	for _, r := range m.rooms {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Room) int { return strings.Compare(a.ID, b.ID) })
	return out
}
