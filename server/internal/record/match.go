package record

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"skirmish/game"
)

// Match is one match's record being written. A nil *Match records nothing, so that a room
// need not ask whether records are on.
type Match struct {
	w      *Writer
	path   string
	buf    []byte // frames not yet handed to the writer
	ended  bool
	queued int64 // bytes handed to the writer so far: the record's length once written
	lost   bool  // a piece was dropped: the record has a gap and cannot be replayed

	// travel keeps what is handed to the writer until Sent takes it; sentAt is the record's
	// length before the first piece kept.
	travel bool
	sent   [][]byte
	sentAt int64

	players []bool // the seats whose inputs the record holds
	ticks   []byte // the payload of the open "t" frame
	nticks  int    // ticks in it
	coders  []inputCoder
}

// flushTicks is how many ticks a "t" frame holds at most: about a second.
const flushTicks = 32

// Begin starts the record of a room's match on world at the time started (nil when w is
// nil). Its file appears with the first step or Flush; a match that never stepped leaves
// none once it ends.
func (w *Writer) Begin(room string, match uint64, world *game.World, started time.Time) *Match {
	if w == nil {
		return nil
	}
	h := Header{Room: room, Match: match, Map: world.Map.Name, Started: started.UTC().Truncate(time.Second), Config: world.Config}
	b, err := json.Marshal(&h)
	if err != nil {
		panic(err) // plain data always encodes
	}
	l := newMatch(w, Path(w.dir, h.ID()), len(world.Ships))
	l.buf = append(append(append(l.buf, magic...), b...), '\n')
	return l
}

func newMatch(w *Writer, path string, seats int) *Match {
	return &Match{w: w, path: path, players: make([]bool, seats), coders: make([]inputCoder, seats)}
}

// SetActive records a World.SetActive call made after tick.
func (l *Match) SetActive(tick uint32, seat int, on bool) {
	if l == nil {
		return
	}
	v := byte(0)
	if on {
		v = 1
	}
	l.frame(KindActive, append(seatPayload(tick, seat), v))
}

// Player records that from the step after tick the seat's inputs come from the player
// called name, and are to be stored.
func (l *Match) Player(tick uint32, seat int, name string) {
	if l == nil {
		return
	}
	l.players[seat] = true
	l.frame(KindPlayer, appendString(seatPayload(tick, seat), name))
}

// Bot records that from the step after tick a fresh game.NewBot(seat, seed, level) drives
// the seat; name is what players saw.
func (l *Match) Bot(tick uint32, seat int, seed uint64, level game.BotLevel, name string) {
	if l == nil {
		return
	}
	l.players[seat] = false
	p := binary.AppendUvarint(seatPayload(tick, seat), seed)
	l.frame(KindBot, appendString(appendString(p, level.String()), name))
}

// Idle records that from the step after tick nobody drives the seat.
func (l *Match) Idle(tick uint32, seat int) {
	if l == nil {
		return
	}
	l.players[seat] = false
	l.frame(KindIdle, seatPayload(tick, seat))
}

