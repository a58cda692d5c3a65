// Package record writes and reads match records. Every match a room plays is written under
// the data directory (matches/ROOM-N.rec) as what replays it exactly, since the simulation
// is deterministic: the match's config and what was fed to every step. A record is small
// (see the numbers in record_size_test.go) because it stores only what cannot be worked
// out again:
//
//   - a bot's inputs are not stored: the record names the bot's seed and level when it takes
//     a seat, and a replay runs the same brain (game.Bot is deterministic);
//   - a player's input is stored as its change from the seat's previous one, in a byte of
//     flags and the fields that changed, so a player who holds still costs a byte a tick;
//   - a check byte after every step (a digest of the ships, the world's counters and the
//     shots' lag) lets a replay name the first tick at which it departs from the match that
//     was played.
//
// # Layout
//
// A record is the line "skirmish record 2" (the format's version; a server reads its own
// only), a line of JSON (Header) and then frames. A frame is a kind byte, the length of its
// payload as a uvarint, and the payload; numbers are uvarints, strings a uvarint length and
// UTF-8 bytes:
//
//	a  after, seat, on (byte 0 or 1)            World.SetActive(seat, on) after tick after
//	p  after, seat, name                        from the next step the seat's inputs are in
//	                                            the record; name is what players saw
//	b  after, seat, seed, level, name           from the next step a fresh game.NewBot(seat,
//	                                            seed, level) drives the seat
//	z  after, seat                              from the next step nobody does (zero inputs)
//	t  first tick, then for each tick from it:  the steps that produced ticks first, first+1, …
//	   the check byte, then the input of each
//	   seat a "p" frame gave, in seat order
//	e  tick (4 bytes), hash (8), over, winner+1 the end: the final tick and World.Hash
//	                                            (little endian), whether the match was over
//	                                            (0 when the room closed mid-match) and the
//	                                            winner's seat plus one (0 for none)
//
// Every seat starts driven by nobody; a "t" frame's inputs start, for every seat, from the
// zero Input, so each frame decodes on its own. An input is a byte of flags and the fields
// they announce, in this order:
//
//	0x01  Seq is 0 (an input repeated for want of a new one)
//	0x02  Seq follows (uvarint), when it is neither 0 nor the seat's previous nonzero Seq + 1
//	0x04  Buttons follow (a byte)
//	0x08  the aim moved by dx, dy in -8..7: one byte (dx+8)<<4 | (dy+8)
//	0x10  the aim moved by more: dx, dy follow as zigzag varints
//	0x20  View is 0: the client did not say what it saw (a repeated input never does)
//	0x40  the view lags one tick more than the seat's last view did
//	0x80  the view lags one tick less
//	0xc0  the view's lag changed by more: the change follows as a zigzag varint
//
// A view's lag is the input's tick (the one its step produced) minus its View, the distance
// lag compensation rewinds (game.Input.View). It stands still while the client's latency
// does, and moves by a tick as it drifts, so a view costs no byte in most ticks. An input
// with none of 0x20, 0x40 and 0x80 lags as much as the seat's last input with a view (0 at
// the start of a frame).
//
// Rooms hand their frames to one writer goroutine about once a second (a "t" frame holds at
// most flushTicks ticks), so a tick never waits on the disk and a match's log never piles up
// in memory; a checkpoint records how many bytes were handed over (Position) and a restored
// room cuts the file back to them and goes on (Writer.Continue), naming every seat's driver
// afresh. The writer keeps the records within a count of finished ones and a total size
// (Options.Keep, Options.MaxSize), deleting the oldest finished first.
package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"skirmish/game"
)

// magic is the first line of every record, with the format's version: 2 since inputs carry
// their view.
const magic = "skirmish record 2\n"

// magicPrefix starts the first line of a record of any version.
const magicPrefix = "skirmish record "

// checkMagic returns nil if line is the first line of a record of this format, and otherwise
// an error that tells a record of another version from a file that is no record.
func checkMagic(line []byte) error {
	if bytes.Equal(line, []byte(magic)) {
		return nil
	}
	if v, ok := bytes.CutPrefix(bytes.TrimSuffix(line, []byte("\n")), []byte(magicPrefix)); ok {
		return fmt.Errorf("%w: a record of format %q, this server reads format %q only", ErrRecord, v, magic[len(magicPrefix):len(magic)-1])
	}
	return fmt.Errorf("%w: not a match record (it must start with %q)", ErrRecord, magic[:len(magic)-1])
}

// Ext is the file name extension of a record.
const Ext = ".rec"

// Header is the JSON line at the top of a record.
type Header struct {
	Room    string      `json:"room"`
	Match   uint64      `json:"match"`
	Map     string      `json:"map"`
	Started time.Time   `json:"started"`
	Config  game.Config `json:"config"`
}

// ID is the match's id: its room and its number in the room ("k3b9xq2m-4").
func (h *Header) ID() string { return MatchID(h.Room, h.Match) }

// End is the end of a record.
type End struct {
	Tick   uint32
	Hash   uint64
	Over   bool // the match ended; false when the room closed mid-match
	Winner int  // the winning seat, -1 for none
}

// Kind is the kind of a frame.
type Kind byte

// The kinds of frame.
const (
	KindActive Kind = 'a'
	KindPlayer Kind = 'p'
	KindBot    Kind = 'b'
	KindIdle   Kind = 'z'
	KindTicks  Kind = 't'
	kindEnd    Kind = 'e'
)

// endLen is the payload length of an end frame, which is fixed so that the end of a file
// tells whether its match is over without reading the rest.
const endLen = 4 + 8 + 1 + 1

