package transport

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestCloseReason: every reason fits a close frame as valid UTF-8 and keeps as much of the
// text as fits.
func TestCloseReason(t *testing.T) {
	tests := []struct {
		name   string
		reason string
		want   string
	}{
		{"short reason unchanged", "room full", "room full"},
		{"exactly the limit", strings.Repeat("a", 123), strings.Repeat("a", 123)},
		{"ascii cut at the limit", strings.Repeat("a", 200), strings.Repeat("a", 123)},
		{"two-byte character straddling the limit", strings.Repeat("a", 122) + "é", strings.Repeat("a", 122)},
		{"four-byte characters", strings.Repeat("🚀", 40), strings.Repeat("🚀", 30)},
		{"invalid bytes replaced", "name \xff\xfe", "name \uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := closeReason(tt.reason)
			if got != tt.want || len(got) > maxCloseReason || !utf8.ValidString(got) {
				t.Fatalf("closeReason(%q) = %q (%d bytes), want %q", tt.reason, got, len(got), tt.want)
			}
		})
	}
}
