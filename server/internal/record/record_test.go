package record

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"skirmish/game"
)

// begin starts recording a match of cfg on the arena under dir, as room's first.
func begin(t testing.TB, dir, room string, cfg game.Config) (*Writer, *game.World, *Match) {
	t.Helper()
	w, err := NewWriter(dir, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	mp, err := game.LoadMap("arena")
	if err != nil {
		t.Fatal(err)
	}
	world := game.NewWorld(cfg, mp)
	return w, world, w.Begin(room, 0, world, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
}

// match is a match played for a test: what was fed to every step, and how it ended.
type match struct {
	path   string
	world  *game.World
	inputs [][]game.Input // per tick, per seat
	// rewound counts the hits that lag compensation decided: ships hit that would not have
	// been had every shot met the others where they were in the present.
	rewound int
	// lagged lists, per seat, the ticks at which it fired a shot compensated for its lag.
	lagged [4][]uint32
}

// play records a match of ticks ticks on a fresh writer under dir: seats 0 and 1 are players
// (whose inputs a brain chooses, as a person would, numbered as a client numbers them), seat
// 2 a bot, and seat 3 a player who joins halfway, after the bot that held it until then.
// Players see the others a few ticks late, by a lag that drifts as a network's does, aim at
// them there and say so in each input's View, so their shots are compensated; seat 3's
// client does not say for a while. alter, when set, changes what the record is told a step's
// inputs were, not what the match played: a record whose input log was altered.
func play(t *testing.T, dir string, ticks int, alter func(tick uint32, inputs []game.Input)) match {
	t.Helper()
	cfg := game.DefaultConfig(4, 30)
	cfg.Seed = 42
	w, world, m := begin(t, dir, "room1", cfg)
	brains := make([]*game.Bot, 4)
	for seat := range brains {
		brains[seat] = game.NewBot(seat, uint64(seat)+7, game.BotNormal)
	}
	for seat := range 4 {
		world.SetActive(seat, true)
		m.SetActive(world.Tick, seat, true)
	}
	m.Player(0, 0, "ada")
	m.Player(0, 1, "bob")
	m.Bot(0, 2, 9, game.BotHard, "bot 3")
	m.Bot(0, 3, 10, game.BotEasy, "bot 4")
	brains[2], brains[3] = game.NewBot(2, 9, game.BotHard), game.NewBot(3, 10, game.BotEasy)
	played := match{path: Path(dir, "room1-0"), inputs: make([][]game.Input, ticks)}
	past := []*game.World{world.Clone()} // the world after every tick so far
	told := make([]game.Input, 4)
	for tick := range ticks {
		if tick == ticks/2 {
			world.SetActive(3, false)
			m.SetActive(world.Tick, 3, false)
			world.SetActive(3, true)
			m.SetActive(world.Tick, 3, true)
			m.Player(world.Tick, 3, "cyd")
		}
		inputs := make([]game.Input, 4)
		for seat, b := range brains {
			if seat == 2 || seat == 3 && tick < ticks/2 {
				inputs[seat] = b.Think(world)
				continue
			}
			seen := past[max(tick-lagOf(seat, tick), 0)]
			inputs[seat] = b.Think(sight(world, seen, seat))
			// A client numbers its inputs and says what it saw; now and then one is late
			// and the room repeats the last, which says nothing.
			inputs[seat].Seq, inputs[seat].View = uint32(tick+1), seen.Tick
			if seat == 3 && tick%100 < 20 {
				inputs[seat].View = 0
			}
			if tick%17 == 5 {
				inputs[seat] = played.inputs[max(tick-1, 0)][seat]
				inputs[seat].Seq, inputs[seat].View = 0, 0
			}
		}
		played.inputs[tick] = inputs
		before := world.Clone()
		world.Step(inputs)
		played.rewound += rewoundHits(before, inputs, world)
		for _, p := range world.Projectiles {
			if p.ID >= before.NextProjectileID && p.Lag > 0 {
				played.lagged[p.Owner] = append(played.lagged[p.Owner], world.Tick)
			}
		}
		past = append(past, world.Clone())
		copy(told, inputs)
		if alter != nil {
			alter(world.Tick, told)
		}
		m.Step(world, told)
	}
	m.End(world)
	w.Close()
	played.world = world
	return played
}

// lagOf is how many ticks behind the present a player in seat sees the others at tick: a few
// ticks that drift by one as a network's latency does, with now and then a spike.
func lagOf(seat, tick int) int {
	drift := [...]int{0, 1, 1, 0, -1, 0}[(tick/11+seat)%6]
	lag := [...]int{4, 8, 5, 6}[seat] + drift
	if seat == 1 && tick%97 >= 90 {
		lag += 5
	}
	return lag
}

// sight is the world as the player in seat sees it at now: its own ship where it is (the
// client predicts it), the others as they were in then.
func sight(now, then *game.World, seat int) *game.World {
	w := then.Clone()
	w.Tick = now.Tick
	w.Ships[seat] = now.Ships[seat]
	return w
}

// rewoundHits returns how many ships the step from before with inputs left hit in after that
// would not have been hit had no shot been compensated for lag.
func rewoundHits(before *game.World, inputs []game.Input, after *game.World) int {
	present := before.Clone()
	for i := range present.Projectiles {
		present.Projectiles[i].Lag = 0
	}
	unseen := slices.Clone(inputs)
	for i := range unseen {
		unseen[i].View = 0
	}
	present.Step(unseen)
	n := 0
	for i, s := range after.Ships {
		if p := present.Ships[i]; s.Health < p.Health || !s.Alive && p.Alive {
			n++
		}
	}
	return n
}

func TestRecordReplaysPlayersAndBots(t *testing.T) {
	played := play(t, t.TempDir(), 400, nil)
	t.Logf("%d hits decided by lag compensation", played.rewound)
	if played.rewound < 3 {
		t.Fatalf("%d hits decided by lag compensation, want a match where some are", played.rewound)
	}
	rec, err := ReadFile(played.path)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Header.ID() != "room1-0" || rec.End == nil || rec.End.Tick != 400 || rec.Ticks() != 400 {
		t.Fatalf("record %s ends %+v at tick %d, want room1-0 ending at 400", rec.Header.ID(), rec.End, rec.Ticks())
	}
	tick := 0
	got, err := rec.Replay(func(w *game.World, inputs []game.Input) {
		if !slices.Equal(inputs, played.inputs[tick]) {
			t.Fatalf("tick %d replays with inputs %v, the match had %v", w.Tick, inputs, played.inputs[tick])
		}
		tick++
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Tick != played.world.Tick || got.Hash() != played.world.Hash() || tick != 400 {
		t.Fatalf("replay ends at tick %d hash %x, want %d %x", got.Tick, got.Hash(), played.world.Tick, played.world.Hash())
	}
}

func TestRecordEncodesAsWritten(t *testing.T) {
	played := play(t, t.TempDir(), 200, nil)
	data, err := os.ReadFile(played.path)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	again, err := rec.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, data) {
		t.Fatalf("a record read and encoded again has %d bytes, the file %d", len(again), len(data))
	}
}

// TestAlteredInputNamesItsTick: a record told another input than the one played departs from
// the match at that input's tick, and the replay says so. A view matters where it makes a
// shot: the shot is rewound otherwise, from the tick it is fired in.
func TestAlteredInputNamesItsTick(t *testing.T) {
	// lagged is the first tick from tick on at which seat fired a shot compensated for lag.
	lagged := func(seat int, tick uint32) func(match) uint32 {
		return func(m match) uint32 {
			for _, at := range m.lagged[seat] {
				if at >= tick {
					return at
				}
			}
			t.Fatalf("seat %d fired no compensated shot from tick %d on", seat, tick)
			return 0
		}
	}
	at := func(tick uint32) func(match) uint32 { return func(match) uint32 { return tick } }
	for _, tt := range []struct {
		name  string
		tick  func(match) uint32
		seat  int
		alter func(*game.Input)
	}{
		{"buttons", at(123), 0, func(in *game.Input) { in.Buttons ^= game.ButtonLeft | game.ButtonUp }},
		{"a shot", at(262), 1, func(in *game.Input) { in.Buttons ^= game.ButtonFire }},
		{"the late joiner's aim", at(320), 3, func(in *game.Input) { in.AimX, in.AimY = -in.AimY-40, in.AimX+40 }},
		{"a compensated shot without its view", lagged(1, 100), 1, func(in *game.Input) { in.View = 0 }},
		{"a view a tick later", lagged(0, 200), 0, func(in *game.Input) { in.View++ }},
		{"the late joiner's view a tick earlier", lagged(3, 300), 3, func(in *game.Input) { in.View-- }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tick := tt.tick(play(t, t.TempDir(), 400, nil))
			played := play(t, t.TempDir(), 400, func(at uint32, inputs []game.Input) {
				if at == tick {
					tt.alter(&inputs[tt.seat])
				}
			})
			rec, err := ReadFile(played.path)
			if err != nil {
				t.Fatal(err)
			}
			_, err = rec.Replay(nil)
			var d *Divergence
			if !errors.As(err, &d) || d.Tick != tick || !errors.Is(err, ErrRecord) {
				t.Fatalf("replay: %v, want a departure at tick %d", err, tick)
			}
		})
	}
}

func TestBadRecords(t *testing.T) {
	played := play(t, t.TempDir(), 100, nil)
	good, err := os.ReadFile(played.path)
	if err != nil {
		t.Fatal(err)
	}
	head := bytes.IndexByte(good[len(magic):], '\n') + len(magic) + 1
	edit := func(change func(*Record)) string {
		rec, err := Read(bytes.NewReader(good))
		if err != nil {
			t.Fatal(err)
		}
		change(rec)
		b, err := rec.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name   string
		record string
		replay bool // the record reads but does not replay
	}{
		{"empty", "", false},
		{"another format", `{"room":"x"}` + "\n", false},
		{"header not JSON", magic + "{\n" + string(good[head:]), false},
		{"unknown frame", string(good[:head]) + "x\x00", false},
		{"cut short", string(good[:len(good)-3]), false},
		{"a frame after the end", string(good) + string(good[head:head+5]), false},
		// The first frame makes seat 0 active: kind, length, after tick 0, seat 0, on.
		{"a seat out of range", string(good[:head]) + "a\x03\x00\x07\x01" + string(good[head+5:]), false},
		{"a tick missing", edit(func(r *Record) {
			f := &r.Frames[len(r.Frames)-1]
			f.Inputs, f.Checks = f.Inputs[1:], f.Checks[1:]
			f.Tick++
		}), true},
		{"a check changed", edit(func(r *Record) {
			f := &r.Frames[len(r.Frames)-1]
			f.Checks[0]++
		}), true},
		{"wrong hash", edit(func(r *Record) { r.End.Hash++ }), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := Read(strings.NewReader(tt.record))
			if !tt.replay {
				if err == nil {
					_, err = rec.Replay(nil)
				}
				if !errors.Is(err, ErrRecord) {
					t.Fatalf("got %v, want a bad record", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if _, err := rec.Replay(nil); !errors.Is(err, ErrRecord) {
				t.Fatalf("replay: %v, want a bad record", err)
			}
		})
	}
}

// recordIdle records ticks steps of world under w as room's first match, ended or not.
func recordIdle(w *Writer, world *game.World, room string, ticks int, end bool) {
	m := w.Begin(room, 0, world, time.Now())
	inputs := make([]game.Input, len(world.Ships))
	for range ticks {
		world.Step(inputs)
		m.Step(world, inputs)
	}
	if end {
		m.End(world)
	} else {
		m.Flush()
	}
}

func TestFinishedRecordsAreKeptToTheLimit(t *testing.T) {
	dir := t.TempDir()
	log := slog.New(slog.DiscardHandler)
	world := idleWorld(t)
	w, err := NewWriter(dir, log, Options{Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	w.Retain()
	recordIdle(w, world, "a", 1, true)
	recordIdle(w, world, "open", 1, false) // a match in play is never removed
	recordIdle(w, world, "b", 1, true)
	recordIdle(w, world, "c", 1, true)
	w.Close()
	exists := func(id string) bool { _, err := os.Stat(Path(dir, id)); return err == nil }
	if exists("a-0") || !exists("b-0") || !exists("c-0") || !exists("open-0") {
		t.Fatalf("kept a %v b %v c %v open %v, want the last two finished and the open one", exists("a-0"), exists("b-0"), exists("c-0"), exists("open-0"))
	}
	// A restarted server counts the finished records it finds; one an earlier run left
	// unfinished is not a finished match and stays.
	w, err = NewWriter(dir, log, Options{Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	w.Retain()
	recordIdle(w, world, "d", 1, true)
	w.Close()
	if exists("b-0") || !exists("c-0") || !exists("d-0") || !exists("open-0") {
		t.Fatalf("after a restart kept b %v c %v d %v open %v, want c, d and the open one", exists("b-0"), exists("c-0"), exists("d-0"), exists("open-0"))
	}
}

// TestRetention: once retaining, past MaxSize the oldest records no longer written go first
// (a record an earlier run left included), and a record still being written is never cut.
func TestRetention(t *testing.T) {
	dir := t.TempDir()
	old := Path(dir, "old-0")
	if err := os.MkdirAll(filepath.Dir(old), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(old, bytes.Repeat([]byte("x"), 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	var kept int64
	w, err := NewWriter(dir, slog.New(slog.DiscardHandler), Options{MaxSize: 2000, Kept: func(n int64) { kept = n }})
	if err != nil {
		t.Fatal(err)
	}
	w.Retain()
	world := idleWorld(t)
	// An idle match's record is a header of about 200 bytes and a byte a tick.
	recordIdle(w, world, "a", 64, true)   // about 250 bytes: with the old record it fits
	recordIdle(w, world, "b", 64, false)  // still being written when the next one pushes past the bound
	recordIdle(w, world, "c", 1300, true) // about 1.7 KB: the old record and a go, b stays
	w.Close()
	for id, want := range map[string]bool{"old-0": false, "a-0": false, "b-0": true, "c-0": true} {
		if _, err := os.Stat(Path(dir, id)); (err == nil) != want {
			t.Errorf("%s kept %v, want %v", id, err == nil, want)
		}
	}
	if kept <= 0 || kept > 2000 {
		t.Errorf("kept %d bytes, want the records' size within the bound", kept)
	}
}

// TestWriteFailuresCounted: every piece that fails to reach the disk is reported, not just
// the first.
func TestWriteFailuresCounted(t *testing.T) {
	dir := t.TempDir()
	// A directory where the record's file should be makes every write of it fail.
	if err := os.MkdirAll(Path(dir, "r-0"), 0o755); err != nil {
		t.Fatal(err)
	}
	failed := map[string]int{}
	w, err := NewWriter(dir, slog.New(slog.DiscardHandler), Options{OnError: func(what string, _ error) { failed[what]++ }})
	if err != nil {
		t.Fatal(err)
	}
	recordIdle(w, idleWorld(t), "r", 3*flushTicks, true)
	w.Close()
	if failed["record"] != 4 {
		t.Fatalf("failures reported %v, want 4 record writes (three frames of steps and the end)", failed)
	}
}

// idleWorld returns a world of two seats on the arena, for records whose content does not
// matter.
func idleWorld(t *testing.T) *game.World {
	t.Helper()
	mp, err := game.LoadMap("arena")
	if err != nil {
		t.Fatal(err)
	}
	return game.NewWorld(game.DefaultConfig(2, 30), mp)
}

// TestRecordTravels: a travelling record gives what it wrote, piece by piece, with offsets
// that follow on; those pieces, imported by another writer up to a checkpoint's position, are
// the record there, and it goes on from that position.
func TestRecordTravels(t *testing.T) {
	cfg := game.DefaultConfig(2, 30)
	w, world, m := begin(t, t.TempDir(), "room1", cfg)
	m.Travel()
	bots := []*game.Bot{game.NewBot(0, 1, game.BotNormal), game.NewBot(1, 2, game.BotNormal)}
	inputs := make([]game.Input, 2)
	for seat := range bots {
		world.SetActive(seat, true)
		m.SetActive(0, seat, true)
		m.Bot(0, seat, uint64(seat)+1, game.BotNormal, "bot")
	}
	step := func(n int) {
		for range n {
			for seat, b := range bots {
				inputs[seat] = b.Think(world)
			}
			world.Step(inputs)
			m.Step(world, inputs)
		}
	}
	step(100)
	m.Flush()
	at, first := m.Sent()
	pos, ok := m.Position()
	step(100)
	m.End(world)
	next, rest := m.Sent()
	w.Close()
	if !ok || at != 0 || next != int64(len(first)) || pos.Bytes != next {
		t.Fatalf("pieces at %d (%d bytes) and %d, position %+v, want them to follow on", at, len(first), next, pos)
	}
	whole, err := os.ReadFile(m.path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(whole, slices.Concat(first, rest)) {
		t.Fatalf("the pieces (%d bytes) are not the record written (%d bytes)", len(first)+len(rest), len(whole))
	}
	there, err := NewWriter(t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer there.Close()
	if err := there.Import(pos, whole[:pos.Bytes-1]); err == nil {
		t.Fatal("a record shorter than its checkpoint's position was imported")
	}
	if err := there.Import(pos, whole); err != nil {
		t.Fatal(err)
	}
	if _, err := there.Continue(pos, 2); err != nil {
		t.Fatal(err)
	}
}

// TestReplacementsShareACommit: replacements queued together are all in place after their
// commit, the last of a file's wins, a removal queued after a replacement removes it, and no
// temporary file is left; a replacement shows without waiting for Close.
func TestReplacementsShareACommit(t *testing.T) {
	dir := t.TempDir()
	w := strictWriter(t, dir)
	w.Replace("first", []byte("1"), true)
	waitForFile(t, filepath.Join(dir, "first"), "1")
	for i := range 50 {
		w.Replace(fmt.Sprintf("cp/%d", i), []byte(fmt.Sprint(i)), true)
	}
	w.Replace("cp/7", []byte("again"), true)
	w.Replace("gone", []byte("x"), true)
	w.Remove("gone")
	w.Close()
	for i := range 50 {
		want := fmt.Sprint(i)
		if i == 7 {
			want = "again"
		}
		if b, err := os.ReadFile(filepath.Join(dir, "cp", fmt.Sprint(i))); err != nil || string(b) != want {
			t.Errorf("cp/%d = %q, %v; want %q", i, b, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "gone")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file removed after its replacement: %v", err)
	}
	// A file in place keeps its version before beside it for the next replacement to write
	// into; nothing else is left behind.
	tmps, _ := filepath.Glob(filepath.Join(dir, "*", "*.tmp"))
	top, _ := filepath.Glob(filepath.Join(dir, "*.tmp"))
	for _, tmp := range append(tmps, top...) {
		if _, err := os.Stat(strings.TrimSuffix(tmp, ".tmp")); err != nil {
			t.Errorf("temporary file %s left without its file: %v", tmp, err)
		}
	}
}

// TestReplacementsComeWhole: a file replaced again and again, longer and shorter, reads as
// its newest version each time, never with bytes of an older one.
func TestReplacementsComeWhole(t *testing.T) {
	dir := t.TempDir()
	w := strictWriter(t, dir)
	defer w.Close()
	path := filepath.Join(dir, "checkpoints", "room.json")
	for _, version := range []string{"the first version, long", "2", "the third", "4", "5"} {
		w.Replace("checkpoints/room.json", []byte(version), true)
		waitForFile(t, path, version)
	}
}

// strictWriter returns a Writer on dir whose every failed write fails the test.
func strictWriter(t *testing.T, dir string) *Writer {
	t.Helper()
	w, err := NewWriter(dir, slog.New(slog.DiscardHandler), Options{OnError: func(what string, err error) {
		t.Errorf("%s failed: %v", what, err)
	}})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// waitForFile waits until the file at path holds want, up to 5 s after the replacement was
// queued.
func waitForFile(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if err == nil && string(b) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %q, %v; want %q 5 s after its replacement was queued", filepath.Base(path), b, err, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
