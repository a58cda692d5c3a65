package test

import (
	"fmt"
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

// The tests that stop and start the server the way a host does (SIGTERM, SIGKILL) run the
// server's binary, built once per test process.
var serverBinary struct {
	once sync.Once
	path string
	err  error
}

func buildServer(t *testing.T) string {
	t.Helper()
	serverBinary.once.Do(func() {
		dir, err := os.MkdirTemp("", "skirmish-server-test")
		if err != nil {
			serverBinary.err = err
			return
		}
		serverBinary.path = filepath.Join(dir, "skirmish")
		if out, err := exec.Command("go", "build", "-o", serverBinary.path, "skirmish/server").CombinedOutput(); err != nil {
			serverBinary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if serverBinary.err != nil {
		t.Fatal(serverBinary.err)
	}
	return serverBinary.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if serverBinary.path != "" {
		os.RemoveAll(filepath.Dir(serverBinary.path))
	}
	os.Exit(code)
}

// proc is the server as a process, on a fixed loopback port and data directory, so that it
// can be stopped and started again where its clients expect it.
type proc struct {
	t    *testing.T
	bin  string
	addr string
	data string
	args []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	log  strings.Builder // every run's output, for a failing test
	done chan struct{}
}

func startProc(t *testing.T, args ...string) *proc {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p := &proc{t: t, bin: buildServer(t), addr: addr, data: t.TempDir(), args: args}
	p.start()
	t.Cleanup(func() {
		p.stop(syscall.SIGTERM)
		if t.Failed() {
			p.mu.Lock()
			t.Logf("server log:\n%s", p.log.String())
			p.mu.Unlock()
		}
	})
	return p
}

// server returns a harness view of the process for joining players.
func (p *proc) server() *server { return &server{t: p.t, addr: p.addr, data: p.data} }

// start runs the server and waits until it answers its health check.
func (p *proc) start() {
	p.t.Helper()
	args := append([]string{"-addr", p.addr, "-data", p.data}, p.args...)
	cmd := exec.Command(p.bin, args...)
	w := logWriter{p}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	p.mu.Lock()
	p.cmd, p.done = cmd, done
	p.mu.Unlock()
	deadline := time.Now().Add(waitTimeout)
	for {
		resp, err := http.Get("http://" + p.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("server on %s not healthy: %v", p.addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends sig and waits for the process to end (killing it if a SIGTERM takes too long).
func (p *proc) stop(sig syscall.Signal) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(waitTimeout):
		_ = cmd.Process.Kill()
		<-done
		p.t.Errorf("the server did not stop within %v of %v", waitTimeout, sig)
	}
}

type logWriter struct{ p *proc }

func (w logWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.log.Write(b)
}
