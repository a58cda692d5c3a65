package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestCommittedSpritesAreCurrent regenerates the sprites and compares them with the committed
// ones, so a palette change cannot ship without `go generate ./assets`.
func TestCommittedSpritesAreCurrent(t *testing.T) {
	out := t.TempDir()
	if err := run(filepath.Join("..", "..", "palette.json"), out); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(out, "*.png"))
	if err != nil || len(files) != 11 {
		t.Fatalf("generated %d files (%v), want 11", len(files), err)
	}
	for _, f := range files {
		got, _ := os.ReadFile(f)
		want, err := os.ReadFile(filepath.Join("..", "..", "sprites", filepath.Base(f)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs from the committed sprite (%v): run go generate ./assets", filepath.Base(f), err)
		}
	}
}
