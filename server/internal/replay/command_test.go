package replay

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"skirmish/game"
	"skirmish/server/internal/record"
)

// cutOff writes the record of a match that a crash cut off after ten ticks.
func cutOff(t *testing.T, dir string) string {
	t.Helper()
	w, world, m := begin(t, dir, "cut", "arena", game.DefaultConfig(2, 30))
	for range 10 {
		world.Step(make([]game.Input, 2))
		m.Step(world, make([]game.Input, 2))
	}
	m.Flush()
	w.Close()
	return record.Path(dir, "cut-0")
}

func TestCommandRefusals(t *testing.T) {
	dir := t.TempDir()
	notRecord := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notRecord, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"no file", nil, 2, "usage: skirmish replay FILE"},
		{"two files", []string{"a", "b"}, 2, "usage"},
		{"an unknown flag", []string{"-x", "a"}, 2, "-x"},
		{"a missing file", []string{filepath.Join(dir, "gone.rec")}, 1, "no such file"},
		{"not a record", []string{notRecord}, 1, "not a match record"},
		{"a record without its end", []string{cutOff(t, dir)}, 1, "FAILED: the record has no end (its match was cut off); its 10 ticks"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Command(tt.args, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stderr.String(), tt.says) || stdout.Len() > 0 {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d saying %q", code, stdout.String(), stderr.String(), tt.code, tt.says)
			}
		})
	}
}
