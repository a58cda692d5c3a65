package procstat

import (
	"errors"
	"os"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Sample
		err  bool
	}{
		{
			name: "plain command",
			line: "4242 (skirmish) S 1 4242 4242 0 -1 4194560 1200 0 0 0 250 75 0 0 20 0 9 0 1000 1234567 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n",
			want: Sample{CPU: 3250 * time.Millisecond, Threads: 9, RSS: 300 * 4096},
		},
		{
			name: "command with spaces and parentheses",
			line: "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 5 100 10 0",
			want: Sample{CPU: 30 * time.Millisecond, Threads: 1, RSS: 10 * 4096},
		},
		{name: "no command", line: "7 a R 1", err: true},
		{name: "truncated", line: "7 (a) R 1 7 7 0 -1 0 0 0 0 0 1 2", err: true},
		{name: "not a number", line: "7 (a) R 1 7 7 0 -1 0 0 0 0 0 x 2 0 0 20 0 1 0 5 100 10 0", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.line), 4096)
			if tt.err {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("Parse error = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got != tt.want {
				t.Errorf("Parse = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestReadSelf(t *testing.T) {
	s, err := Read(os.Getpid())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if s.RSS <= 0 || s.Threads <= 0 {
		t.Errorf("Read = %+v, want a positive resident set and thread count", s)
	}
}

func TestParseSchedstat(t *testing.T) {
	tests := []struct {
		name string
		line string
		want time.Duration
		err  bool
	}{
		{name: "three fields", line: "123456789 98765 42\n", want: 98765},
		{name: "one field", line: "123", err: true},
		{name: "not a number", line: "1 x 2", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSchedstat([]byte(tt.line))
			if tt.err != (err != nil) || got != tt.want {
				t.Errorf("ParseSchedstat = %v, %v; want %v, error %v", got, err, tt.want, tt.err)
			}
		})
	}
	if _, err := RunQueueWait(0); err != nil {
		t.Errorf("RunQueueWait of this process: %v", err)
	}
}
