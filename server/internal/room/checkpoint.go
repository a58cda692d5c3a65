package room

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/record"
)

// Checkpoints. A room writes its whole state to the data directory
// (checkpoints/ROOM.json) every Config.CheckpointEvery while it runs and once more when the
// server shuts down, so that a restart, even a crash, costs at most a few seconds of play.
// A checkpoint holds the world (with the ships' past that lag compensation rewinds to), the
// seats with their tokens, the life-cycle state, the position of the match record and the
// spectator feed's ids and history. The server restores
// every room from its checkpoint at start: a match in play comes back paused, waiting for its
// players to reconnect with their tokens, and goes on from the tick it was saved at.
//
// The file is a line `skirmish checkpoint VERSION SHA256` and then the JSON, whose digest the
// line carries: a file cut short or damaged is refused (and kept aside), never half read.
// Bots come back with fresh minds; what they remembered does not change what the record
// replays, since the record holds every input.

// checkpointVersion is the version of the checkpoint format this server writes and reads.
const checkpointVersion = 1

const checkpointMagic = "skirmish checkpoint"

// ErrCheckpoint is wrapped by every error about a checkpoint that cannot be restored.
var ErrCheckpoint = errors.New("bad checkpoint")

// FeedStore keeps a room's spectator feed across a restart: its ids and recent discrete
// events, so that a spectator resumes with Last-Event-ID as if nothing happened. Its methods
// are called from the room's ticker.
type FeedStore interface {
	// AppendFeed appends the feed's state as JSON to dst, consistent with every event the
	// room reported; it returns dst as it was if there is no feed.
	AppendFeed(dst []byte, room string) []byte
	// RestoreFeed brings the feed back before the room reports anything. exact says the
	// state was saved last thing before the shutdown; otherwise the feed may have issued ids
	// after it that the restored feed must not reuse.
	RestoreFeed(room string, state json.RawMessage, exact bool) error
}

// worldState is a World as a checkpoint holds it. The ships' past, which lag compensation
// rewinds to (World.Past), is most of a world that keeps one; it goes as [x, y, alive]
// triples rather than objects that name their fields, which are three times the size.
type worldState struct {
	*game.World
	Past [][3]int32 `json:"Past"` // alive is 1 or 0
}

func newWorldState(w *game.World) worldState {
	s := worldState{World: w, Past: make([][3]int32, len(w.Past))}
	for i, g := range w.Past {
		s.Past[i] = [3]int32{g.Pos.X, g.Pos.Y, 0}
		if g.Alive {
			s.Past[i][2] = 1
		}
	}
	return s
}

// restoreWorld decodes a checkpoint's world into w, a new World of its config. A restored
// room must rewind shots to the same past as the saved one, so a past that does not fit the
// rules is refused. A checkpoint written before lag compensation has neither rewind nor past.
func restoreWorld(w *game.World, data json.RawMessage) error {
	s := worldState{World: w}
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("%w: world: %v", ErrCheckpoint, err)
	}
	if want := w.Config.Rewind * w.Config.Seats; len(s.Past) != want || len(w.Past) != want {
		return fmt.Errorf("%w: the ships' past holds %d positions, %d ticks of %d seats are %d",
			ErrCheckpoint, len(s.Past), w.Config.Rewind, w.Config.Seats, want)
	}
	for i, g := range s.Past {
		w.Past[i] = game.Ghost{Pos: game.Vec{X: g[0], Y: g[1]}, Alive: g[2] == 1}
	}
	return nil
}

