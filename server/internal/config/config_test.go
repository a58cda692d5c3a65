package config

import (
	"errors"
	"io"
	"slices"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want func(c *Config) bool
		bad  bool
	}{
		{name: "defaults", want: func(c *Config) bool {
			return c.Addr == ":8080" && c.TickRate == 30 && c.SpectatorRate == 10 && c.Grace == time.Minute &&
				c.Map == "arena" && c.FragLimit == 10 && c.TimeLimit == 3*time.Minute && c.Overload && c.MaxRewind == 500*time.Millisecond
		}},
		{name: "match flags", args: []string{"-map", "pillars", "-frag-limit", "5", "-time-limit", "90s"}, want: func(c *Config) bool {
			return c.Map == "pillars" && c.FragLimit == 5 && c.TimeLimit == 90*time.Second
		}},
		{name: "unknown map", args: []string{"-map", "moon"}, bad: true},
		{name: "frag limit zero", args: []string{"-frag-limit", "0"}, bad: true},
		{name: "match too long", args: []string{"-time-limit", "2h"}, bad: true},
		{name: "env address", env: map[string]string{"SKIRMISH_ADDR": ":9000"}, want: func(c *Config) bool { return c.Addr == ":9000" }},
		{name: "flag beats env", args: []string{"-addr", ":9001"}, env: map[string]string{"SKIRMISH_ADDR": ":9000"}, want: func(c *Config) bool { return c.Addr == ":9001" }},
		{name: "all flags", args: []string{"-tick", "60", "-spectator-rate", "5", "-grace", "5s", "-origins", "https://a.example, https://b.example/", "-data", "d", "-max-rewind", "250ms"},
			want: func(c *Config) bool {
				return c.TickRate == 60 && c.SpectatorRate == 5 && c.Grace == 5*time.Second && c.DataDir == "d" && c.MaxRewind == 250*time.Millisecond &&
					slices.Equal(c.Origins, []string{"https://a.example", "https://b.example"})
			}},
		{name: "limits", args: []string{"-max-rooms", "7", "-rooms-per-ip", "0", "-max-conns-per-ip", "3", "-max-spectators", "9", "-records-max-size", "1000"},
			want: func(c *Config) bool {
				return c.MaxRooms == 7 && c.RoomsPerIP == 0 && c.MaxConnsPerIP == 3 && c.MaxSpectators == 9 && c.RecordsMaxSize == 1000
			}},
		{name: "overload protection off", args: []string{"-overload=false"}, want: func(c *Config) bool { return !c.Overload }},
		{name: "any origin", args: []string{"-origins", "*"}, want: func(c *Config) bool { return slices.Equal(c.Origins, []string{"*"}) }},
		{name: "tls", args: []string{"-tls-cert", "c.pem", "-tls-key", "k.pem", "-metrics-addr", "127.0.0.1:9100"},
			want: func(c *Config) bool {
				return c.TLSCert == "c.pem" && c.TLSKey == "k.pem" && c.MetricsAddr == "127.0.0.1:9100"
			}},
		{name: "negative limit", args: []string{"-max-rooms", "-1"}, bad: true},
		{name: "certificate without key", args: []string{"-tls-cert", "c.pem"}, bad: true},
		{name: "tick too low", args: []string{"-tick", "9"}, bad: true},
		{name: "tick too high", args: []string{"-tick", "129"}, bad: true},
		{name: "tick not a number", args: []string{"-tick", "fast"}, bad: true},
		{name: "spectator rate too low", args: []string{"-spectator-rate", "0"}, bad: true},
		{name: "spectator rate too high", args: []string{"-spectator-rate", "31"}, bad: true},
		{name: "negative grace", args: []string{"-grace", "-1s"}, bad: true},
		{name: "lag compensation off", args: []string{"-max-rewind", "0"}, want: func(c *Config) bool { return c.MaxRewind == 0 }},
		{name: "rewind beyond the bound", args: []string{"-max-rewind", "1001ms"}, bad: true},
		{name: "negative rewind", args: []string{"-max-rewind", "-5ms"}, bad: true},
		{name: "records kept", args: []string{"-keep-matches", "50"}, want: func(c *Config) bool { return c.KeepMatches == 50 }},
		{name: "records kept by default", want: func(c *Config) bool { return c.KeepMatches == 1000 }},
		{name: "negative records kept", args: []string{"-keep-matches", "-1"}, bad: true},
		{name: "no operators by default", want: func(c *Config) bool { return c.AdminToken == "" }},
		{name: "operator token", args: []string{"-admin-token", "s3cret-s3cret"}, want: func(c *Config) bool { return c.AdminToken == "s3cret-s3cret" }},
		{name: "operator token from env", env: map[string]string{"SKIRMISH_ADMIN_TOKEN": "from-the-environment"}, want: func(c *Config) bool { return c.AdminToken == "from-the-environment" }},
		{name: "operator token too short", args: []string{"-admin-token", "abc"}, bad: true},
		{name: "operator token with a space", args: []string{"-admin-token", "two words here"}, bad: true},
		{name: "origin without scheme", args: []string{"-origins", "example.com"}, bad: true},
		{name: "fleet", args: []string{"-nats", "nats://localhost:4222", "-node-id", "n1", "-public-url", "ws://localhost:8081/ws"},
			want: func(c *Config) bool {
				return c.NATS == "nats://localhost:4222" && c.NodeID == "n1" && c.PublicURL == "ws://localhost:8081/ws"
			}},
		{name: "node id without nats", args: []string{"-node-id", "n1"}, bad: true},
		{name: "public url not websocket", args: []string{"-nats", "nats://localhost:4222", "-public-url", "http://localhost:8081/"}, bad: true},
		{name: "node id with a dot", args: []string{"-nats", "nats://localhost:4222", "-node-id", "n.1"}, bad: true},
		{name: "unknown flag", args: []string{"-port", "80"}, bad: true},
		{name: "stray argument", args: []string{"extra"}, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if tt.bad {
				if !errors.Is(err, ErrUsage) {
					t.Fatalf("Parse(%q) = %v, want a usage error", tt.args, err)
				}
				return
			}
			if err != nil || !tt.want(&cfg) {
				t.Fatalf("Parse(%q) = %+v, %v", tt.args, cfg, err)
			}
		})
	}
}
