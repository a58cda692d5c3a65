package test

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"skirmish/assets"
	"skirmish/client-desktop/internal/lobby"
	"skirmish/client-desktop/internal/match"
	"skirmish/server/servertest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	servertest.Cleanup()
	os.Exit(code)
}

// needDisplay skips a test that opens a window when there is no X display to open it on.
func needDisplay(t *testing.T) {
	t.Helper()
	if os.Getenv("DISPLAY") == "" {
		t.Skip("no X display (DISPLAY is unset): run under xvfb-run, as `make test` does, to play the desktop client")
	}
}

// artifact returns where a file a person may want to look at after the run goes:
// $ARTIFACTS_DIR if set, else client-desktop/testdata/out.
func artifact(t *testing.T, name string) string {
	t.Helper()
	dir := os.Getenv("ARTIFACTS_DIR")
	if dir == "" {
		dir = filepath.Join("..", "testdata", "out")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// player is one run of the client binary.
type player struct {
	cmd     *exec.Cmd
	out     strings.Builder
	summary string
	done    chan error
}

// startPlayer runs the client, steered by its autopilot, until it has played a running match
// for playFor (or, at the latest, for a minute). More flags, such as the window's size, come
// in extra.
func startPlayer(t *testing.T, bin, server, room, tokens, shot string, playFor time.Duration, extra ...string) *player {
	t.Helper()
	p := &player{summary: filepath.Join(t.TempDir(), "summary.json"), done: make(chan error, 1)}
	args := []string{"-server", server, "-room", room, "-name", "smoke", "-tokens", tokens, "-autopilot",
		"-summary", p.summary, "-play-for", playFor.String(), "-quit-after", time.Minute.String()}
	if shot != "" {
		args = append(args, "-screenshot", shot)
	}
	args = append(args, extra...)
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
	})
	return p
}

// wait waits for the client to quit by itself within limit and returns its summary.
func (p *player) wait(t *testing.T, limit time.Duration) match.Summary {
	t.Helper()
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("client exited with %v:\n%s", err, p.out.String())
		}
	case <-time.After(limit):
		t.Fatalf("client still running after %v:\n%s", limit, p.out.String())
	}
	data, err := os.ReadFile(p.summary)
	if err != nil {
		t.Fatalf("no summary: %v\n%s", err, p.out.String())
	}
	var s match.Summary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// awaitRoom polls the room API until ok accepts the room or the deadline passes.
