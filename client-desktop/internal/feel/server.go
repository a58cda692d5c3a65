package feel

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// buildServer compiles the server command into dir and returns the binary. The harness plays
// against the real server in a process of its own, as players do.
func buildServer(ctx context.Context, dir string) (string, error) {
	root, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module: %w", err)
	}
	bin := filepath.Join(dir, "skirmish")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./server")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(root)))
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the server: %w\n%s", err, out)
	}
	return bin, nil
}

// server is a running server process.
type server struct {
	addr string
	cmd  *exec.Cmd
	log  bytes.Buffer
	done chan struct{}
}

// startServer runs bin on a free loopback port at 30 Hz with lag compensation up to rewind
// (0 turns it off), keeping its data in dir, and waits until it serves.
func startServer(ctx context.Context, bin, dir string, rewind time.Duration) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &server{addr: addr, done: make(chan struct{})}
	s.cmd = exec.Command(bin, "-addr", addr, "-tick", "30", "-data", dir, "-max-rewind", rewind.String())
	s.cmd.Stdout, s.cmd.Stderr = &s.log, &s.log
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the server: %w", err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.done)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("the server exited: %s", s.log.String())
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("the server did not answer on %s within 30 s", addr)
		}
	}
}

// createRoom makes a room of two seats without bots on arena, whose match outlasts any run
// (frags and time beyond reach), and returns its id.
func (s *server) createRoom() (string, error) {
	resp, err := http.Post("http://"+s.addr+"/api/rooms", "application/json", strings.NewReader(`{"seats":2,"bots":0,"map":"arena","fragLimit":100,"timeLimit":1800}`))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("create a room: status %d, %v", resp.StatusCode, err)
	}
	return out.ID, nil
}

// stop ends the server, gently first.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}
