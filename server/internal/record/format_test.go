package record

import (
	"errors"
	"strings"
	"testing"

	"skirmish/game"
)

// TestInputCoding pins how a seat's inputs are coded: each comes back as it went in, in the
// bytes the case says. A view costs nothing while its lag stands still or moves by a tick.
func TestInputCoding(t *testing.T) {
	type step struct {
		tick  uint32
		in    game.Input
		bytes int
	}
	for _, tt := range []struct {
		name  string
		steps []step
	}{
		{"no view", []step{
			{10, game.Input{Seq: 1, Buttons: game.ButtonFire}, 2},
			{11, game.Input{Seq: 2, Buttons: game.ButtonFire}, 1},
		}},
		{"a steady lag", []step{
			{10, game.Input{Seq: 1, View: 3}, 2}, // lag 7 from 0: the change follows
			{11, game.Input{Seq: 2, View: 4}, 1},
			{12, game.Input{Seq: 3, View: 5}, 1},
		}},
		{"a lag that drifts by a tick", []step{
			{10, game.Input{Seq: 1, View: 9}, 1}, // lag 1 from 0
			{11, game.Input{Seq: 2, View: 9}, 1}, // 2
			{12, game.Input{Seq: 3, View: 11}, 1},
			{13, game.Input{Seq: 4, View: 12}, 1},
		}},
		{"a spike and back", []step{
			{10, game.Input{Seq: 1, View: 5}, 2},
			{11, game.Input{Seq: 2, View: 1}, 2},
			{12, game.Input{Seq: 3, View: 7}, 2},
		}},
		{"a repeated input says no view, and the lag is kept", []step{
			{10, game.Input{Seq: 1, View: 5}, 2},
			{11, game.Input{}, 1},
			{12, game.Input{Seq: 3, View: 7}, 2}, // Seq jumps; the lag is still 5
		}},
		{"a view ahead of the tick", []step{
			{10, game.Input{Seq: 1, View: 12}, 2},
		}},
		{"the newest view a tick can have", []step{
			{1 << 31, game.Input{Seq: 1, View: 1<<32 - 1}, 6},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var enc, dec inputCoder
			var b []byte
			for _, st := range tt.steps {
				n := len(b)
				b = enc.appendInput(b, st.tick, st.in)
				if len(b)-n != st.bytes {
					t.Errorf("tick %d: %+v coded in %d bytes, want %d", st.tick, st.in, len(b)-n, st.bytes)
				}
			}
			r := &reader{b: b}
			for _, st := range tt.steps {
				if got := dec.readInput(r, st.tick); got != st.in || r.err != nil {
					t.Fatalf("tick %d: read %+v (%v), want %+v", st.tick, got, r.err, st.in)
				}
			}
			if len(r.b) > 0 {
				t.Fatalf("%d bytes left over", len(r.b))
			}
		})
	}
}

func TestInputCodingRefusals(t *testing.T) {
	for _, tt := range []struct {
		name  string
		tick  uint32
		input []byte
		says  string
	}{
		{"no view that moves", 10, []byte{inNoView | inLagUp}, "a view that is 0 and moves"},
		{"a view before the first tick", 10, []byte{inLag, 20}, "view 0 is out of range"},
		{"a view past the last tick", 1<<32 - 1, []byte{inLag, 1}, "view 4294967296 is out of range"},
		{"a lag cut short", 10, []byte{inLag}, errShort.Error()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var c inputCoder
			r := &reader{b: tt.input}
			c.readInput(r, tt.tick)
			if r.err == nil || !strings.Contains(r.err.Error(), tt.says) {
				t.Fatalf("read: %v, want an error saying %q", r.err, tt.says)
			}
		})
	}
}

// TestOlderFormatsAreRefused: a record of another version of the format is refused as such,
// not read as something else.
func TestOlderFormatsAreRefused(t *testing.T) {
	played := play(t, t.TempDir(), 10, nil)
	rec, err := ReadFile(played.path)
	if err != nil {
		t.Fatal(err)
	}
	good, err := rec.Encode()
	if err != nil {
		t.Fatal(err)
	}
	old := "skirmish record 1\n" + string(good[len(magic):])
	_, err = Read(strings.NewReader(old))
	if !errors.Is(err, ErrRecord) || !strings.Contains(err.Error(), `a record of format "1", this server reads format "2" only`) {
		t.Fatalf("read: %v, want the old format named", err)
	}
}