func awaitRoom(t *testing.T, api *lobby.Client, id string, what string, ok func(lobby.Room) bool) lobby.Room {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var r lobby.Room
	var err error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		r, err = api.Room(ctx, id)
		cancel()
		if err == nil && ok(r) {
			return r
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("room %s: waited 30 s for %s; last seen %+v (%v)", id, what, r, err)
	return r
}

// seated finds the human player called smoke in r.
func seated(r lobby.Room) (lobby.Player, bool) {
	for _, p := range r.Players {
		if p.Name == "smoke" && !p.Bot {
			return p, true
		}
	}
	return lobby.Player{}, false
}

// arena prepares a test that plays: it needs a display, runs in parallel with the others,
// and gets the client binary, a fresh server and a room of four seats with three bots.
func arena(t *testing.T) (clientBin, server string, api *lobby.Client, room string) {
	return arenaOf(t, 4, 3)
}

// arenaOf is arena with a room of seats seats, bots of them held by bots.
func arenaOf(t *testing.T, seats, bots int) (clientBin, server string, api *lobby.Client, room string) {
	t.Helper()
	needDisplay(t)
	t.Parallel()
	clientBin = servertest.Build(t, "skirmish/client-desktop")
	server = servertest.Start(t, "-grace", "60s").URL()
	api, err := lobby.NewClient(server)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	room, err = api.Create(ctx, seats, bots)
	if err != nil {
		t.Fatal(err)
	}
	return clientBin, server, api, room
}

// TestPlaysAMatchAgainstBots runs the client in a room with three bots for a few seconds,
// steered by its autopilot, in a large and in a small window, and checks what the server saw
// and what the window showed.
func TestPlaysAMatchAgainstBots(t *testing.T) {
	for _, size := range []image.Point{{1280, 800}, {800, 500}} {
		t.Run(fmt.Sprintf("%dx%d", size.X, size.Y), func(t *testing.T) {
			playsAMatch(t, size)
		})
	}
}

func playsAMatch(t *testing.T, size image.Point) {
	clientBin, server, api, id := arena(t)

	shot := artifact(t, fmt.Sprintf("match-%dx%d.png", size.X, size.Y))
	os.Remove(shot)
	p := startPlayer(t, clientBin, server, id, t.TempDir(), shot, 3*time.Second, "-window", fmt.Sprintf("%dx%d", size.X, size.Y))
	r := awaitRoom(t, api, id, "the client to take a seat", func(r lobby.Room) bool {
		pl, ok := seated(r)
		return ok && pl.Connected
	})
	s := p.wait(t, 90*time.Second)
	t.Logf("summary %+v; screenshot %s", s, shot)

	if s.Room != id || s.Screen != "playing" {
		t.Errorf("client ended on screen %q in room %q, want playing in %s", s.Screen, s.Room, id)
	}
	// The seq and the ship's travel come from the server's snapshots: it applied our inputs.
	if s.Acked == 0 || s.Travel < 32 {
		t.Errorf("server applied inputs up to seq %d and moved the ship %.0f px; want both well above zero", s.Acked, s.Travel)
	}
	if pl, _ := seated(r); pl.Seat != s.Seat {
		t.Errorf("API seats the player at %d, the client thinks %d", pl.Seat, s.Seat)
	}
	// The client left with a bye: its seat is free and the room did not pause for it.
	after := awaitRoom(t, api, id, "the seat to be given up", func(r lobby.Room) bool {
		_, ok := seated(r)
		return !ok
	})
	if after.State == "paused" {
		t.Errorf("room paused after the client left on purpose")
	}
	checkScreenshot(t, shot, size)
}

// TestResultsWaitForThePlayer plays a room of seven bots to the end of its match and checks
// the results screen the window shows.
func TestResultsWaitForThePlayer(t *testing.T) {
	clientBin, server, _, id := arenaOf(t, 8, 7)
	shot := artifact(t, "results.png")
	os.Remove(shot)
	p := startPlayer(t, clientBin, server, id, t.TempDir(), shot, time.Hour, "-until", "ended", "-quit-after", "3m", "-window", "1280x800")
	s := p.wait(t, 200*time.Second)
	if s.Screen != "ended" {
		t.Fatalf("client ended on screen %q, want ended", s.Screen)
	}
	img := decodePNG(t, shot)
	// The results panel dims the arena and shows the accent-blue Play again button.
	accent := color.RGBA{0x3c, 0xb4, 0xff, 0xff}
	if n := count(img, accent); n < 400 {
		t.Errorf("the results screen shows %d pixels of the Play again button's colour, want a button", n)
	}
}

// TestRestartResumesTheSeat kills the client mid-match, as a crash would, and starts it
// again: the saved session token brings it back to its seat and the paused room resumes.
func TestRestartResumesTheSeat(t *testing.T) {
	clientBin, server, api, id := arena(t)
	tokens := t.TempDir()

	first := startPlayer(t, clientBin, server, id, tokens, "", time.Hour)
	r := awaitRoom(t, api, id, "a running match with the client", func(r lobby.Room) bool {
		pl, ok := seated(r)
		return ok && pl.Connected && r.State == "running"
	})
	seat, _ := seated(r)
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-first.done
	awaitRoom(t, api, id, "the room to pause for the lost player", func(r lobby.Room) bool {
		return r.State == "paused"
	})

	second := startPlayer(t, clientBin, server, id, tokens, "", 2*time.Second)
	s := second.wait(t, 90*time.Second)
	if s.Seat != seat.Seat || s.Room != id {
		t.Errorf("restarted client sits in seat %d of room %q, want seat %d of %s", s.Seat, s.Room, seat.Seat, id)
	}
	if s.Screen != "playing" || s.Acked == 0 {
		t.Errorf("restarted client ended on %q with seq %d acknowledged; want playing with inputs applied", s.Screen, s.Acked)
	}
}

// TestEffectsShow plays among seven bots until an explosion shows, and checks that the
// screenshot has a hot blast where the client says it is.
func TestEffectsShow(t *testing.T) {
	clientBin, server, _, id := arenaOf(t, 8, 7)
	shot := artifact(t, "effects.png")
	os.Remove(shot)
	p := startPlayer(t, clientBin, server, id, t.TempDir(), shot, time.Hour, "-until", "death", "-window", "1280x800")
	s := p.wait(t, 90*time.Second)
	t.Logf("effects shown: %v; in the screenshot: %+v", s.Effects, s.Showing)
	if s.Effects["death"] == 0 || s.Effects["shot"] == 0 {
		t.Errorf("effects shown %v, want deaths and shots", s.Effects)
	}
	// Several explosions may be on screen, some about to fade: the freshest must blaze.
	img := decodePNG(t, shot)
	deaths, hottest := 0, 0
	for _, e := range s.Showing {
		if e.Kind != "death" {
			continue
		}
		deaths++
		hot := 0
		for y := int(e.Y) - 40; y < int(e.Y)+40; y++ {
			for x := int(e.X) - 40; x < int(e.X)+40; x++ {
				if c := rgba(img, x, y); c.R >= 230 && c.G >= 150 && c.B >= 90 {
					hot++
				}
			}
		}
		hottest = max(hottest, hot)
	}
	switch {
	case deaths == 0:
		t.Errorf("no explosion in the screenshot: %+v", s.Showing)
	case hottest < 60:
		t.Errorf("the brightest of %d explosions in the screenshot shows %d hot pixels, want a blast", deaths, hottest)
	}
}

// decodePNG reads the screenshot at path.
func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return img
}

// count returns how many pixels of img are exactly c.
func count(img image.Image, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if rgba(img, x, y) == c {
				n++
			}
		}
	}
	return n
}

// checkScreenshot asserts the picture is a game in a window of size: many colours, mostly
// not background, and the scoreboard's seat colours for the four seats.
func checkScreenshot(t *testing.T, path string, size image.Point) {
	t.Helper()
	img := decodePNG(t, path)
	if got := img.Bounds().Size(); got != size {
		t.Errorf("screenshot is %v, want the window's %v", got, size)
	}
	bg := hex(assets.Colors.Background)
	colours := map[color.RGBA]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			colours[rgba(img, x, y)]++
		}
	}
	total := b.Dx() * b.Dy()
	if len(colours) < 16 {
		t.Errorf("screenshot has %d distinct colours; a drawn arena has many more", len(colours))
	}
	if share := float64(total-colours[bg]) / float64(total); share < 0.5 {
		t.Errorf("only %.0f%% of the screenshot differs from the background", share*100)
	}
	for seat := range 4 {
		if c := hex(assets.SeatColors[seat]); colours[c] == 0 {
			t.Errorf("seat %d's colour %v is nowhere in the screenshot", seat, c)
		}
	}
}

func rgba(img image.Image, x, y int) color.RGBA {
	r, g, b, a := img.At(x, y).RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}

func hex(s string) color.RGBA {
	var c color.RGBA
	fmt.Sscanf(s, "#%02x%02x%02x", &c.R, &c.G, &c.B)
	c.A = 0xff
	return c
}
