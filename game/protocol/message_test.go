package protocol

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

func TestRoundTrip(t *testing.T) {
	var enc Encoder
	var r Reader
	for _, tc := range messageCases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := enc.Encode(tc.msg)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			got, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode(%x): %v", b, err)
			}
			if !reflect.DeepEqual(got, tc.msg) {
				t.Fatalf("Decode(Encode(m)) = %+v, want %+v", got, tc.msg)
			}
			typ, err := r.Decode(b)
			if err != nil || typ != tc.msg.Type() {
				t.Fatalf("Reader.Decode = %v, %v; want %v", typ, err, tc.msg.Type())
			}
			// The Reader reuses slices, so an empty list may come back empty rather than
			// nil: compare encodings, which do not tell the two apart.
			again, err := new(Encoder).Encode(r.Message(typ))
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("Reader holds %+v, want %+v", r.Message(typ), tc.msg)
			}
		})
	}
}

// TestGenericMsgpack checks that every message is plain msgpack a generic decoder reads as
// an array starting with the type tag, which is all another language's client relies on.
func TestGenericMsgpack(t *testing.T) {
	var enc Encoder
	for _, tc := range messageCases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := enc.Encode(tc.msg)
			if err != nil {
				t.Fatal(err)
			}
			var v []any
			if err := msgpack.Unmarshal(b, &v); err != nil {
				t.Fatalf("msgpack.Unmarshal: %v", err)
			}
			if len(v) == 0 || reflect.ValueOf(v[0]).Convert(reflect.TypeFor[int64]()).Int() != int64(tc.msg.Type()) {
				t.Fatalf("decoded %v, want the type tag %d first", v, tc.msg.Type())
			}
			// Re-encoding the generic value with the library's defaults (fixed-width ints)
			// must decode to the same message: peers need not encode integers compactly.
			wide, err := msgpack.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(wide)
			if err != nil {
				t.Fatalf("Decode(%x): %v", wide, err)
			}
			if !reflect.DeepEqual(got, tc.msg) {
				t.Fatalf("Decode = %+v, want %+v", got, tc.msg)
			}
		})
	}
}

func TestAppendKeepsPrefix(t *testing.T) {
	var enc Encoder
	prefix := []byte{0xAA, 0xBB}
	b, err := enc.Append(bytes.Clone(prefix), &Pong{ClientTime: 7, Tick: 9})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b[:2], prefix) {
		t.Fatalf("prefix overwritten: %x", b)
	}
	m, err := Decode(b[2:])
	if err != nil || !reflect.DeepEqual(m, &Pong{ClientTime: 7, Tick: 9}) {
		t.Fatalf("Decode = %+v, %v", m, err)
	}
}

// TestExtraFields checks the forward-compatibility rule: a decoder ignores elements appended
// to a message or to a record inside it.
func TestExtraFields(t *testing.T) {
	cases := []struct {
		name  string
		value []any
		want  Message
	}{
		{"input", []any{2, 5, 16, 3, -4, 77, "future", []any{1, 2}}, &Input{Seq: 5, Buttons: 16, AimX: 3, AimY: -4, View: 77}},
		{"input of a client that sends no view", []any{2, 5, 16, 3, -4}, &Input{Seq: 5, Buttons: 16, AimX: 3, AimY: -4}},
		{"bye", []any{4, map[string]int{"why": 1}}, &Bye{}},
		{"start", []any{5, "now"}, &Start{}},
		{"hello", []any{1, 1, "ada", "r", "", true}, &Hello{Version: 1, Name: "ada", Room: "r"}},
		{"ship record", []any{17, 5, 3,
			[]any{[]any{0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 99, "x"}},
			[]any{[]any{1, 0, 1, 2, 3, 4, 5, 6, nil}}, 0.5},
			&Snapshot{Tick: 5, State: StateRunning, Ships: []ShipRecord{{0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
				Projectiles: []ProjectileRecord{{1, 0, 1, 2, 3, 4, 5, 6}}}},
		{"event", []any{19, []any{[]any{4, 1, 0, 0, "gg", []byte{1}}}}, &Events{List: []Event{{Kind: EventCheer, Tick: 1, Text: "gg"}}}},
		{"unknown event kind", []any{19, []any{[]any{200, 1, 2, 3, ""}}}, &Events{List: []Event{{Kind: 200, Tick: 1, A: 2, B: 3}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := msgpack.Marshal(tc.value)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode(%x): %v", b, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Decode = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestHelloTrimsName(t *testing.T) {
	b, err := msgpack.Marshal([]any{1, 1, "  ada\t ", "r", ""})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if name := m.(*Hello).Name; name != "ada" {
		t.Fatalf("name %q, want %q", name, "ada")
	}
}

func TestCodes(t *testing.T) {
	cases := []struct {
		code      Code
		reconnect bool
	}{
		{CodeNormal, false}, {CodeGoingAway, true}, {CodeAbnormal, true}, {CodePolicy, false},
		{CodeTooBig, false}, {CodeInternal, true}, {CodeReplaced, false}, {CodeStuck, true}, {CodeKeepalive, true},
		{4499, true}, {CodeBadMessage, false}, {CodeSeatLost, false}, {4999, false}, {5000, false},
	}
	for _, tc := range cases {
		t.Run(tc.code.String(), func(t *testing.T) {
			if got := tc.code.Reconnect(); got != tc.reconnect {
				t.Fatalf("Code(%d).Reconnect() = %v, want %v", tc.code, got, tc.reconnect)
			}
		})
	}
}

func TestErrorMessageIsError(t *testing.T) {
	var err error = &Error{Code: CodeNoRoom, Message: "no room abc"}
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeNoRoom {
		t.Fatalf("errors.As(%v) failed", err)
	}
}

func TestStrings(t *testing.T) {
	cases := []struct{ got, want string }{
		{StateWaiting.String(), "waiting"}, {StateCountdown.String(), "countdown"},
		{StateRunning.String(), "running"}, {StatePaused.String(), "paused"},
		{StateEnded.String(), "ended"}, {State(9).String(), "state(9)"},
		{TypeDelta.String(), "delta"}, {Type(99).String(), "type(99)"},
		{CodeRoomFull.String(), "room full"}, {Code(4321).String(), "code 4321"},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// TestEncodeAllocs pins the hot paths: once its buffer has grown, an Encoder allocates
// nothing for the messages sent every tick.
func TestEncodeAllocs(t *testing.T) {
	var enc Encoder
	for _, tc := range messageCases {
		t.Run(tc.name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(100, func() {
				if _, err := enc.Encode(tc.msg); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("Encode allocates %.0f times", allocs)
			}
		})
	}
}
