package protocol

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// mustMarshal encodes a generic value with the library's defaults, as a foreign peer might.
func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeErrors(t *testing.T) {
	ship := []any{0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	cases := []struct {
		name  string
		value any    // encoded with msgpack.Marshal, unless raw is set
		raw   string // hex
		want  error
		code  Code
	}{
		{name: "empty input", raw: "", want: ErrMalformed, code: CodeBadMessage},
		{name: "not an array", value: map[string]int{"type": 2}, want: ErrMalformed, code: CodeBadMessage},
		{name: "bare integer", value: 2, want: ErrMalformed, code: CodeBadMessage},
		{name: "empty array", value: []any{}, want: ErrMalformed, code: CodeBadMessage},
		{name: "string tag", value: []any{"input", 1, 0, 0, 0}, want: ErrMalformed, code: CodeBadMessage},
		{name: "unknown tag", value: []any{9, 1}, want: ErrUnknownType, code: CodeUnknown},
		{name: "huge tag", value: []any{1 << 40}, want: ErrUnknownType, code: CodeUnknown},
		{name: "negative tag", value: []any{-1}, want: ErrMalformed, code: CodeBadMessage},
		{name: "trailing garbage", raw: "91 04 00", want: ErrMalformed, code: CodeBadMessage},
		{name: "two messages", raw: "91 04 91 04", want: ErrMalformed, code: CodeBadMessage},
		{name: "truncated array", raw: "95 02 01", want: ErrMalformed, code: CodeBadMessage},
		{name: "array length lies", raw: "dd ffffffff 02", want: ErrMalformed, code: CodeBadMessage},
		{name: "string length lies", raw: "95 01 01 db 7fffffff 61", want: ErrMalformed, code: CodeBadMessage},
		{name: "truncated uint32", raw: "95 02 ce 0000", want: ErrMalformed, code: CodeBadMessage},
		{name: "reserved byte", raw: "92 04 c1", want: ErrMalformed, code: CodeBadMessage},
		{name: "deep nesting in extra field", raw: "92 04" + strings.Repeat("91", 40) + "00", want: ErrMalformed, code: CodeBadMessage},
		{name: "input short", value: []any{2, 1, 0, 0}, want: ErrMalformed, code: CodeBadMessage},
		{name: "input seq zero", value: []any{2, 0, 0, 0, 0}, want: ErrMalformed, code: CodeBadMessage},
		{name: "input seq negative", value: []any{2, -5, 0, 0, 0}, want: ErrMalformed, code: CodeBadMessage},
		{name: "input seq over uint32", value: []any{2, uint64(1) << 32, 0, 0, 0}, want: ErrMalformed, code: CodeBadMessage},
		{name: "input seq over int64", value: []any{2, uint64(1) << 63, 0, 0, 0}, want: ErrMalformed, code: CodeBadMessage},
		{name: "input unknown buttons", value: []any{2, 1, 32, 0, 0}, want: ErrMalformed, code: CodeBadMessage},
		{name: "input aim overflow", value: []any{2, 1, 0, 40000, 0}, want: ErrMalformed, code: CodeBadMessage},
		{name: "input float aim", value: []any{2, 1, 0, 1.5, 0}, want: ErrMalformed, code: CodeBadMessage},
		{name: "input negative view", value: []any{2, 1, 0, 0, 0, -1}, want: ErrMalformed, code: CodeBadMessage},
		{name: "input view over uint32", value: []any{2, 1, 0, 0, 0, uint64(1) << 32}, want: ErrMalformed, code: CodeBadMessage},
		{name: "input view not a number", value: []any{2, 1, 0, 0, 0, "tick"}, want: ErrMalformed, code: CodeBadMessage},
		{name: "input integral float aim", value: []any{2, 1, 0, 2.0, 0}, want: ErrMalformed, code: CodeBadMessage},
		{name: "input nil seq", value: []any{2, nil, 0, 0, 0}, want: ErrMalformed, code: CodeBadMessage},
		{name: "ping string", value: []any{3, "now"}, want: ErrMalformed, code: CodeBadMessage},
		{name: "hello old version", value: []any{1, 0, "ada", "r", ""}, want: ErrVersion, code: CodeVersion},
		{name: "hello future version", value: []any{1, 2, map[string]string{"name": "ada"}}, want: ErrVersion, code: CodeVersion},
		{name: "hello huge version", value: []any{1, uint64(1) << 40, "ada", "r", ""}, want: ErrVersion, code: CodeVersion},
		{name: "hello no version", value: []any{1}, want: ErrMalformed, code: CodeBadMessage},
		{name: "hello short", value: []any{1, 1, "ada", "r"}, want: ErrMalformed, code: CodeBadMessage},
		{name: "hello empty name", value: []any{1, 1, "", "r", ""}, want: ErrBadName, code: CodeBadName},
		{name: "hello blank name", value: []any{1, 1, "   ", "r", ""}, want: ErrBadName, code: CodeBadName},
		{name: "hello long name", value: []any{1, 1, "abcdefghijklmnopq", "r", ""}, want: ErrBadName, code: CodeBadName},
		{name: "hello control in name", value: []any{1, 1, "a\x00b", "r", ""}, want: ErrBadName, code: CodeBadName},
		{name: "hello invalid utf8 name", value: []any{1, 1, "a\xffb", "r", ""}, want: ErrBadName, code: CodeBadName},
		{name: "hello name not a string", value: []any{1, 1, 42, "r", ""}, want: ErrMalformed, code: CodeBadMessage},
		{name: "hello long room", value: []any{1, 1, "ada", strings.Repeat("r", MaxRoom+1), ""}, want: ErrMalformed, code: CodeBadMessage},
		{name: "hello short token", value: []any{1, 1, "ada", "r", "abc"}, want: ErrBadToken, code: CodeBadToken},
		{name: "hello non-hex token", value: []any{1, 1, "ada", "r", strings.Repeat("z", TokenLen)}, want: ErrBadToken, code: CodeBadToken},
		{name: "snapshot bad state", value: []any{17, 1, 9, []any{}, []any{}}, want: ErrMalformed},
		{name: "snapshot seat order", value: []any{17, 1, 3, []any{[]any{1, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}, []any{}}, want: ErrMalformed},
		{name: "snapshot short ship", value: []any{17, 1, 3, []any{ship[:13]}, []any{}}, want: ErrMalformed},
		{name: "snapshot aim overflow", value: []any{17, 1, 3, []any{[]any{0, 3, 1, 2, 3, 4, 500, 6, 7, 8, 9, 10, 11, 12}}, []any{}}, want: ErrMalformed},
		{name: "snapshot projectile order", value: []any{17, 1, 3, []any{ship},
			[]any{[]any{5, 0, 0, 0, 0, 0, 1}, []any{5, 0, 0, 0, 0, 0, 1}}}, want: ErrMalformed},
		{name: "delta wrong base", value: []any{18, 5, 3, 3, []any{}, []any{}, []any{}}, want: ErrMalformed},
		{name: "delta seats unordered", value: []any{18, 5, 4, 3, []any{[]any{1, 1, 2}, []any{1, 1, 2}}, []any{}, []any{}}, want: ErrMalformed},
		{name: "delta old full ship entry", value: []any{18, 5, 4, 3, []any{ship}, []any{}, []any{}}, want: ErrMalformed},
		{name: "delta ship seat only", value: []any{18, 5, 4, 3, []any{[]any{0}}, []any{}, []any{}}, want: ErrMalformed},
		{name: "delta ship mask zero", value: []any{18, 5, 4, 3, []any{[]any{0, 0}}, []any{}, []any{}}, want: ErrMalformed},
		{name: "delta ship mask negative", value: []any{18, 5, 4, 3, []any{[]any{0, -1, 1}}, []any{}, []any{}}, want: ErrMalformed},
		{name: "delta ship mask beyond 13 fields", value: []any{18, 5, 4, 3, []any{[]any{0, 1 << 13, 1}}, []any{}, []any{}}, want: ErrMalformed},
		{name: "delta ship fewer changes than mask", value: []any{18, 5, 4, 3, []any{[]any{0, 0b101, 1}}, []any{}, []any{}}, want: ErrMalformed},
		{name: "delta ship more changes than mask", value: []any{18, 5, 4, 3, []any{[]any{0, 0b101, 1, 2, 3}}, []any{}, []any{}}, want: ErrMalformed},
		{name: "delta ship zero change", value: []any{18, 5, 4, 3, []any{[]any{0, 0b11, 1, 0}}, []any{}, []any{}}, want: ErrMalformed},
		{name: "delta ship change out of range", value: []any{18, 5, 4, 3, []any{[]any{0, 1 << 5, 256}}, []any{}, []any{}}, want: ErrMalformed},
		{name: "delta ship float mask", value: []any{18, 5, 4, 3, []any{[]any{0, 1.0, 1}}, []any{}, []any{}}, want: ErrMalformed},
		{name: "delta ship seat over 255", value: []any{18, 5, 4, 3, []any{[]any{256, 1, 1}}, []any{}, []any{}}, want: ErrMalformed},
		{name: "delta removed unordered", value: []any{18, 5, 4, 3, []any{}, []any{}, []any{3, 2}}, want: ErrMalformed},
		{name: "status bool as int", value: []any{20, 3, 0, []any{[]any{0, "ada", 0, 1, 0, 0}}, []any{}, []any{}}, want: ErrMalformed},
		{name: "status negative stateEnds", value: []any{20, 3, -1, []any{}, []any{}, []any{}}, want: ErrMalformed},
		{name: "error long text", value: []any{22, 4500, strings.Repeat("x", 2000)}, want: ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := mustHex(t, tc.raw)
			if tc.value != nil {
				b = mustMarshal(t, tc.value)
			}
			m, err := Decode(b)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Decode(%x) = %+v, %v; want %v", b, m, err, tc.want)
			}
			var r Reader
			if _, err := r.Decode(b); !errors.Is(err, tc.want) {
				t.Fatalf("Reader.Decode(%x) = %v, want %v", b, err, tc.want)
			}
			if tc.code != 0 {
				if _, err := r.DecodeClient(b); CodeOf(err) != tc.code {
					t.Fatalf("DecodeClient(%x) = %v, close code %d; want %d", b, err, CodeOf(err), tc.code)
				}
			}
		})
	}
}

func TestDecodeClientRefuses(t *testing.T) {
	cases := []struct {
		name string
		msg  []byte
		want error
	}{
		{"server message", mustMarshal(t, []any{21, 1, 2}), ErrUnknownType},
		{"too big", append(mustMarshal(t, []any{3, 1}), bytes.Repeat([]byte{0}, MaxClientMessage)...), ErrTooBig},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r Reader
			if _, err := r.DecodeClient(tc.msg); !errors.Is(err, tc.want) {
				t.Fatalf("DecodeClient = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestDecodeClientAllocs pins the server's hot path: decoding inputs and pings into a
// Reader allocates nothing.
func TestDecodeClientAllocs(t *testing.T) {
	var enc Encoder
	var r Reader
	for _, m := range []Message{&Input{Seq: 77, Buttons: 17, AimX: -3, AimY: 300}, &Ping{ClientTime: 1e9}, &Bye{}} {
		b, err := enc.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.Clone(b)
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := r.DecodeClient(b); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("DecodeClient(%s) allocates %.0f times", m.Type(), allocs)
		}
	}
}
