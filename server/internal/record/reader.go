package record

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"unicode/utf8"

	"skirmish/game"
)

// ErrRecord is wrapped by every error about a record that cannot be read or replayed.
var ErrRecord = errors.New("bad match record")

// Record is a match record read back: its header, its frames, and its end (nil for a record
// whose match was cut off before it ended, e.g. by a crash).
type Record struct {
	Header Header
	Frames []Frame
	End    *End
}

// Frame is one frame of a record between header and end.
type Frame struct {
	Kind Kind
	// Tick is the tick after which a seat change applies, or the first tick of a KindTicks
	// frame.
	Tick  uint32
	Seat  int
	On    bool          // KindActive
	Name  string        // KindPlayer, KindBot
	Seed  uint64        // KindBot
	Level game.BotLevel // KindBot
	// Inputs holds a KindTicks frame's inputs: one list per tick, one input per seat, zero
	// for the seats the record does not hold (a bot's are worked out again by Replay).
	Inputs [][]game.Input
	Checks []uint8 // the check byte after each tick
}

// maxFrame bounds one frame of a record: flushTicks ticks of 8 seats fit many times over.
const maxFrame = 1 << 16

// ReadFile reads the record at path.
func ReadFile(path string) (*Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f)
}

// Read reads a record.
func Read(r io.Reader) (*Record, error) {
	br := bufio.NewReader(r)
	head, _ := br.ReadSlice('\n')
	if err := checkMagic(head); err != nil {
		return nil, err
	}
	line, err := br.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrRecord, err)
	}
	rec := &Record{}
	if err := json.Unmarshal(line, &rec.Header); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrRecord, err)
	}
	seats := rec.Header.Config.Seats
	if seats < game.MinSeats || seats > game.MaxSeats {
		return nil, fmt.Errorf("%w: %d seats", ErrRecord, seats)
	}
	players := make([]bool, seats)
	for n := 1; ; n++ {
		kind, err := br.ReadByte()
		if err == io.EOF {
			return rec, nil
		}
		size, err2 := binary.ReadUvarint(br)
		if err != nil || err2 != nil || size > maxFrame {
			return nil, fmt.Errorf("%w: frame %d: bad length", ErrRecord, n)
		}
		payload := make([]byte, size)
		if _, err := io.ReadFull(br, payload); err != nil {
			return nil, fmt.Errorf("%w: frame %d: %v", ErrRecord, n, errShort)
		}
		if rec.End != nil {
			return nil, fmt.Errorf("%w: frame %d follows the end", ErrRecord, n)
		}
		rd := &reader{b: payload}
		f := Frame{Kind: Kind(kind)}
		switch f.Kind {
		case KindActive, KindPlayer, KindBot, KindIdle:
			f.Tick, f.Seat = rd.u32(), int(rd.uvarint())
			if rd.err == nil && f.Seat >= seats {
				rd.fail("seat %d of %d", f.Seat, seats)
			}
			switch f.Kind {
			case KindActive:
				f.On = rd.byte() == 1
			case KindPlayer:
				f.Name = rd.string()
			case KindBot:
				f.Seed = rd.uvarint()
				level, err := game.ParseBotLevel(rd.string())
				if err != nil {
					rd.fail("%v", err)
				}
				f.Level, f.Name = level, rd.string()
			}
			if rd.err == nil && f.Kind != KindActive {
				players[f.Seat] = f.Kind == KindPlayer
			}
		case KindTicks:
			f.Tick = rd.u32()
			coders := make([]inputCoder, seats)
			for rd.err == nil && len(rd.b) > 0 {
				tick := f.Tick + uint32(len(f.Checks))
				f.Checks = append(f.Checks, rd.byte())
				inputs := make([]game.Input, seats)
				for seat, on := range players {
					if on {
						inputs[seat] = coders[seat].readInput(rd, tick)
					}
				}
				f.Inputs = append(f.Inputs, inputs)
			}
		case kindEnd:
			if size != endLen {
				rd.fail("an end of %d bytes", size)
				break
			}
			rec.End = &End{
				Tick: binary.LittleEndian.Uint32(payload[0:]), Hash: binary.LittleEndian.Uint64(payload[4:]),
				Over: payload[12] == 1, Winner: int(payload[13]) - 1,
			}
			rd.b = nil
		default:
			rd.fail("unknown kind %q", kind)
		}
		if rd.err == nil && len(rd.b) > 0 {
			rd.fail("%d bytes left over", len(rd.b))
		}
		if rd.err != nil {
			return nil, fmt.Errorf("%w: frame %d (%c): %v", ErrRecord, n, kind, rd.err)
		}
		if f.Kind != kindEnd {
			rec.Frames = append(rec.Frames, f)
		}
	}
}

// Finished reports whether the record at path has its end: its match is over, or its room
// closed. It reads the end of the file only.
func Finished(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() < int64(len(magic))+endLen+2 {
		return false
	}
	tail := make([]byte, endLen+2)
	if _, err := f.ReadAt(tail, st.Size()-int64(len(tail))); err != nil {
		return false
	}
	return Kind(tail[0]) == kindEnd && tail[1] == endLen
}

// reader decodes a frame's payload; the first error sticks and later reads return zeros.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
	}
	r.b = nil
}

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.fail("%v", errShort)
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return v
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	return took(r, v, n)
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	return took(r, v, n)
}

// took consumes the n bytes a varint of value v took, or fails for n <= 0 (too few bytes,
// or too many for 64 bits).
func took[T uint64 | int64](r *reader, v T, n int) T {
	if n <= 0 {
		r.fail("%v", errShort)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) u32() uint32 {
	v := r.uvarint()
	if v > math.MaxUint32 {
		r.fail("%d is out of range", v)
	}
	return uint32(v)
}

// aim checks that an aim component is an int16.
func (r *reader) aim(v int64) int16 {
	if v < math.MinInt16 || v > math.MaxInt16 {
		r.fail("aim %d is out of range", v)
	}
	return int16(v)
}

// view checks that a view is a tick: 1 or more (0, no view, has its flag) and a uint32.
func (r *reader) view(v int64) uint32 {
	if v < 1 || v > math.MaxUint32 {
		r.fail("view %d is out of range", v)
	}
	return uint32(v)
}

func (r *reader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail("%v", errShort)
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	if !utf8.ValidString(s) {
		r.fail("a name that is not UTF-8")
	}
	return s
}
