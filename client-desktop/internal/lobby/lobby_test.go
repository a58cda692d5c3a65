package lobby

import "testing"

func TestHTTPBase(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{name: "default", in: "ws://localhost:8080/ws", want: "http://localhost:8080"},
		{name: "tls", in: "wss://game.example/ws", want: "https://game.example"},
		{name: "prefix kept", in: "ws://h:1/skirmish/ws", want: "http://h:1/skirmish"},
		{name: "trailing slash", in: "ws://h/ws/", want: "http://h"},
		{name: "no path", in: "ws://h:9", want: "http://h:9"},
		{name: "query dropped", in: "ws://h/ws?x=1", want: "http://h"},
		{name: "wrong scheme", in: "ftp://h/ws", wantErr: true},
		{name: "no host", in: "ws:///ws", wantErr: true},
		{name: "garbage", in: "::", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := HTTPBase(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("HTTPBase(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("HTTPBase(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
