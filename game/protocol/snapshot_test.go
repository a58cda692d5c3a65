package protocol

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"skirmish/game"
)

// sameSnapshot compares keyframes, taking empty and nil lists as equal.
func sameSnapshot(a, b *Snapshot) bool {
	return a.Tick == b.Tick && a.State == b.State &&
		slices.Equal(a.Ships, b.Ships) && slices.Equal(a.Projectiles, b.Projectiles)
}

// sendDelta diffs base and cur, sends the delta through the wire format and applies it to
// client, which holds base.
func sendDelta(t *testing.T, client, base, cur *Snapshot) {
	t.Helper()
	var d Delta
	if err := d.Diff(base, cur); err != nil {
		t.Fatalf("Diff: %v", err)
	}
	b, err := new(Encoder).Encode(&d)
	if err != nil {
		t.Fatal(err)
	}
	checkShipEntries(t, b, base, cur)
	m, err := Decode(b)
	if err != nil {
		t.Fatalf("Decode(delta %+v): %v", d, err)
	}
	if err := client.Apply(m.(*Delta)); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if !sameSnapshot(client, cur) {
		t.Fatalf("tick %d: base + delta =\n%+v\nwant\n%+v\ndelta %+v", cur.Tick, client, cur, d)
	}
}

// checkShipEntries checks the ship entries of an encoded delta from base to cur, read by the
// reference msgpack library: one [seat, mask, changes...] per changed ship in seat order,
// where the mask has a bit for each field that changed and only those fields' changes follow.
func checkShipEntries(t *testing.T, delta []byte, base, cur *Snapshot) {
	t.Helper()
	var wire struct {
		_       struct{} `msgpack:",as_array"`
		Type    int
		Tick    uint32
		Base    uint32
		State   int
		Ships   [][]int64
		Spawned [][]int64
		Removed []int64
	}
	dec := msgpack.NewDecoder(bytes.NewReader(delta))
	if err := dec.Decode(&wire); err != nil {
		t.Fatalf("delta %x: %v", delta, err)
	}
	var want [][]int64
	for i := range cur.Ships {
		entry := []int64{int64(i), 0}
		for f := ShipSeat + 1; f < ShipFields; f++ {
			if c := cur.Ships[i][f] - base.Ships[i][f]; c != 0 {
				entry[1] |= 1 << (f - 1)
				entry = append(entry, c)
			}
		}
		if entry[1] != 0 {
			want = append(want, entry)
		}
	}
	if !reflect.DeepEqual(wire.Ships, want) && len(wire.Ships)+len(want) > 0 {
		t.Fatalf("tick %d: delta ship entries %v, want %v", cur.Tick, wire.Ships, want)
	}
}

// TestDeltaWorld plays a real match and checks after every tick that the previous keyframe
// plus the delta is the current keyframe, as a client tracking the match sees it.
func TestDeltaWorld(t *testing.T) {
	var prev, cur, client Snapshot
	first := true
	playWorld(t, 8, 900, func(w *game.World) {
		cur.Fill(w, StateRunning)
		if first {
			client.CopyFrom(&cur)
			first = false
		} else {
			sendDelta(t, &client, &prev, &cur)
		}
		prev.CopyFrom(&cur)
	})
	if len(client.Projectiles) == 0 && client.Ships[0][ShipFrags] == 0 {
		t.Log("the match saw little action; the test covered less than it could")
	}
}

// randomShip returns a ship record for seat with every field random within its range.
func randomShip(r *rand.Rand, seat int) ShipRecord {
	var s ShipRecord
	for f := range s {
		s[f] = shipSpans[f].lo + r.Int64N(shipSpans[f].hi-shipSpans[f].lo+1)
	}
	s[ShipSeat] = int64(seat)
	return s
}

