package tokens

import (
	"os"
	"path/filepath"
	"testing"
)

func TestStoreKeepsOneTokenPerServerAndRoom(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "skirmish")
	s := New(dir)
	const a, b = "ws://127.0.0.1:8080/ws", "ws://example.org/ws"
	saves := []struct{ server, room, token string }{
		{a, "r1", "aaaa"},
		{a, "r2", "bbbb"},
		{b, "r1", "cccc"},
		{a, "r1", "dddd"}, // a newer seat in the same room replaces the old token
	}
	for _, sv := range saves {
		if err := s.Save(sv.server, sv.room, sv.token); err != nil {
			t.Fatal(err)
		}
	}
	// A second Store over the same directory stands for a restarted client.
	restarted := New(dir)
	tests := []struct {
		name, server, room, want string
	}{
		{"replaced", a, "r1", "dddd"},
		{"other room", a, "r2", "bbbb"},
		{"other server", b, "r1", "cccc"},
		{"never joined", b, "r2", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := restarted.Load(tt.server, tt.room)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Load(%q, %q) = %q, want %q", tt.server, tt.room, got, tt.want)
			}
		})
	}
}

func TestForgetRemovesTheSeat(t *testing.T) {
	s := New(t.TempDir())
	if err := s.Save("ws://h/ws", "r", "tok"); err != nil {
		t.Fatal(err)
	}
	if err := s.Forget("ws://h/ws", "r"); err != nil {
		t.Fatal(err)
	}
	if err := s.Forget("ws://h/ws", "r"); err != nil {
		t.Errorf("forgetting twice: %v", err)
	}
	if got, err := s.Load("ws://h/ws", "r"); err != nil || got != "" {
		t.Errorf("Load after Forget = %q, %v; want empty", got, err)
	}
}

func TestTokenFileIsPrivate(t *testing.T) {
	dir := t.TempDir()
	s := New(dir)
	if err := s.Save("ws://h/ws", "r", "secret"); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("want exactly one file, got %v (%v)", entries, err)
	}
	info, err := entries[0].Info()
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("token file mode %v is readable by others", perm)
	}
}