func seatPayload(tick uint32, seat int) []byte {
	return binary.AppendUvarint(binary.AppendUvarint(nil, uint64(tick)), uint64(seat))
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// Step records the step that produced w from inputs, one per seat.
func (l *Match) Step(w *game.World, inputs []game.Input) {
	if l == nil || l.ended {
		return
	}
	if l.step(w.Tick, check(w), inputs) {
		l.flush(false)
	}
}

// step appends the tick's check byte and inputs to the open "t" frame, and reports whether
// that filled the frame, which it then closes.
func (l *Match) step(tick uint32, check uint8, inputs []game.Input) bool {
	if l.nticks == 0 {
		l.ticks = binary.AppendUvarint(l.ticks[:0], uint64(tick))
		clear(l.coders)
	}
	l.ticks = append(l.ticks, check)
	for seat, in := range inputs {
		if l.players[seat] {
			l.ticks = l.coders[seat].appendInput(l.ticks, tick, in)
		}
	}
	l.nticks++
	if l.nticks < flushTicks {
		return false
	}
	l.endTicks()
	return true
}

// frame appends a frame after the open "t" frame, which it closes.
func (l *Match) frame(kind Kind, payload []byte) {
	l.endTicks()
	l.appendFrame(kind, payload)
}

func (l *Match) appendFrame(kind Kind, payload []byte) {
	l.buf = append(binary.AppendUvarint(append(l.buf, byte(kind)), uint64(len(payload))), payload...)
}

func (l *Match) endTicks() {
	if l.nticks > 0 {
		l.appendFrame(KindTicks, l.ticks)
		l.nticks = 0
	}
}

// End closes the record with the final tick and hash of w, which makes it one of the
// finished records the writer keeps within its limits. A match that never stepped leaves no
// record.
func (l *Match) End(w *game.World) {
	if l == nil || l.ended {
		return
	}
	l.ended = true
	if w.Tick == 0 {
		if l.queued > 0 {
			l.w.jobs <- job{path: l.path, remove: true}
		}
		return
	}
	l.end(End{Tick: w.Tick, Hash: w.Hash(), Over: w.Over, Winner: w.Winner})
	l.flush(true)
}

func (l *Match) end(e End) {
	var p [endLen]byte
	binary.LittleEndian.PutUint32(p[0:], e.Tick)
	binary.LittleEndian.PutUint64(p[4:], e.Hash)
	if e.Over {
		p[12] = 1
	}
	p[13] = byte(e.Winner + 1)
	l.frame(kindEnd, p[:])
}

// Encode returns the bytes of rec as a record file holds them, as the writer would have
// written them: a record read back, changed and encoded again is what tools and tests that
// edit records use.
func (rec *Record) Encode() ([]byte, error) {
	h, err := json.Marshal(&rec.Header)
	if err != nil {
		return nil, err
	}
	l := newMatch(nil, "", rec.Header.Config.Seats)
	l.buf = append(append(append(l.buf, magic...), h...), '\n')
	for _, f := range rec.Frames {
		if f.Seat < 0 || f.Seat >= len(l.players) {
			return nil, fmt.Errorf("%w: seat %d of %d", ErrRecord, f.Seat, len(l.players))
		}
		switch f.Kind {
		case KindActive:
			l.SetActive(f.Tick, f.Seat, f.On)
		case KindPlayer:
			l.Player(f.Tick, f.Seat, f.Name)
		case KindBot:
			l.Bot(f.Tick, f.Seat, f.Seed, f.Level, f.Name)
		case KindIdle:
			l.Idle(f.Tick, f.Seat)
		case KindTicks:
			l.endTicks()
			for i, in := range f.Inputs {
				l.step(f.Tick+uint32(i), f.Checks[i], in)
			}
		}
	}
	l.endTicks()
	if rec.End != nil {
		l.end(*rec.End)
	}
	return l.buf, nil
}

// Flush closes the open "t" frame and hands what is buffered to the writer, so that the
// record's length counts every tick stepped so far.
func (l *Match) Flush() {
	if l != nil && !l.ended {
		l.endTicks()
		l.flush(false)
	}
}

// flush hands the buffered frames to the writer, the record's last ones if last; if it is
// far behind, the record loses them rather than the room waiting, and is marked as lost (and
// the loss counted).
func (l *Match) flush(last bool) {
	if len(l.buf) == 0 {
		return
	}
	select {
	case l.w.jobs <- job{path: l.path, data: l.buf, last: last}:
		l.queued += int64(len(l.buf))
		if l.travel {
			l.sent = append(l.sent, l.buf) // the writer only reads it
		}
		l.buf = nil
	default:
		l.lost = true
		l.buf = l.buf[:0]
		l.w.failed("behind", nil)
	}
}

// Position is how far a match's record has been written: enough to continue it after a
// restart (Writer.Continue) from exactly the tick it had reached.
type Position struct {
	File  string `json:"file"` // under the data directory
	Bytes int64  `json:"bytes"`
}

// Position returns where the record stands once everything handed over is written; ok is
// false when there is no record to continue (records are off, or the record lost a piece).
// Flush first: what is buffered is not counted.
func (l *Match) Position() (Position, bool) {
	if l == nil || l.lost || l.queued == 0 {
		return Position{}, false
	}
	rel, err := filepath.Rel(l.w.dir, l.path)
	if err != nil {
		return Position{}, false
	}
	return Position{File: rel, Bytes: l.queued}, true
}

// Travel makes the record keep what it hands to the writer until Sent takes it, so that the
// record can go along with its room's checkpoints to another node of a fleet.
func (l *Match) Travel() {
	if l != nil {
		l.travel, l.sentAt = true, l.queued
	}
}

// Sent returns what the record handed to the writer since Travel or the last Sent: its
// bytes from offset on.
func (l *Match) Sent() (offset int64, data []byte) {
	if l == nil {
		return 0, nil
	}
	offset = l.sentAt
	data = slices.Concat(l.sent...)
	clear(l.sent)
	l.sent = l.sent[:0]
	l.sentAt += int64(len(data))
	return offset, data
}

// Import writes data as the first bytes of the record at p, as another node wrote them, so
// that Continue can go on from p here.
func (w *Writer) Import(p Position, data []byte) error {
	if int64(len(data)) < p.Bytes {
		return fmt.Errorf("import record %s: %d bytes, the checkpoint counts %d", p.File, len(data), p.Bytes)
	}
	if err := checkMagic(data[:min(len(data), len(magic))]); err != nil {
		return fmt.Errorf("import record %s: %w", p.File, err)
	}
	return replaceFile(w.path(p), data[:p.Bytes])
}

// path is where the record at p lies under the data directory, wherever p points.
func (w *Writer) path(p Position) string {
	return filepath.Join(w.dir, filepath.Clean("/"+p.File))
}

// Continue reopens a match's record at p: the file is cut back to p.Bytes (dropping what a
// crash left after the checkpoint) and further steps append to it; the room names every
// seat's driver again before its next step. A record that is shorter than p, gone, or of
// another format cannot continue: the match then goes on without one.
func (w *Writer) Continue(p Position, seats int) (*Match, error) {
	if w == nil {
		return nil, nil
	}
	path := w.path(p)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("continue record: %w", err)
	}
	head := make([]byte, len(magic))
	n, _ := f.ReadAt(head, 0)
	st, statErr := f.Stat()
	f.Close()
	switch err := checkMagic(head[:n]); {
	case err != nil:
		return nil, fmt.Errorf("continue record %s: %w", p.File, err)
	case statErr != nil:
		return nil, fmt.Errorf("continue record: %w", statErr)
	case st.Size() < p.Bytes:
		return nil, fmt.Errorf("continue record %s: %d bytes on disk, the checkpoint counts %d", p.File, st.Size(), p.Bytes)
	}
	if err := os.Truncate(path, p.Bytes); err != nil {
		return nil, fmt.Errorf("continue record: %w", err)
	}
	l := newMatch(w, path, seats)
	l.queued, l.ended = p.Bytes, Finished(path)
	w.jobs <- job{path: path, resumed: true, last: l.ended}
	return l, nil
}
