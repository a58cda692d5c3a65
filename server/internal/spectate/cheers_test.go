package spectate_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"skirmish/game/protocol"
	"skirmish/server/internal/admission"
	"skirmish/server/internal/spectate"
	"skirmish/server/internal/ssetest"
)

func TestCheers(t *testing.T) {
	srv := newServer(t, spectate.Options{CheerBurst: 3, CheerEvery: time.Hour, Admission: admission.New(admission.Config{Origins: []string{"https://friends.example"}})})
	newRoom(t, srv.hub, "r", 2)
	es := ssetest.Open(t, srv.URL+"/rooms/r/events", ssetest.Options{})
	es.Must()
	url := srv.URL + "/api/rooms/r/cheers"

	// The cases run in order against one bucket of three cheers: refused cheers spend nothing.
	for _, tc := range []struct {
		name, url, body string
		status          int
		code            string
	}{
		{"reaction", url, `{"text":"🔥"}`, 202, ""},
		{"bad json", url, `{"text":`, 400, "bad_json"},
		{"not an object", url, `"gg"`, 400, "bad_json"},
		{"empty", url, `{"text":"  "}`, 400, "bad_cheer"},
		{"too long", url, `{"text":"` + strings.Repeat("a", protocol.MaxCheerRunes+1) + `"}`, 400, "bad_cheer"},
		{"control character", url, `{"text":"hi\u0007"}`, 400, "bad_cheer"},
		{"invalid utf-8", url, "{\"text\":\"\xff\xfe\"}", 400, "bad_cheer"},
		{"too large", url, `{"text":"` + strings.Repeat(" ", 2048) + `gg"}`, 413, "too_large"},
		{"unknown room", srv.URL + "/api/rooms/nope/cheers", `{"text":"gg"}`, 404, "room_not_found"},
		{"free text", url, `{"text":"what a shot! 👨‍🚀"}`, 202, ""},
		{"last token", url, `{"text":"gg"}`, 202, ""},
		{"rate limited", url, `{"text":"gg"}`, 429, "rate_limited"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, code, h := post(t, tc.url, tc.body, nil)
			if status != tc.status || code != tc.code {
				t.Fatalf("got %d %q, want %d %q", status, code, tc.status, tc.code)
			}
			if status == 429 && h.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		})
	}

	var got []string
	for range 3 {
		ev := es.Until("cheer")
		got = append(got, ssetest.Decode[struct{ Text string }](t, ev[len(ev)-1]).Text)
	}
	if want := "🔥|what a shot! 👨‍🚀|gg"; strings.Join(got, "|") != want {
		t.Fatalf("spectators saw cheers %q, want %q", got, want)
	}
}

func TestCheerOrigins(t *testing.T) {
	srv := newServer(t, spectate.Options{Admission: admission.New(admission.Config{Origins: []string{"https://friends.example"}})})
	newRoom(t, srv.hub, "r", 2)
	url := srv.URL + "/api/rooms/r/cheers"
	for _, tc := range []struct {
		name, method, origin, contentType string
		status                            int
		allowOrigin                       string
	}{
		{"same origin", http.MethodPost, srv.URL, "application/json", 202, ""},
		{"allowed origin", http.MethodPost, "https://friends.example", "application/json; charset=utf-8", 202, "https://friends.example"},
		{"foreign origin", http.MethodPost, "https://evil.example", "application/json", 403, ""},
		{"cross-site form", http.MethodPost, "https://evil.example", "text/plain", 403, ""},
		{"form from an allowed origin", http.MethodPost, "https://friends.example", "text/plain", 415, "https://friends.example"},
		{"no content type", http.MethodPost, "", "", 415, ""},
		{"preflight", http.MethodOptions, "https://friends.example", "", 204, "https://friends.example"},
		{"wrong method", http.MethodPut, "", "", 405, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, url, strings.NewReader(`{"text":"gg"}`))
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tc.allowOrigin {
				t.Fatalf("Access-Control-Allow-Origin %q, want %q", got, tc.allowOrigin)
			}
		})
	}
}
