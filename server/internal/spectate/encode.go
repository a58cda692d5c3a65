package spectate

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"skirmish/game"
	"skirmish/game/protocol"
)

// The event names of the feeds; doc.go describes their data.
const (
	kindSnapshot  = "snapshot"
	kindStatus    = "status"
	kindFrag      = "frag"
	kindRespawn   = "respawn"
	kindScore     = "score"
	kindMatchOver = "matchover"
	kindJoined    = "joined"
	kindLeft      = "left"
	kindCheer     = "cheer"
	kindClosed    = "closed"
	kindReset     = "reset"
	kindRooms     = "rooms"
	kindChanges   = "changes"
	kindMoved     = "moved"
)

// resetWire opens a stream whose resume point the history no longer covers.
var resetWire = encodeEvent(0, kindReset, []byte(`{"reason":"missed events are no longer kept"}`))

// appendSnapshot appends the spectator snapshot of w (see doc.go) made at now to b; mapName
// is the JSON string of its map's name and rate how many ticks come a second. It runs on the
// room's ticker at the spectator rate, so it appends by hand instead of reflecting.
func appendSnapshot(b []byte, w *game.World, state protocol.State, mapName []byte, rate int,
	now time.Time,
) []byte {
	b = append(b, `{"tick":`...)
	b = strconv.AppendUint(b, uint64(w.Tick), 10)
	b = append(b, `,"now":`...)
	b = strconv.AppendInt(b, now.UnixMilli(), 10)
	b = append(b, `,"rate":`...)
	b = strconv.AppendInt(b, int64(rate), 10)
	b = append(b, `,"map":`...)
	b = append(b, mapName...)
	b = append(b, `,"state":"`...)
	b = append(b, state.String()...)
	b = append(b, `","ships":`...)
	b = appendShips(b, w, appendShip)
	b = append(b, `,"shots":[`...)
	for i := range w.Projectiles {
		p := &w.Projectiles[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendUint(b, uint64(p.ID), 10)
		b = append(b, `,"owner":`...)
		b = strconv.AppendUint(b, uint64(p.Owner), 10)
		b = appendPos(b, p.Pos)
		b = append(b, `,"vx":`...)
		b = appendFraction(b, int64(p.Vel.X), game.SubPixel)
		b = append(b, `,"vy":`...)
		b = appendFraction(b, int64(p.Vel.Y), game.SubPixel)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// appendShip appends the members of a ship in a snapshot.
func appendShip(b []byte, s *game.Ship) []byte {
	b = appendPos(b, s.Pos)
	b = append(b, `,"aim":`...)
	b = appendFraction(b, int64(math.Round(math.Atan2(float64(s.AimY), float64(s.AimX))*100)), 100)
	b = append(b, `,"hp":`...)
	b = strconv.AppendInt(b, int64(s.Health), 10)
	b = append(b, `,"alive":`...)
	b = strconv.AppendBool(b, s.Alive)
	return appendScore(b, s)
}

// appendFraction appends v/div as an exact JSON number, without trailing zeros; div is 100
// or a power of two, whose fractions end. It formats integers only, which is several times
// faster than formatting the float.
func appendFraction(b []byte, v, div int64) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	b = strconv.AppendInt(b, v/div, 10)
	rem := v % div
	if rem == 0 {
		return b
	}
	b = append(b, '.')
	for rem != 0 {
		rem *= 10
		b = append(b, byte('0'+rem/div))
		rem %= div
	}
	return b
}

// appendPos appends the x and y members of a position in whole pixels.
func appendPos(b []byte, v game.Vec) []byte {
	b = append(b, `,"x":`...)
	b = strconv.AppendInt(b, int64(math.Round(float64(v.X)/game.SubPixel)), 10)
	b = append(b, `,"y":`...)
	return strconv.AppendInt(b, int64(math.Round(float64(v.Y)/game.SubPixel)), 10)
}

// appendScores appends the score event of w: every seat in play with its frags and deaths.
func appendScores(b []byte, w *game.World) []byte {
	b = append(b, `{"tick":`...)
	b = strconv.AppendUint(b, uint64(w.Tick), 10)
	b = append(b, `,"scores":`...)
	b = appendShips(b, w, appendScore)
	return append(b, '}')
}

// appendShips appends a JSON array with an object for each seat in play, whose members after
// "seat" member appends.
func appendShips(b []byte, w *game.World, member func([]byte, *game.Ship) []byte) []byte {
	b = append(b, '[')
	first := true
	for i := range w.Ships {
		s := &w.Ships[i]
		if !s.Active {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, `{"seat":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = member(b, s)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendScore appends the frags and deaths members of a ship.
func appendScore(b []byte, s *game.Ship) []byte {
	b = append(b, `,"frags":`...)
	b = strconv.AppendUint(b, uint64(s.Frags), 10)
	b = append(b, `,"deaths":`...)
	return strconv.AppendUint(b, uint64(s.Deaths), 10)
}

// statusJSON is the data of a status event.
type statusJSON struct {
	State   string       `json:"state"`
	EndsIn  int64        `json:"endsIn"`
	Ends    int64        `json:"ends"`
	Players []playerJSON `json:"players"`
	Missing []int        `json:"missing"`
	Results []resultJSON `json:"results"`
}

type playerJSON struct {
	Seat      int    `json:"seat"`
	Name      string `json:"name"`
	Bot       bool   `json:"bot"`
	Connected bool   `json:"connected"`
	Frags     int    `json:"frags"`
	Deaths    int    `json:"deaths"`
}

type resultJSON struct {
	Seat   int `json:"seat"`
	Frags  int `json:"frags"`
	Deaths int `json:"deaths"`
}

// encodeStatus returns the data of a status event made at now.
func encodeStatus(s *protocol.Status, now time.Time) []byte {
	j := statusJSON{
		State:   s.State.String(),
		EndsIn:  s.StateEnds,
		Players: make([]playerJSON, len(s.Players)),
		Missing: append([]int{}, s.Missing...),
		Results: make([]resultJSON, len(s.Results)),
	}
	if s.StateEnds > 0 {
		j.Ends = now.Add(time.Duration(s.StateEnds) * time.Millisecond).UnixMilli()
	}
	for i, p := range s.Players {
		j.Players[i] = playerJSON(p)
	}
	for i, r := range s.Results {
		j.Results[i] = resultJSON(r)
	}
	return mustJSON(j)
}

// encodeGameEvent returns the SSE event name and data of a room event, or "" for a kind
// spectators are not told about.
func encodeGameEvent(e *protocol.Event) (string, []byte) {
	switch e.Kind {
	case protocol.EventFrag:
		return kindFrag, mustJSON(struct {
			Tick   uint32 `json:"tick"`
			Killer int    `json:"killer"`
			Victim int    `json:"victim"`
		}{e.Tick, e.A, e.B})
	case protocol.EventRespawn:
		return kindRespawn, seatJSON(e)
	case protocol.EventMatchOver:
		return kindMatchOver, mustJSON(struct {
			Tick   uint32 `json:"tick"`
			Winner int    `json:"winner"`
		}{e.Tick, e.A})
	case protocol.EventCheer:
		return kindCheer, cheerJSON(e.Tick, e.Text)
	case protocol.EventJoined:
		return kindJoined, mustJSON(struct {
			Tick uint32 `json:"tick"`
			Seat int    `json:"seat"`
			Name string `json:"name"`
		}{e.Tick, e.A, e.Text})
	case protocol.EventLeft:
		return kindLeft, seatJSON(e)
	}
	return "", nil
}

func seatJSON(e *protocol.Event) []byte {
	return mustJSON(struct {
		Tick uint32 `json:"tick"`
		Seat int    `json:"seat"`
	}{e.Tick, e.A})
}

func cheerJSON(tick uint32, text string) []byte {
	return mustJSON(struct {
		Tick uint32 `json:"tick"`
		Text string `json:"text"`
	}{tick, text})
}

// movedWire tells a stream that its feed goes on at url. It has no id: the feed's ids stay
// those of its events, and the spectator resumes from the last one it got.
func movedWire(url string) []byte {
	return encodeEvent(0, kindMoved, mustJSON(struct {
		URL string `json:"url"`
	}{url}))
}

func closedJSON(room string) []byte {
	return mustJSON(struct {
		ID string `json:"id"`
	}{room})
}

// mustJSON marshals values whose types cannot fail to marshal.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
