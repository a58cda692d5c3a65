package protocol

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

var update = flag.Bool("update", false, "rewrite testdata/messages.json, testdata/constants.json and the FuzzDecode seed corpus")

const goldenPath = "testdata/messages.json"

// goldenEntry is one message of testdata/messages.json: its encoding and the msgpack value it
// holds, in JSON, so that a client in another language can check its codec on the same bytes.
type goldenEntry struct {
	Name  string          `json:"name"`
	Hex   string          `json:"hex"`
	Value json.RawMessage `json:"value"`
}

// jsSafe reports whether every integer in a generic msgpack value fits a JavaScript number.
func jsSafe(v any) bool {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if !jsSafe(e) {
				return false
			}
		}
	case int64:
		return -(1<<53) <= v && v <= 1<<53
	case uint64:
		return v <= 1<<53
	}
	return true
}

func goldenEntries(t *testing.T) []goldenEntry {
	var enc Encoder
	var entries []goldenEntry
	for _, tc := range messageCases {
		b, err := enc.Encode(tc.msg)
		if err != nil {
			t.Fatal(err)
		}
		dec := msgpack.NewDecoder(bytes.NewReader(b))
		dec.UseLooseInterfaceDecoding(true) // every integer as int64 or uint64
		v, err := dec.DecodeInterface()
		if err != nil {
			t.Fatal(err)
		}
		if !jsSafe(v) {
			continue
		}
		js, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, goldenEntry{Name: tc.name, Hex: hex.EncodeToString(b), Value: js})
	}
	return entries
}

// formatGolden writes one entry a line, so that a diff of the file shows which message changed.
func formatGolden(entries []goldenEntry) []byte {
	var buf bytes.Buffer
	buf.WriteString("[\n")
	for i, e := range entries {
		line, _ := json.Marshal(e)
		buf.WriteString("  ")
		buf.Write(line)
		if i < len(entries)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]\n")
	return buf.Bytes()
}

// TestGolden pins the encoding of every message in testdata/messages.json, which the web
// client's tests read too. Run with -update after a deliberate change of the wire format.
func TestGolden(t *testing.T) {
	want := formatGolden(goldenEntries(t))
	if *update {
		if err := os.WriteFile(goldenPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
		writeSeedCorpus(t)
	}
	got, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	var entries []goldenEntry
	if err := json.Unmarshal(got, &entries); err != nil {
		t.Fatalf("%s: %v", goldenPath, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is out of date with the encoder (go test -run TestGolden -update rewrites it)", goldenPath)
	}
	// The file is also a decoding test: each hex string decodes to the message of its name.
	byName := map[string]Message{}
	for _, tc := range messageCases {
		byName[tc.name] = tc.msg
	}
	for _, e := range entries {
		t.Run(e.Name, func(t *testing.T) {
			b, err := hex.DecodeString(e.Hex)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if want, ok := byName[e.Name]; ok && !reflect.DeepEqual(m, want) {
				t.Fatalf("Decode = %+v, want %+v", m, want)
			}
		})
	}
}

// writeSeedCorpus writes every message case as a FuzzDecode seed in go test's corpus format.
func writeSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var enc Encoder
	for _, tc := range messageCases {
		b, err := enc.Encode(tc.msg)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, "seed-"+slug(tc.name))
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func slug(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			b[i] = '-'
		}
	}
	return string(b)
}
