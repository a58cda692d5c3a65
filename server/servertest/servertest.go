// Package servertest runs the server's binary for tests that treat it as a host does: start
// it on a loopback port and a data directory of its own, stop it with a signal (SIGTERM, or
// SIGKILL as a crash would), start it again where its clients expect it. Binaries are built
// once per test process.
package servertest

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// built holds the binaries of this test process, by package.
var built struct {
	mu   sync.Mutex
	dir  string
	bins map[string]string
}

// Build compiles the main package pkg (such as "skirmish/server") once per test process and
// returns the binary's path. Call Cleanup from TestMain to remove the binaries.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	built.mu.Lock()
	defer built.mu.Unlock()
	if bin, ok := built.bins[pkg]; ok {
		return bin
	}
	if built.dir == "" {
		dir, err := os.MkdirTemp("", "skirmish-test-bin")
		if err != nil {
			t.Fatal(err)
		}
		built.dir, built.bins = dir, map[string]string{}
	}
	bin := filepath.Join(built.dir, filepath.Base(pkg))
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	built.bins[pkg] = bin
	return bin
}

// Cleanup removes the binaries Build made.
func Cleanup() {
	built.mu.Lock()
	defer built.mu.Unlock()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
}

// WaitTimeout bounds the server's start and stop: generous, as the machine may be loaded.
const WaitTimeout = 30 * time.Second

// Server is the server as a process, on a fixed loopback port and data directory.
type Server struct {
	t    testing.TB
	bin  string
	Addr string // host:port
	Data string // the -data directory
	args []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	log  strings.Builder // every run's output, shown when the test fails
	done chan struct{}
}

// Start builds the server, starts it on a free loopback port with a fresh data directory and
// the flags args, and waits until it answers its health check. It stops with the test.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := &Server{t: t, bin: Build(t, "skirmish/server"), Addr: addr, Data: t.TempDir(), args: args}
	s.Restart()
	t.Cleanup(func() {
		s.Stop(syscall.SIGTERM)
		if t.Failed() {
			t.Logf("server log:\n%s", s.Log())
		}
	})
	return s
}

// URL is the server's player WebSocket URL.
func (s *Server) URL() string { return "ws://" + s.Addr + "/ws" }

// Log returns everything the server printed so far, over every run.
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// Restart starts the server (again, after Stop) and waits until it answers its health check.
func (s *Server) Restart() {
	s.t.Helper()
	cmd := exec.Command(s.bin, append([]string{"-addr", s.Addr, "-data", s.Data}, s.args...)...)
	cmd.Stdout, cmd.Stderr = logWriter{s}, logWriter{s}
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	deadline := time.Now().Add(WaitTimeout)
	for {
		resp, err := http.Get("http://" + s.Addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("server on %s not healthy: %v", s.Addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop sends sig and waits for the process to end, killing it if that takes too long.
func (s *Server) Stop(sig syscall.Signal) {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(WaitTimeout):
		_ = cmd.Process.Kill()
		<-done
		s.t.Errorf("the server did not stop within %v of %v", WaitTimeout, sig)
	}
}

type logWriter struct{ s *Server }

func (w logWriter) Write(b []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.log.Write(b)
}