// checkpoint is a room's state on disk.
type checkpoint struct {
	Version int    `json:"version"`
	Room    string `json:"room"`
	// Final says the checkpoint was written as the server shut down: nothing happened after.
	Final    bool           `json:"final"`
	Saved    time.Time      `json:"saved"`
	BotLevel string         `json:"botLevel"`
	Matches  uint64         `json:"matches"`
	State    protocol.State `json:"state"`
	// StateLeft is what was left of a countdown or of the results.
	StateLeft time.Duration    `json:"stateLeft"`
	World     json.RawMessage  `json:"world"` // game.World without its map, which Map names
	Map       string           `json:"map"`
	Seats     []seatCheckpoint `json:"seats"`
	Lapsed    []string         `json:"lapsed,omitempty"`
	Record    *record.Position `json:"record,omitempty"`
	Feed      json.RawMessage  `json:"feed,omitempty"`
}

// seatCheckpoint is one seat in a checkpoint.
type seatCheckpoint struct {
	Kind  string `json:"kind"` // free, human or bot
	Name  string `json:"name,omitempty"`
	Token string `json:"token,omitempty"`
}

var seatKinds = [...]string{seatFree: "free", seatHuman: "human", seatBot: "bot"}

// checkpointFile is where a room's checkpoint lives, under the data directory.
func checkpointFile(room string) string { return "checkpoints/" + room + ".json" }

// saveCheckpoint hands the room's state to the disk, or in a fleet to the fleet's store. A
// final one (at shutdown) waits for the queue; a periodic one is dropped, and counted, when the
// store is far behind.
func (c *core) saveCheckpoint(now time.Time, final bool) {
	if c.env.records == nil && c.lease == nil {
		return
	}
	data, err := c.checkpoint(now, final)
	if err != nil {
		// The room's own state failed to encode: a bug, and no reason to stop the match.
		c.env.log.Error("checkpoint", "room", c.id, "err", err)
		c.env.metrics.Checkpoints.WithLabelValues("failed").Inc()
		return
	}
	var queued bool
	if c.lease != nil {
		queued = c.lease.Checkpoint(data, final)
	} else {
		queued = c.env.records.Replace(checkpointFile(c.id), data, final)
	}
	if queued {
		c.env.metrics.Checkpoints.WithLabelValues("queued").Inc()
	} else {
		c.env.metrics.Checkpoints.WithLabelValues("dropped").Inc()
	}
}

// checkpoint encodes the room's state as a checkpoint file.
func (c *core) checkpoint(now time.Time, final bool) ([]byte, error) {
	scratch := checkpointScratch.Get().(*bytes.Buffer)
	defer checkpointScratch.Put(scratch)
	scratch.Reset()
	enc := json.NewEncoder(scratch)
	w := *c.world
	w.Map, w.Events = nil, nil
	if err := enc.Encode(newWorldState(&w)); err != nil {
		return nil, err
	}
	worldEnd := scratch.Len()
	cp := checkpoint{
		Version: checkpointVersion, Room: c.id, Final: final, Saved: now.UTC(),
		BotLevel: c.cfg.BotLevel.String(), Matches: c.matches, State: c.state,
		World: scratch.Bytes()[:worldEnd], Map: c.world.Map.Name,
	}
	if !c.stateEnds.IsZero() {
		cp.StateLeft = max(c.stateEnds.Sub(now), 0)
	}
	cp.Seats = make([]seatCheckpoint, 0, len(c.seats))
	for i := range c.seats {
		s := &c.seats[i]
		cp.Seats = append(cp.Seats, seatCheckpoint{Kind: seatKinds[s.kind], Name: s.name, Token: string(s.token)})
	}
	for _, t := range c.lapsed {
		cp.Lapsed = append(cp.Lapsed, string(t))
	}
	c.rec.Flush()
	if pos, ok := c.rec.Position(); ok {
		cp.Record = &pos
		if c.lease != nil {
			offset, data := c.rec.Sent()
			c.lease.Record(pos.File, offset, data)
		}
	}
	if c.env.feeds != nil {
		// Into the scratch too, after the world; cp keeps both parts as they are while
		// encoding it grows the scratch, which may move it.
		feedStart := scratch.Len()
		scratch.Write(c.env.feeds.AppendFeed(scratch.AvailableBuffer(), c.id))
		if scratch.Len() > feedStart {
			cp.Feed = scratch.Bytes()[feedStart:]
		}
	}
	cpStart := scratch.Len()
	if err := enc.Encode(&cp); err != nil {
		return nil, err
	}
	body := bytes.TrimSuffix(scratch.Bytes()[cpStart:], []byte("\n"))
	sum := sha256.Sum256(body)
	out := make([]byte, 0, len(checkpointMagic)+80+len(body))
	out = fmt.Appendf(out, "%s %d %x\n", checkpointMagic, checkpointVersion, sum)
	return append(out, body...), nil
}