// The flags of an input.
const (
	inRepeat   = 0x01
	inSeq      = 0x02
	inButtons  = 0x04
	inAimSmall = 0x08
	inAim      = 0x10
	inNoView   = 0x20
	inLagUp    = 0x40
	inLagDown  = 0x80
	inLag      = inLagUp | inLagDown // both: the lag's change follows
)

// inputCoder holds what a seat's next input is coded against.
type inputCoder struct {
	prev    game.Input
	lastSeq uint32 // the last nonzero Seq
	lastLag int64  // the tick minus the View of the last input with a view
}

// appendInput appends in, the input of the step that produced tick, coded against the seat's
// previous input.
func (c *inputCoder) appendInput(b []byte, tick uint32, in game.Input) []byte {
	var flags byte
	at := len(b)
	b = append(b, 0)
	switch {
	case in.Seq == 0:
		flags |= inRepeat
	case in.Seq != c.lastSeq+1:
		flags |= inSeq
		b = binary.AppendUvarint(b, uint64(in.Seq))
	}
	if in.Buttons != c.prev.Buttons {
		flags |= inButtons
		b = append(b, byte(in.Buttons))
	}
	dx, dy := int64(in.AimX)-int64(c.prev.AimX), int64(in.AimY)-int64(c.prev.AimY)
	switch {
	case dx == 0 && dy == 0:
	case dx >= -8 && dx <= 7 && dy >= -8 && dy <= 7:
		flags |= inAimSmall
		b = append(b, byte(dx+8)<<4|byte(dy+8))
	default:
		flags |= inAim
		b = binary.AppendVarint(b, dx)
		b = binary.AppendVarint(b, dy)
	}
	if in.View == 0 {
		flags |= inNoView
	} else {
		lag := int64(tick) - int64(in.View)
		switch lag - c.lastLag {
		case 0:
		case 1:
			flags |= inLagUp
		case -1:
			flags |= inLagDown
		default:
			flags |= inLag
			b = binary.AppendVarint(b, lag-c.lastLag)
		}
		c.lastLag = lag
	}
	b[at] = flags
	c.see(in)
	return b
}

// readInput decodes an input of the step that produced tick, coded by appendInput, from r.
func (c *inputCoder) readInput(r *reader, tick uint32) game.Input {
	flags := r.byte()
	if flags&inNoView != 0 && flags&inLag != 0 {
		r.fail("input flags %#x: a view that is 0 and moves", flags)
		return game.Input{}
	}
	in := game.Input{Buttons: c.prev.Buttons, AimX: c.prev.AimX, AimY: c.prev.AimY, Seq: c.lastSeq + 1}
	switch {
	case flags&inRepeat != 0:
		in.Seq = 0
	case flags&inSeq != 0:
		in.Seq = r.u32()
	}
	if flags&inButtons != 0 {
		in.Buttons = game.Buttons(r.byte())
	}
	var dx, dy int64
	if flags&inAimSmall != 0 {
		d := r.byte()
		dx, dy = int64(d>>4)-8, int64(d&15)-8
	}
	if flags&inAim != 0 {
		dx, dy = r.varint(), r.varint()
	}
	in.AimX, in.AimY = r.aim(int64(c.prev.AimX)+dx), r.aim(int64(c.prev.AimY)+dy)
	if flags&inNoView == 0 {
		switch flags & inLag {
		case inLagUp:
			c.lastLag++
		case inLagDown:
			c.lastLag--
		case inLag:
			c.lastLag += r.varint()
		}
		in.View = r.view(int64(tick) - c.lastLag)
	}
	c.see(in)
	return in
}

func (c *inputCoder) see(in game.Input) {
	c.prev = in
	if in.Seq != 0 {
		c.lastSeq = in.Seq
	}
}

// check is the check byte of a world after a step: a digest of every ship, of the world's
// counters and of the lag of every shot in flight. Inputs act on the ships first (a move, an
// aim, a shot's cooldown) and on the shots they fire (the lag their view gives them), so an
// input that changes anything changes the check of its own tick, with a chance of 255 in
// 256; it costs far less than World.Hash, which also covers where every shot is.
func check(w *game.World) uint8 {
	h := uint64(14695981039346656037)
	mix := func(v uint64) { h = (h ^ v) * 1099511628211 }
	mix(uint64(w.Tick))
	mix(w.RNG)
	mix(uint64(w.NextProjectileID))
	mix(uint64(len(w.Projectiles)))
	for i := range w.Ships {
		s := &w.Ships[i]
		mix(uint64(uint32(s.Pos.X)) | uint64(uint32(s.Pos.Y))<<32)
		mix(uint64(uint32(s.Vel.X)) | uint64(uint32(s.Vel.Y))<<32)
		mix(uint64(uint8(s.AimX)) | uint64(uint8(s.AimY))<<8 | uint64(uint16(s.Health))<<16 |
			uint64(s.Cooldown)<<32 | uint64(s.RespawnIn)<<48)
		mix(uint64(s.Frags) | uint64(s.Deaths)<<16 | uint64(s.LastSeq)<<32)
		var flags uint64
		if s.Active {
			flags |= 1
		}
		if s.Alive {
			flags |= 2
		}
		mix(flags)
	}
	for i := range w.Projectiles {
		mix(uint64(w.Projectiles[i].Lag))
	}
	return uint8(h ^ h>>8 ^ h>>16 ^ h>>24 ^ h>>32 ^ h>>40 ^ h>>48 ^ h>>56)
}

// errShort is what a reader fails with when the bytes run out.
var errShort = errors.New("cut short")
