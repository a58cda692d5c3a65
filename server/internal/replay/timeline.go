package replay

import (
	"fmt"
	"sort"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/record"
)

// keyEvery is how many ticks apart a Timeline keeps a copy of the world (5 s at 30 Hz): a
// seek steps the simulation at most this many times, about a millisecond.
const keyEvery = 150

// Timeline is a recorded match replayed once and kept for watching: every step's inputs
// (the bots' worked out again), its seat changes, and keyframes, copies of the world every
// keyEvery ticks, so that watching from any tick costs a copy and a few steps.
type Timeline struct {
	ID     string
	Header record.Header
	Ticks  uint32      // the last tick
	End    *record.End // nil for a match cut off by a crash
	// inputs[t-1] are the inputs of the step that produced tick t.
	inputs  [][]game.Input
	changes []record.Frame // the frames other than ticks, in order
	keys    []*game.World  // keys[i] is the world at tick i*keyEvery, before the changes after it
}

// NewTimeline replays rec, checking it as it goes, into a Timeline.
func NewTimeline(rec *record.Record) (*Timeline, error) {
	start, err := rec.Start()
	if err != nil {
		return nil, err
	}
	tl := &Timeline{ID: rec.Header.ID(), Header: rec.Header, End: rec.End, keys: []*game.World{start}}
	for _, f := range rec.Frames {
		if f.Kind != record.KindTicks {
			tl.changes = append(tl.changes, f)
		}
	}
	_, err = rec.Replay(func(w *game.World, inputs []game.Input) {
		tl.inputs = append(tl.inputs, append([]game.Input(nil), inputs...))
		if w.Tick%keyEvery == 0 {
			tl.keys = append(tl.keys, w.Clone())
		}
	})
	if err != nil {
		return nil, err
	}
	tl.Ticks = uint32(len(tl.inputs))
	return tl, nil
}

// Rate is the match's tick rate.
func (tl *Timeline) Rate() int { return tl.Header.Config.TickRate }

// cursor is a position in a timeline: the world at a tick, with the changes made after that
// tick applied (a player who joins shows at once), and the changes still to come.
type cursor struct {
	tl   *Timeline
	w    *game.World
	next int // the first change not applied yet
	// seats is who drives each seat as of w: the last Player, Bot or Idle change applied.
	seats []record.Frame
}

// seek returns a cursor at tick (at most the last), from the keyframe before it.
func (tl *Timeline) seek(tick uint32) *cursor {
	tick = min(tick, tl.Ticks)
	key := tl.keys[min(int(tick/keyEvery), len(tl.keys)-1)]
	c := &cursor{tl: tl, w: key.Clone(), seats: make([]record.Frame, len(key.Ships))}
	for i := range c.seats {
		c.seats[i] = record.Frame{Kind: record.KindIdle, Seat: i}
	}
	// The seat changes before the keyframe say who drives each seat; the world has the rest.
	c.next = sort.Search(len(tl.changes), func(i int) bool { return tl.changes[i].Tick >= key.Tick })
	for _, f := range tl.changes[:c.next] {
		c.driver(f)
	}
	c.apply()
	for c.w.Tick < tick {
		c.step()
	}
	return c
}

// apply applies the changes made after the current tick and returns them.
func (c *cursor) apply() []record.Frame {
	from := c.next
	for c.next < len(c.tl.changes) && c.tl.changes[c.next].Tick == c.w.Tick {
		f := c.tl.changes[c.next]
		if f.Kind == record.KindActive {
			c.w.SetActive(f.Seat, f.On)
		}
		c.driver(f)
		c.next++
	}
	return c.tl.changes[from:c.next]
}

// driver notes a change of who drives a seat.
func (c *cursor) driver(f record.Frame) {
	if f.Kind != record.KindActive {
		c.seats[f.Seat] = f
	}
}

// step steps the world once and applies the changes made after the new tick; it returns
// those changes.
func (c *cursor) step() []record.Frame {
	c.w.Step(c.tl.inputs[c.w.Tick])
	return c.apply()
}

// done reports whether the cursor has reached the end of the match.
func (c *cursor) done() bool { return c.w.Tick >= c.tl.Ticks }

// status fills st with the replayed room's state as a live room's status would say it: the
// seats in play with their names and scores, and the results once the match is over.
func (c *cursor) status(st *protocol.Status) {
	*st = protocol.Status{State: protocol.StateRunning, Players: st.Players[:0], Missing: []int{}, Results: st.Results[:0]}
	if c.done() {
		st.State = protocol.StateEnded
		for _, r := range c.w.Results() {
			st.Results = append(st.Results, protocol.Result{Seat: r.Seat, Frags: int(r.Frags), Deaths: int(r.Deaths)})
		}
	}
	for i, ship := range c.w.Ships {
		if !ship.Active {
			continue
		}
		st.Players = append(st.Players, protocol.Player{
			Seat: i, Name: seatName(c.seats[i]), Bot: c.seats[i].Kind != record.KindPlayer, Connected: true,
			Frags: int(ship.Frags), Deaths: int(ship.Deaths),
		})
	}
}

// seatName is the name of a seat's driver as players saw it.
func seatName(f record.Frame) string {
	if f.Name != "" {
		return f.Name
	}
	return fmt.Sprintf("seat %d", f.Seat+1)
}