// checkpointScratch holds the buffers checkpoints are encoded in, shared by every room: a
// room checkpoints every few seconds, and encoding each part into a fresh slice made
// checkpoints most of what the server allocated (32 of 54 MB in a profile of 250 rooms),
// which the collector then had to clear.
var checkpointScratch = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readCheckpoint decodes a checkpoint file, refusing anything damaged or of another version.
func readCheckpoint(data []byte) (*checkpoint, error) {
	head, body, ok := bytes.Cut(data, []byte("\n"))
	var version int
	var digest string
	if !ok {
		return nil, fmt.Errorf("%w: no header line", ErrCheckpoint)
	}
	if _, err := fmt.Sscanf(string(head), checkpointMagic+" %d %s", &version, &digest); err != nil {
		return nil, fmt.Errorf("%w: header %q", ErrCheckpoint, head)
	}
	if version != checkpointVersion {
		return nil, fmt.Errorf("%w: version %d, this server reads %d", ErrCheckpoint, version, checkpointVersion)
	}
	sum := sha256.Sum256(body)
	if digest != hex.EncodeToString(sum[:]) {
		return nil, fmt.Errorf("%w: the content does not match its digest (cut short or damaged)", ErrCheckpoint)
	}
	var cp checkpoint
	if err := json.Unmarshal(body, &cp); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	return &cp, nil
}

// restoreCore rebuilds a room from its checkpoint, under lease in a fleet (nil outside one).
// A match that was in play comes back paused, every player awaited for the grace period from
// now; a room waiting for players or showing results comes back as it was.
func restoreCore(cp *checkpoint, cfg Config, e env, now time.Time, lease Lease) (*core, error) {
	mp, err := game.LoadMap(cp.Map)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	var wc struct{ Config game.Config }
	if err := json.Unmarshal(cp.World, &wc); err != nil {
		return nil, fmt.Errorf("%w: world: %v", ErrCheckpoint, err)
	}
	if err := wc.Config.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	world := game.NewWorld(wc.Config, mp)
	if err := restoreWorld(world, cp.World); err != nil {
		return nil, err
	}
	world.Map = mp
	if len(world.Ships) != wc.Config.Seats || len(cp.Seats) != wc.Config.Seats {
		return nil, fmt.Errorf("%w: %d ships and %d seats for %d", ErrCheckpoint, len(world.Ships), len(cp.Seats), wc.Config.Seats)
	}
	level, err := game.ParseBotLevel(cp.BotLevel)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	cfg.TickRate, cfg.Map, cfg.FragLimit, cfg.TimeLimit, cfg.BotLevel =
		wc.Config.TickRate, cp.Map, wc.Config.FragLimit, wc.Config.TimeLimit, level
	c := &core{
		id: cp.Room, cfg: cfg, env: e, world: world, matches: cp.Matches,
		seats: make([]seat, len(cp.Seats)), inputs: make([]game.Input, len(cp.Seats)),
		idleSince: now, lease: lease,
	}
	c.fan.init()
	for i, sc := range cp.Seats {
		s := &c.seats[i]
		s.name = sc.Name
		if sc.Token != "" {
			s.token = []byte(sc.Token)
		}
		switch sc.Kind {
		case "free":
		case "human":
			if s.token == nil {
				return nil, fmt.Errorf("%w: seat %d holds a player without a token", ErrCheckpoint, i)
			}
			s.kind, s.lost = seatHuman, now
		case "bot":
			s.kind, s.bot = seatBot, c.newBot(i)
		default:
			return nil, fmt.Errorf("%w: seat %d is %q", ErrCheckpoint, i, sc.Kind)
		}
	}
	for _, t := range cp.Lapsed {
		c.lapsed = append(c.lapsed, []byte(t))
	}
	if cp.Record != nil {
		rec, err := e.records.Continue(*cp.Record, len(c.seats))
		if err != nil {
			e.log.Warn("the restored match goes on without its record", "room", c.id, "err", err)
		}
		c.setRecord(rec)
	}
	if e.feeds != nil && cp.Feed != nil {
		if err := e.feeds.RestoreFeed(c.id, cp.Feed, cp.Final); err != nil {
			e.log.Warn("the restored room's spectator feed starts afresh", "room", c.id, "err", err)
		}
	}
	switch c.state = cp.State; c.state {
	case protocol.StateCountdown, protocol.StateRunning, protocol.StatePaused:
		c.state = protocol.StatePaused
		if !c.anyAwaited() {
			c.state, c.stateEnds = protocol.StateCountdown, now.Add(c.cfg.Countdown)
		}
	case protocol.StateEnded:
		c.stateEnds = now.Add(cp.StateLeft)
	case protocol.StateWaiting:
	default:
		return nil, fmt.Errorf("%w: state %d", ErrCheckpoint, cp.State)
	}
	c.setKind()
	e.metrics.Rooms.WithLabelValues(c.state.String()).Inc()
	c.changed(now)
	return c, nil
}