// nextRandom returns a random successor of keyframe s: some ships change in some fields,
// most shots fly on, some end, some change course, some are new.
func nextRandom(r *rand.Rand, s *Snapshot, nextID *int64) *Snapshot {
	n := &Snapshot{Tick: s.Tick + 1, State: State(1 + r.IntN(5))}
	for i, sh := range s.Ships {
		switch r.IntN(4) {
		case 0: // unchanged
		case 1: // a whole new record, as after a respawn
			sh = randomShip(r, i)
		default: // small changes to a few fields
			for range 1 + r.IntN(4) {
				f := 1 + r.IntN(ShipFields-1)
				sh[f] = min(max(sh[f]+r.Int64N(21)-10, shipSpans[f].lo), shipSpans[f].hi)
			}
		}
		n.Ships = append(n.Ships, sh)
	}
	for _, p := range s.Projectiles {
		switch r.IntN(10) {
		case 0: // ended
			continue
		case 1: // bounced
			p[ProjVX], p[ProjVY] = -p[ProjVY], p[ProjVX]
		}
		if a := advance(p); inSpans(a[:], projSpans[:]) < 0 {
			p = a
		}
		n.Projectiles = append(n.Projectiles, p)
	}
	for range r.IntN(3) {
		*nextID += 1 + r.Int64N(3)
		n.Projectiles = append(n.Projectiles, ProjectileRecord{*nextID, r.Int64N(8),
			r.Int64N(1 << 16), r.Int64N(1 << 16), r.Int64N(401) - 200, r.Int64N(401) - 200, r.Int64N(40)})
	}
	return n
}

// TestDeltaRandom checks keyframe(t-1).Apply(delta(t)) == keyframe(t) over random sequences
// that reach the edges of every field's range.
func TestDeltaRandom(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 7))
		cur := &Snapshot{Tick: uint32(r.IntN(1000)), State: StateRunning}
		for i := range 1 + r.IntN(8) {
			cur.Ships = append(cur.Ships, randomShip(r, i))
		}
		var client Snapshot
		client.CopyFrom(cur)
		nextID := int64(0)
		for range 40 {
			next := nextRandom(r, cur, &nextID)
			sendDelta(t, &client, cur, next)
			cur = next
		}
	}
}

func TestFillConvertsExactly(t *testing.T) {
	ship := game.Ship{Active: true, Alive: true, Pos: game.Vec{X: -7, Y: 1 << 30}, Vel: game.Vec{X: 3, Y: -4},
		AimX: -128, AimY: 127, Health: -3, Cooldown: 65535, RespawnIn: 9, Frags: 10, Deaths: 11, LastSeq: 1<<32 - 1}
	proj := game.Projectile{ID: 1<<32 - 1, Owner: 7, Pos: game.Vec{X: 1, Y: 2}, Vel: game.Vec{X: -3, Y: 4}, TTL: 65535}
	w := &game.World{Tick: 12, Ships: []game.Ship{{}, ship},
		Projectiles: []game.Projectile{proj, {ID: 4, TTL: 1}}}
	var s Snapshot
	s.Fill(w, StateCountdown)
	if s.Tick != 12 || s.State != StateCountdown || len(s.Ships) != 2 || s.Ships[1][ShipSeat] != 1 {
		t.Fatalf("Fill = %+v", s)
	}
	if got := s.Ships[1].Ship(); got != ship {
		t.Errorf("ship round trip = %+v, want %+v", got, ship)
	}
	if s.Projectiles[0][ProjID] != 4 {
		t.Errorf("projectiles not in id order: %v", s.Projectiles)
	}
	if got := s.Projectiles[1].Projectile(); got != proj {
		t.Errorf("projectile round trip = %+v, want %+v", got, proj)
	}
}

