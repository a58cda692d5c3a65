// Package serverproc builds the real server binary and runs it as a child process pinned to
// one core, so that its CPU time and memory can be read from /proc apart from the clients'.
package serverproc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Build compiles the server command into dir and returns the binary's path.
func Build(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "skirmish-server")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "skirmish/server")
	cmd.Dir = ModuleRoot(ctx)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build server: %w\n%s", err, out)
	}
	return bin, nil
}

// ModuleRoot returns the directory of the main module, or "" (the current directory) when
// the go command cannot tell, so that builds work from any directory inside the repository.
func ModuleRoot(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return ""
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return ""
	}
	return filepath.Dir(gomod)
}

// LoadFlags are the server flags every load scenario gives the server binary (a profiled
// server sets them on its own): all its clients come from one loopback address and it
// creates rooms by the hundred, so the per-address and room limits are off.
var LoadFlags = []string{"-max-conns-per-ip", "0", "-rooms-per-ip", "0", "-max-spectators", "0", "-max-rooms", "0"}

// Process is a running server.
type Process struct {
	// Addr is the host:port it serves on.
	Addr string
	// CPU is the core it is pinned to, or -1 if it is not pinned.
	CPU  int
	cmd  *exec.Cmd
	done chan error
}

// Pid returns the server's process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Start runs bin on a free loopback port with the extra flags, pinned to cpu with taskset
// (cpu < 0 leaves it unpinned), and waits until /healthz answers. dataDir is its -data.
func Start(ctx context.Context, bin string, cpu int, dataDir string, flags ...string) (*Process, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := Pinned(cpu, bin, append([]string{"-addr", addr, "-data", dataDir}, flags...)...)
	if cmd == nil {
		return nil, fmt.Errorf("pin the server to cpu %d: taskset not found", cpu)
	}
	// The server logs every room; keep that out of the progress output, beside its data.
	logPath := filepath.Join(dataDir, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create server log: %w", err)
	}
	defer logFile.Close() // the child has its own descriptor
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	p := &Process{Addr: addr, CPU: cpu, cmd: cmd, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	if err := p.waitHealthy(ctx); err != nil {
		p.Stop()
		out, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("%w; server log:\n%s", err, tail(out, 2000))
	}
	return p, nil
}

// tail returns at most the last n bytes of b.
func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// Pinned returns the command running bin with args on cpu through taskset (util-linux), or
// unpinned for cpu < 0; nil if taskset is missing.
func Pinned(cpu int, bin string, args ...string) *exec.Cmd {
	if cpu < 0 {
		return exec.Command(bin, args...)
	}
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		return nil
	}
	return exec.Command(taskset, append([]string{"-c", strconv.Itoa(cpu), bin}, args...)...)
}

// freePort asks the kernel for an unused loopback port. Another process could take it before
// the server binds it; Start then fails its health check with a clear error.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (p *Process) waitHealthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	url := "http://" + p.Addr + "/healthz"
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-p.done:
			p.done <- err
			return fmt.Errorf("server exited before it was healthy: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("server not healthy at %s: %w", url, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop asks the server to shut down gracefully (SIGTERM) and kills it if it has not exited
// within ten seconds.
func (p *Process) Stop() error {
	// Under taskset the child execs the server, so the pid is the server's.
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop server: %w", err)
	}
	select {
	case err := <-p.done:
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			return fmt.Errorf("stop server: %w", err)
		}
		return nil
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		return errors.New("server did not stop within 10s of SIGTERM and was killed")
	}
}