// Restore brings back every room whose checkpoint is in the data directory, as the server
// starts, and returns how many it restored. A checkpoint that cannot be restored is logged,
// moved to checkpoints/refused/ for inspection, and skipped: the server starts anyway.
func (m *Manager) Restore() int {
	w := m.env.records
	if w == nil {
		return 0
	}
	// A restored room continues its match's record: only once every one is known may the
	// oldest records be deleted to keep within the size bound.
	defer w.Retain()
	dir := filepath.Join(w.Dir(), "checkpoints")
	entries, err := os.ReadDir(dir)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			m.log.Error("reading checkpoints", "err", err)
		}
		return 0
	}
	restored := 0
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || filepath.Ext(name) != ".json" {
			continue
		}
		path := filepath.Join(dir, name)
		if err := m.restoreFile(path); err != nil {
			m.env.metrics.Restored.WithLabelValues("refused").Inc()
			aside := filepath.Join(dir, "refused", name)
			if mkErr := os.MkdirAll(filepath.Dir(aside), 0o700); mkErr == nil {
				_ = os.Rename(path, aside)
			}
			m.log.Error("checkpoint refused: the room is not restored", "file", path, "kept_at", aside, "err", err)
			continue
		}
		m.env.metrics.Restored.WithLabelValues("restored").Inc()
		restored++
	}
	return restored
}

func (m *Manager) restoreFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	cp, err := readCheckpoint(data)
	if err != nil {
		return err
	}
	if want := strings.TrimSuffix(filepath.Base(path), ".json"); cp.Room != want {
		return fmt.Errorf("%w: room %q in the file of room %q", ErrCheckpoint, cp.Room, want)
	}
	now := time.Now()
	c, err := restoreCore(cp, m.cfg, m.env, now, nil)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rooms[c.id] != nil {
		return fmt.Errorf("%w: room %s is already open", ErrCheckpoint, c.id)
	}
	// Logged before launch: from then on the core is its ticker's alone.
	m.log.Info("room restored", "room", c.id, "state", c.state.String(), "tick", c.world.Tick,
		"players_awaited", len(c.missing()), "exact", cp.Final, "saved", cp.Saved)
	m.launch(newRoom(c, m.cfg.MaxBacklog), now)
	return nil
}