func TestApplyErrors(t *testing.T) {
	base := Snapshot{Tick: 10, State: StateRunning,
		Ships:       []ShipRecord{{0, 3, 100, 100}, {1, 3, math32 - 1, 100}},
		Projectiles: []ProjectileRecord{{5, 0, 0, 0, 1, 1, 10}, {8, 1, math32, 0, 1, 0, 10}}}
	cases := []struct {
		name  string
		delta Delta
	}{
		{"wrong base", Delta{Tick: 12, BaseTick: 11}},
		{"tick not base+1", Delta{Tick: 12, BaseTick: 10}},
		{"unknown seat", Delta{Tick: 11, BaseTick: 10, Ships: []ShipRecord{{2}}}},
		{"field overflow", Delta{Tick: 11, BaseTick: 10, Ships: []ShipRecord{{1, 0, 5}}}},
		{"removed not in flight", Delta{Tick: 11, BaseTick: 10, Removed: []uint32{5, 6}}},
		{"removed unordered", Delta{Tick: 11, BaseTick: 10, Removed: []uint32{8, 5}}},
		{"extrapolation overflow", Delta{Tick: 11, BaseTick: 10}},
		{"spawned duplicate", Delta{Tick: 11, BaseTick: 10, Removed: []uint32{8},
			Spawned: []ProjectileRecord{{9}, {9}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s Snapshot
			s.CopyFrom(&base)
			if err := s.Apply(&tc.delta); !errors.Is(err, ErrBase) {
				t.Fatalf("Apply = %v, want ErrBase", err)
			}
			if !reflect.DeepEqual(s, base) {
				t.Fatalf("a failed Apply changed the keyframe to %+v", s)
			}
		})
	}
}

const math32 = 1<<31 - 1

func TestDiffErrors(t *testing.T) {
	two := []ShipRecord{{0}, {1}}
	cases := []struct {
		name      string
		base, cur Snapshot
	}{
		{"not consecutive", Snapshot{Tick: 3}, Snapshot{Tick: 5}},
		{"seat count changed", Snapshot{Tick: 3, Ships: two}, Snapshot{Tick: 4, Ships: two[:1]}},
		{"projectiles unordered", Snapshot{Tick: 3},
			Snapshot{Tick: 4, Projectiles: []ProjectileRecord{{2}, {1}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var d Delta
			if err := d.Diff(&tc.base, &tc.cur); !errors.Is(err, ErrBase) {
				t.Fatalf("Diff = %v, want ErrBase", err)
			}
		})
	}
}

// TestApplyAllocs pins the client's steady state: applying deltas allocates nothing once
// the projectile list has room.
func TestApplyAllocs(t *testing.T) {
	base := Snapshot{Tick: 1, Ships: []ShipRecord{{0, 3, 10, 10, 1, 1}},
		Projectiles: make([]ProjectileRecord, 0, 8)}
	base.Projectiles = append(base.Projectiles, ProjectileRecord{1, 0, 0, 0, 2, 2, 50}, ProjectileRecord{3, 0, 0, 0, 2, 2, 50})
	cur := Snapshot{Tick: 2, Ships: []ShipRecord{{0, 3, 11, 11, 1, 1}},
		Projectiles: []ProjectileRecord{{2, 0, 5, 5, 1, 1, 9}, {3, 0, 2, 2, 2, 2, 49}, {4, 0, 0, 0, 1, 1, 9}}}
	var d Delta
	if err := d.Diff(&base, &cur); err != nil {
		t.Fatal(err)
	}
	var s Snapshot
	s.Projectiles = make([]ProjectileRecord, 0, 8)
	allocs := testing.AllocsPerRun(100, func() {
		s.CopyFrom(&base)
		if err := s.Apply(&d); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Apply allocates %.0f times", allocs)
	}
	if !sameSnapshot(&s, &cur) {
		t.Errorf("Apply = %+v, want %+v", s, cur)
	}
}

func TestEventsFill(t *testing.T) {
	var m Events
	m.Fill([]game.Event{
		{Kind: game.EventFrag, Tick: 5, A: 1, B: 2},
		{Kind: game.EventRespawn, Tick: 6, A: 2, B: 2},
		{Kind: game.EventMatchOver, Tick: 7, A: 255, B: 255},
	})
	want := []Event{
		{Kind: EventFrag, Tick: 5, A: 1, B: 2},
		{Kind: EventRespawn, Tick: 6, A: 2, B: 2},
		{Kind: EventMatchOver, Tick: 7, A: -1, B: -1},
	}
	if !reflect.DeepEqual(m.List, want) {
		t.Fatalf("Fill = %+v, want %+v", m.List, want)
	}
}
