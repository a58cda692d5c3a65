package protocol

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on the strings of messages.
const (
	// MaxName is the longest player name, in characters (runes).
	MaxName = 16
	// MaxRoom is the longest room id, in bytes.
	MaxRoom = 64
	// TokenLen is the length of a session token: hexadecimal digits.
	TokenLen = 32
	// maxText bounds every other string a server message carries.
	maxText = 1024
)

// Each message encodes as the array PROTOCOL.md documents, and decodes from the n elements
// of that array that follow the type tag, ignoring any elements past the ones it knows.

func (m *Hello) encode(w *writer) {
	w.array(5)
	w.int(int64(TypeHello))
	w.int(int64(m.Version))
	w.str("hello name", m.Name, MaxName*utf8.UTFMax)
	w.str("hello room", m.Room, MaxRoom)
	w.str("hello token", m.Token, TokenLen)
}

func (m *Hello) decode(p *parser, n int) error {
	if err := p.fields("hello", n, 1); err != nil {
		return err
	}
	v, err := p.int("hello version", math.MinInt64, math.MaxInt64)
	if err != nil {
		return err
	}
	// Nothing after the version is known to have the same shape in another version.
	if v != Version {
		return wrapf(ErrVersion, "hello version %d, want %d", v, Version)
	}
	if err := p.fields("hello", n, 4); err != nil {
		return err
	}
	raw, err := p.bytes("hello name", MaxClientMessage)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(string(raw))
	if err := checkName(name); err != nil {
		return err
	}
	room, err := p.bytes("hello room", MaxRoom)
	if err != nil {
		return err
	}
	token, err := p.bytes("hello token", MaxClientMessage)
	if err != nil {
		return err
	}
	if !validToken(token) {
		return wrapf(ErrBadToken, "token of %d bytes: want empty or %d hex digits", len(token), TokenLen)
	}
	m.Version = Version
	m.Name = name
	m.Room = string(room)
	m.Token = string(token)
	return p.rest("hello", n-4)
}

// checkName accepts a trimmed name of 1..MaxName printable characters.
func checkName(name string) error {
	if !utf8.ValidString(name) {
		return wrapf(ErrBadName, "name is not UTF-8")
	}
	count := utf8.RuneCountInString(name)
	if count == 0 || count > MaxName {
		return wrapf(ErrBadName, "name of %d characters: want 1 to %d", count, MaxName)
	}
	for _, r := range name {
		if !unicode.IsGraphic(r) {
			return wrapf(ErrBadName, "name holds the unprintable character %U", r)
		}
	}
	return nil
}

