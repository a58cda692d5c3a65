package clientweb

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestFSServesThePage checks, through net/http as the server mounts FS, that the pages and
// every script and stylesheet they reference are served.
func TestFSServesThePage(t *testing.T) {
	srv := httptest.NewServer(http.FileServerFS(FS))
	defer srv.Close()

	get := func(path string) (int, string) {
		t.Helper()
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return res.StatusCode, string(body)
	}

	status, page := get("/")
	if status != http.StatusOK || !strings.Contains(page, "<canvas") {
		t.Fatalf("GET /: status %d, want 200 with the game page", status)
	}
	// Files have a dot in their names; links to other pages (/watch) have none.
	files := regexp.MustCompile(`(?:src|href)="(/[^"]+\.[a-z]+)"`)
	refs := files.FindAllStringSubmatch(page, -1)
	if len(refs) < 2 {
		t.Fatalf("index.html references %d files, want the bundle and the stylesheet", len(refs))
	}
	for _, other := range []string{"/watch.html", "/admin.html"} {
		status, page := get(other)
		if status != http.StatusOK {
			t.Fatalf("GET %s: status %d", other, status)
		}
		refs = append(refs, files.FindAllStringSubmatch(page, -1)...)
	}
	// The pages fetch the palette, sprites and maps at run time.
	refs = append(refs, []string{"", "/assets/palette.json"}, []string{"", "/assets/sprites/ship0.png"}, []string{"", "/assets/maps/arena.txt"})
	for _, ref := range refs {
		t.Run(ref[1], func(t *testing.T) {
			if status, body := get(ref[1]); status != http.StatusOK || body == "" {
				t.Errorf("GET %s: status %d, %d bytes", ref[1], status, len(body))
			}
		})
	}
}

func TestFSRejectsEscapes(t *testing.T) {
	for _, name := range []string{"../embed.go", "/index.html", "static/index.html"} {
		t.Run(name, func(t *testing.T) {
			if f, err := FS.Open(name); err == nil {
				f.Close()
				t.Errorf("Open(%q) succeeded, want an error", name)
			}
		})
	}
	if _, err := fs.Stat(FS, "dist/play.js"); err != nil {
		t.Errorf("dist/play.js: %v", err)
	}
}
