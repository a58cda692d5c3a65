package cli

import (
	"strings"
	"testing"
)

func TestBadCommandLines(t *testing.T) {
	tests := []struct {
		name string
		args []string
		says string
	}{
		{name: "unknown flag", args: []string{"-fast"}, says: "flag provided but not defined"},
		{name: "stray argument", args: []string{"now"}, says: `unexpected argument "now"`},
		{name: "unknown baseline", args: []string{"-baseline", "fastest"}, says: `unknown baseline "fastest"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			if code := Run(tt.args, &stdout, &stderr); code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			if !strings.Contains(stderr.String(), tt.says) {
				t.Errorf("stderr %q does not say %q", stderr.String(), tt.says)
			}
		})
	}
}