func validToken(t []byte) bool {
	if len(t) == 0 {
		return true
	}
	if len(t) != TokenLen {
		return false
	}
	for _, c := range t {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// buttonsMask holds every Input.Buttons bit the game knows.
const buttonsMask = 1<<5 - 1

func (m *Input) encode(w *writer) {
	w.array(6)
	w.int(int64(TypeInput))
	w.int(int64(m.Seq))
	w.int(int64(m.Buttons))
	w.int(int64(m.AimX))
	w.int(int64(m.AimY))
	w.int(int64(m.View))
}

func (m *Input) decode(p *parser, n int) error {
	if err := p.fields("input", n, 4); err != nil {
		return err
	}
	seq, err := p.int("input seq", 1, math.MaxUint32)
	if err != nil {
		return err
	}
	buttons, err := p.int("input buttons", 0, buttonsMask)
	if err != nil {
		return err
	}
	x, err := p.int("input aimX", math.MinInt16, math.MaxInt16)
	if err != nil {
		return err
	}
	y, err := p.int("input aimY", math.MinInt16, math.MaxInt16)
	if err != nil {
		return err
	}
	*m = Input{Seq: uint32(seq), Buttons: uint8(buttons), AimX: int16(x), AimY: int16(y)}
	// The view came with a later revision of version 1: a client without it is not
	// compensated for its lag.
	if n == 4 {
		return nil
	}
	view, err := p.int("input view", 0, math.MaxUint32)
	if err != nil {
		return err
	}
	m.View = uint32(view)
	return p.rest("input", n-5)
}

func (m *Ping) encode(w *writer) {
	w.array(2)
	w.int(int64(TypePing))
	w.int(m.ClientTime)
}

func (m *Ping) decode(p *parser, n int) error {
	if err := p.fields("ping", n, 1); err != nil {
		return err
	}
	t, err := p.int("ping clientTime", math.MinInt64, math.MaxInt64)
	if err != nil {
		return err
	}
	m.ClientTime = t
	return p.rest("ping", n-1)
}

func (m *Bye) encode(w *writer) {
	w.array(1)
	w.int(int64(TypeBye))
}

func (m *Bye) decode(p *parser, n int) error { return p.rest("bye", n) }

func (m *Start) encode(w *writer) {
	w.array(1)
	w.int(int64(TypeStart))
}

func (m *Start) decode(p *parser, n int) error { return p.rest("start", n) }

func (m *Welcome) encode(w *writer) {
	w.array(9)
	w.int(int64(TypeWelcome))
	w.int(int64(m.Seat))
	w.str("welcome token", m.Token, maxText)
	w.int(int64(m.TickRate))
	w.str("welcome map", m.Map, maxText)
	w.int(int64(m.Seats))
	w.str("welcome room", m.Room, MaxRoom)
	w.int(int64(m.FragLimit))
	w.int(int64(m.TimeLimit))
}

func (m *Welcome) decode(p *parser, n int) (err error) {
	if err := p.fields("welcome", n, 8); err != nil {
		return err
	}
	var seat, tickRate, seats, fragLimit, timeLimit int64
	if seat, err = p.int("welcome seat", 0, math.MaxUint8); err != nil {
		return err
	}
	if m.Token, err = p.str("welcome token", maxText); err != nil {
		return err
	}
	if tickRate, err = p.int("welcome tickRate", 1, math.MaxUint16); err != nil {
		return err
	}
	if m.Map, err = p.str("welcome map", maxText); err != nil {
		return err
	}
	if seats, err = p.int("welcome seats", 1, math.MaxUint8+1); err != nil {
		return err
	}
	if m.Room, err = p.str("welcome room", MaxRoom); err != nil {
		return err
	}
	if fragLimit, err = p.int("welcome fragLimit", 0, math.MaxInt32); err != nil {
		return err
	}
	if timeLimit, err = p.int("welcome timeLimit", 0, math.MaxInt32); err != nil {
		return err
	}
	m.Seat, m.TickRate, m.Seats = int(seat), int(tickRate), int(seats)
	m.FragLimit, m.TimeLimit = int(fragLimit), int(timeLimit)
	return p.rest("welcome", n-8)
}

func (m *Snapshot) encode(w *writer) {
	w.array(5)
	w.int(int64(TypeSnapshot))
	w.int(int64(m.Tick))
	w.state(m.State)
	w.array(len(m.Ships))
	for i := range m.Ships {
		w.ints(m.Ships[i][:])
	}
	w.array(len(m.Projectiles))
	for i := range m.Projectiles {
		w.ints(m.Projectiles[i][:])
	}
}

func (m *Snapshot) decode(p *parser, n int) (err error) {
	if err := p.fields("snapshot", n, 4); err != nil {
		return err
	}
	if m.Tick, err = p.tick("snapshot tick"); err != nil {
		return err
	}
	if m.State, err = p.state("snapshot state"); err != nil {
		return err
	}
	if m.Ships, err = p.ships("snapshot ships", m.Ships[:0]); err != nil {
		return err
	}
	for i := range m.Ships {
		if m.Ships[i][ShipSeat] != int64(i) {
			return p.errorf("snapshot ships: record %d is for seat %d", i, m.Ships[i][ShipSeat])
		}
	}
	if m.Projectiles, err = p.projectiles("snapshot projectiles", m.Projectiles[:0]); err != nil {
		return err
	}
	return p.rest("snapshot", n-4)
}

func (m *Delta) encode(w *writer) {
	w.array(7)
	w.int(int64(TypeDelta))
	w.int(int64(m.Tick))
	w.int(int64(m.BaseTick))
	w.state(m.State)
	w.array(len(m.Ships))
	for i := range m.Ships {
		w.shipChange(&m.Ships[i])
	}
	w.array(len(m.Spawned))
	for i := range m.Spawned {
		w.ints(m.Spawned[i][:])
	}
	w.array(len(m.Removed))
	for _, id := range m.Removed {
		w.int(int64(id))
	}
}

func (m *Delta) decode(p *parser, n int) (err error) {
	if err := p.fields("delta", n, 6); err != nil {
		return err
	}
	if m.Tick, err = p.tick("delta tick"); err != nil {
		return err
	}
	if m.BaseTick, err = p.tick("delta baseTick"); err != nil {
		return err
	}
	if m.BaseTick+1 != m.Tick || m.Tick == 0 {
		return p.errorf("delta: base tick %d is not tick %d - 1", m.BaseTick, m.Tick)
	}
	if m.State, err = p.state("delta state"); err != nil {
		return err
	}
	if m.Ships, err = p.shipChanges(m.Ships[:0]); err != nil {
		return err
	}
	if m.Spawned, err = p.projectiles("delta spawned", m.Spawned[:0]); err != nil {
		return err
	}
	k, err := p.arrayLen("delta removed")
	if err != nil {
		return err
	}
	m.Removed = m.Removed[:0]
	for range k {
		id, err := p.int("delta removed id", 0, math.MaxUint32)
		if err != nil {
			return err
		}
		if len(m.Removed) > 0 && uint32(id) <= m.Removed[len(m.Removed)-1] {
			return p.errorf("delta removed: ids not in ascending order")
		}
		m.Removed = append(m.Removed, uint32(id))
	}
	return p.rest("delta", n-6)
}

func (p *parser) tick(what string) (uint32, error) {
	v, err := p.int(what, 0, math.MaxUint32)
	return uint32(v), err
}

func (p *parser) state(what string) (State, error) {
	v, err := p.int(what, int64(StateWaiting), int64(StateEnded))
	return State(v), err
}

// ships reads an array of ship records.
func (p *parser) ships(what string, dst []ShipRecord) ([]ShipRecord, error) {
	k, err := p.arrayLen(what)
	if err != nil {
		return dst, err
	}
	for range k {
		var r ShipRecord
		if err := p.record(what, r[:], shipSpans[:]); err != nil {
			return dst, err
		}
		dst = append(dst, r)
	}
	return dst, nil
}

// shipMaskAll is the mask of a delta ship entry that changes every field.
const shipMaskAll = 1<<(ShipFields-1) - 1

// shipChange writes a delta's ship entry [seat, mask, changes...]: bit f-1 of mask says field f
// changed, and the nonzero changes follow in field order. An entry that changes nothing is
// an error, since decoders refuse an empty mask.
func (w *writer) shipChange(e *ShipRecord) {
	var mask int64
	n := 0
	for f := ShipSeat + 1; f < ShipFields; f++ {
		if e[f] != 0 {
			mask |= 1 << (f - 1)
			n++
		}
	}
	if mask == 0 && w.err == nil {
		w.err = fmt.Errorf("encoding delta: the entry for seat %d changes nothing", e[ShipSeat])
	}
	// One growth for the whole entry, then writes by index as writer.ints does.
	b := slices.Grow(w.b, 1+9*(2+n))
	k := len(b)
	b = b[:cap(b)]
	b[k] = 0x90 | byte(2+n) // a fixarray: at most 15 elements
	k = putInt(b, k+1, e[ShipSeat])
	k = putInt(b, k, mask)
	for f := ShipSeat + 1; f < ShipFields; f++ {
		if e[f] != 0 {
			k = putInt(b, k, e[f])
		}
	}
	w.b = b[:k]
}

// shipChanges reads a delta's ship entries in ascending seat order, each [seat, mask,
// changes...], into records holding the seat and every field's change (zero where the mask
// bit is clear). The form is canonical, so that any accepted delta re-encodes to the same
// bytes: exactly one change per mask bit, and none of them zero.
func (p *parser) shipChanges(dst []ShipRecord) ([]ShipRecord, error) {
	k, err := p.arrayLen("delta ships")
	if err != nil {
		return dst, err
	}
	for range k {
		n, err := p.arrayLen("delta ship")
		if err != nil {
			return dst, err
		}
		if err := p.fields("delta ship", n, 2); err != nil {
			return dst, err
		}
		var e ShipRecord
		if e[ShipSeat], err = p.int("delta ship seat", spanU8.lo, spanU8.hi); err != nil {
			return dst, err
		}
		if len(dst) > 0 && e[ShipSeat] <= dst[len(dst)-1][ShipSeat] {
			return dst, p.errorf("delta ships: seats not in ascending order")
		}
		mask, err := p.int("delta ship mask", 1, shipMaskAll)
		if err != nil {
			return dst, err
		}
		if want := 2 + bits.OnesCount64(uint64(mask)); n != want {
			return dst, p.errorf("delta ship for seat %d: %d elements, mask %#x wants %d", e[ShipSeat], n, mask, want)
		}
		for f := ShipSeat + 1; f < ShipFields; f++ {
			if mask&(1<<(f-1)) == 0 {
				continue
			}
			if e[f], err = p.int("delta ship change", shipDiffSpans[f].lo, shipDiffSpans[f].hi); err != nil {
				return dst, err
			}
			if e[f] == 0 {
				return dst, p.errorf("delta ship for seat %d: field %d marked changed by 0", e[ShipSeat], f)
			}
		}
		dst = append(dst, e)
	}
	return dst, nil
}

// projectiles reads an array of projectile records in ascending id order.
func (p *parser) projectiles(what string, dst []ProjectileRecord) ([]ProjectileRecord, error) {
	k, err := p.arrayLen(what)
	if err != nil {
		return dst, err
	}
	for range k {
		var r ProjectileRecord
		if err := p.record(what, r[:], projSpans[:]); err != nil {
			return dst, err
		}
		if len(dst) > 0 && r[ProjID] <= dst[len(dst)-1][ProjID] {
			return dst, p.errorf("%s: ids not in ascending order", what)
		}
		dst = append(dst, r)
	}
	return dst, nil
}

// record reads one record array into rec, checking each field against its span.
func (p *parser) record(what string, rec []int64, spans []span) error {
	n, err := p.arrayLen(what)
	if err != nil {
		return err
	}
	if err := p.fields(what, n, len(rec)); err != nil {
		return err
	}
	for i := range rec {
		if rec[i], err = p.int(what, spans[i].lo, spans[i].hi); err != nil {
			return err
		}
	}
	return p.rest(what, n-len(rec))
}

func (m *Events) encode(w *writer) {
	w.array(2)
	w.int(int64(TypeEvents))
	w.array(len(m.List))
	for i := range m.List {
		e := &m.List[i]
		w.array(5)
		w.int(int64(e.Kind))
		w.int(int64(e.Tick))
		w.int(int64(e.A))
		w.int(int64(e.B))
		w.str("event text", e.Text, maxText)
	}
}

func (m *Events) decode(p *parser, n int) error {
	if err := p.fields("events", n, 1); err != nil {
		return err
	}
	k, err := p.arrayLen("events list")
	if err != nil {
		return err
	}
	m.List = m.List[:0]
	for range k {
		var e Event
		if err := e.decode(p); err != nil {
			return err
		}
		m.List = append(m.List, e)
	}
	return p.rest("events", n-1)
}

// decode reads one event. Unknown kinds are accepted so that a client can skip events a later
// server version adds.
func (e *Event) decode(p *parser) error {
	n, err := p.arrayLen("event")
	if err != nil {
		return err
	}
	if err := p.fields("event", n, 5); err != nil {
		return err
	}
	kind, err := p.int("event kind", 1, math.MaxUint8)
	if err != nil {
		return err
	}
	tick, err := p.tick("event tick")
	if err != nil {
		return err
	}
	a, err := p.int("event a", math.MinInt32, math.MaxInt32)
	if err != nil {
		return err
	}
	b, err := p.int("event b", math.MinInt32, math.MaxInt32)
	if err != nil {
		return err
	}
	text, err := p.str("event text", maxText)
	if err != nil {
		return err
	}
	*e = Event{Kind: EventKind(kind), Tick: tick, A: int(a), B: int(b), Text: text}
	return p.rest("event", n-5)
}

func (m *Status) encode(w *writer) {
	w.array(6)
	w.int(int64(TypeStatus))
	w.state(m.State)
	w.int(m.StateEnds)
	w.array(len(m.Players))
	for i := range m.Players {
		pl := &m.Players[i]
		w.array(6)
		w.int(int64(pl.Seat))
		w.str("player name", pl.Name, maxText)
		w.bool(pl.Bot)
		w.bool(pl.Connected)
		w.int(int64(pl.Frags))
		w.int(int64(pl.Deaths))
	}
	w.array(len(m.Missing))
	for _, seat := range m.Missing {
		w.int(int64(seat))
	}
	w.array(len(m.Results))
	for _, r := range m.Results {
		w.array(3)
		w.int(int64(r.Seat))
		w.int(int64(r.Frags))
		w.int(int64(r.Deaths))
	}
}

func (m *Status) decode(p *parser, n int) (err error) {
	if err := p.fields("status", n, 5); err != nil {
		return err
	}
	if m.State, err = p.state("status state"); err != nil {
		return err
	}
	if m.StateEnds, err = p.int("status stateEnds", 0, math.MaxInt64); err != nil {
		return err
	}
	k, err := p.arrayLen("status players")
	if err != nil {
		return err
	}
	m.Players = m.Players[:0]
	for range k {
		var pl Player
		if err := pl.decode(p); err != nil {
			return err
		}
		m.Players = append(m.Players, pl)
	}
	if k, err = p.arrayLen("status missing"); err != nil {
		return err
	}
	m.Missing = m.Missing[:0]
	for range k {
		seat, err := p.int("status missing seat", 0, math.MaxUint8)
		if err != nil {
			return err
		}
		m.Missing = append(m.Missing, int(seat))
	}
	if k, err = p.arrayLen("status results"); err != nil {
		return err
	}
	m.Results = m.Results[:0]
	for range k {
		var r Result
		if err := r.decode(p); err != nil {
			return err
		}
		m.Results = append(m.Results, r)
	}
	return p.rest("status", n-5)
}

func (pl *Player) decode(p *parser) (err error) {
	n, err := p.arrayLen("player")
	if err != nil {
		return err
	}
	if err := p.fields("player", n, 6); err != nil {
		return err
	}
	var seat, frags, deaths int64
	if seat, err = p.int("player seat", 0, math.MaxUint8); err != nil {
		return err
	}
	if pl.Name, err = p.str("player name", maxText); err != nil {
		return err
	}
	if pl.Bot, err = p.bool("player bot"); err != nil {
		return err
	}
	if pl.Connected, err = p.bool("player connected"); err != nil {
		return err
	}
	if frags, err = p.int("player frags", 0, math.MaxInt32); err != nil {
		return err
	}
	if deaths, err = p.int("player deaths", 0, math.MaxInt32); err != nil {
		return err
	}
	pl.Seat, pl.Frags, pl.Deaths = int(seat), int(frags), int(deaths)
	return p.rest("player", n-6)
}

func (r *Result) decode(p *parser) error {
	n, err := p.arrayLen("result")
	if err != nil {
		return err
	}
	if err := p.fields("result", n, 3); err != nil {
		return err
	}
	var rec [3]int64
	spans := [3]span{spanU8, {0, math.MaxInt32}, {0, math.MaxInt32}}
	for i := range rec {
		if rec[i], err = p.int("result", spans[i].lo, spans[i].hi); err != nil {
			return err
		}
	}
	*r = Result{Seat: int(rec[0]), Frags: int(rec[1]), Deaths: int(rec[2])}
	return p.rest("result", n-3)
}

func (m *Pong) encode(w *writer) {
	w.array(3)
	w.int(int64(TypePong))
	w.int(m.ClientTime)
	w.int(int64(m.Tick))
}

func (m *Pong) decode(p *parser, n int) (err error) {
	if err := p.fields("pong", n, 2); err != nil {
		return err
	}
	if m.ClientTime, err = p.int("pong clientTime", math.MinInt64, math.MaxInt64); err != nil {
		return err
	}
	if m.Tick, err = p.tick("pong tick"); err != nil {
		return err
	}
	return p.rest("pong", n-2)
}

func (m *Error) encode(w *writer) {
	w.array(3)
	w.int(int64(TypeError))
	w.int(int64(m.Code))
	w.str("error message", m.Message, maxText)
}

func (m *Error) decode(p *parser, n int) error {
	if err := p.fields("error", n, 2); err != nil {
		return err
	}
	code, err := p.int("error code", 0, math.MaxUint16)
	if err != nil {
		return err
	}
	msg, err := p.str("error message", maxText)
	if err != nil {
		return err
	}
	m.Code, m.Message = Code(code), msg
	return p.rest("error", n-2)
}
