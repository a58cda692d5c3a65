// Package tokens keeps the session tokens a player was given, one per server and room, in the
// user's config directory, so that a restarted client resumes its seat instead of taking a
// new one.
package tokens

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Store reads and writes tokens as small files in one directory, one file per server and
// room. The file name is a hash of both, so any server URL and room id make a safe name.
type Store struct {
	dir string
}

// DefaultDir is the directory a Store uses unless told otherwise: skirmish inside the user's
// config directory.
func DefaultDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the config directory: %w", err)
	}
	return filepath.Join(base, "skirmish"), nil
}

// New returns a Store over dir, which is created on the first Save.
func New(dir string) *Store { return &Store{dir: dir} }

// Load returns the token saved for server and room, or "" if there is none.
func (s *Store) Load(server, room string) (string, error) {
	b, err := os.ReadFile(s.path(server, room))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read session token: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// Save keeps token for server and room, readable by the user alone: the token is the only key
// to the seat. The write goes through a temporary file so a crash never leaves half a token.
func (s *Store) Save(server, room, token string) error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("create token directory: %w", err)
	}
	tmp, err := os.CreateTemp(s.dir, "token-*")
	if err != nil {
		return fmt.Errorf("save session token: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.WriteString(token + "\n"); err != nil {
		tmp.Close()
		return fmt.Errorf("save session token: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save session token: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.path(server, room)); err != nil {
		return fmt.Errorf("save session token: %w", err)
	}
	return nil
}

// Forget removes the token for server and room, for a seat that is gone for good.
func (s *Store) Forget(server, room string) error {
	err := os.Remove(s.path(server, room))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("forget session token: %w", err)
	}
	return nil
}

func (s *Store) path(server, room string) string {
	sum := sha256.Sum256([]byte(server + "\x00" + room))
	return filepath.Join(s.dir, "session-"+hex.EncodeToString(sum[:12]))
}
