package prefs

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMuteIsKeptBetweenRuns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "skirmish")
	p, err := Load(dir)
	if err != nil || p.Muted {
		t.Fatalf("first run: %+v, %v; want the defaults", p, err)
	}
	if err := Save(dir, Prefs{Muted: true}); err != nil {
		t.Fatal(err)
	}
	if p, err := Load(dir); err != nil || !p.Muted {
		t.Errorf("next run: %+v, %v; want muted", p, err)
	}
	if err := os.WriteFile(filepath.Join(dir, file), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil {
		t.Errorf("a broken settings file loads without an error")
	}
}
