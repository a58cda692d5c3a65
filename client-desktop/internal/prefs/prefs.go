// Package prefs keeps the player's settings between runs of the client, as a small JSON file
// in the client's config directory.
package prefs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Prefs are the settings kept.
type Prefs struct {
	Muted bool `json:"muted"` // no sound
}

// file is the settings file's name in the directory.
const file = "prefs.json"

// Load reads the settings kept in dir; without any it returns the defaults.
func Load(dir string) (Prefs, error) {
	var p Prefs
	data, err := os.ReadFile(filepath.Join(dir, file))
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err == nil {
		err = json.Unmarshal(data, &p)
	}
	if err != nil {
		return Prefs{}, fmt.Errorf("read settings: %w", err)
	}
	return p, nil
}

// Save keeps p in dir, creating it.
func Save(dir string, p Prefs) error {
	data, err := json.Marshal(p)
	if err == nil {
		err = os.MkdirAll(dir, 0o700)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, file), append(data, '\n'), 0o600)
	}
	if err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	return nil
}
