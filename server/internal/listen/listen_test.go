package listen

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestOutOfDescriptors runs a guarded listener in a child process that then uses up every
// descriptor it may open: a connection arriving meanwhile is refused at once with the
// refusal rather than left in the backlog, and once descriptors are free again the next
// connection is served.
func TestOutOfDescriptors(t *testing.T) {
	if os.Getenv("SKIRMISH_LISTEN_CHILD") != "" {
		child()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestOutOfDescriptors$")
	cmd.Env = append(os.Environ(), "SKIRMISH_LISTEN_CHILD=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	lines := bufio.NewScanner(stdout)
	say := func(cmd, want string) string {
		t.Helper()
		fmt.Fprintln(stdin, cmd)
		if !lines.Scan() || !strings.HasPrefix(lines.Text(), want) {
			t.Fatalf("child answered %q to %s, want %s", lines.Text(), cmd, want)
		}
		return strings.TrimPrefix(lines.Text(), want)
	}
	addr := say("listen", "listening ")
	first := func() string {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		// Read to the end: the child has closed its side then, so the descriptor it served
		// the connection on is free before the next command (else the exhaustion could leave
		// it to the next connection).
		b, err := io.ReadAll(c)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		return strings.TrimSpace(line)
	}
	if got := first(); got != "served" {
		t.Fatalf("before the exhaustion: %q", got)
	}
	say("exhaust", "exhausted")
	if got := first(); got != "refused" {
		t.Fatalf("out of descriptors: %q, want the refusal", got)
	}
	say("free", "freed")
	if got := first(); got != "served" {
		t.Fatalf("after the exhaustion: %q", got)
	}
	if refused := say("count", "refused "); refused == "0" {
		t.Fatalf("no refusal reported")
	}
}

// child is the process of TestOutOfDescriptors: it serves "served\n" to every connection
// and obeys the commands on its standard input.
func child() {
	lim := syscall.Rlimit{Cur: 64, Max: 64}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Println("setrlimit:", err)
		os.Exit(1)
	}
	var refused atomic.Int64
	var hogs []*os.File
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		switch in.Text() {
		case "listen":
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				fmt.Println("listen:", err)
				os.Exit(1)
			}
			g := Guard(ln, Options{MaxOpen: 1000, Refusal: []byte("refused\n"), OnRefuse: func(string) { refused.Add(1) }})
			go func() {
				for {
					c, err := g.Accept()
					if err != nil {
						return
					}
					c.Write([]byte("served\n"))
					c.Close()
				}
			}()
			fmt.Println("listening", ln.Addr())
		case "exhaust":
			for {
				f, err := os.Open(os.DevNull)
				if err != nil {
					break
				}
				hogs = append(hogs, f)
			}
			fmt.Println("exhausted")
		case "free":
			for _, f := range hogs {
				f.Close()
			}
			hogs = nil
			fmt.Println("freed")
		case "count":
			fmt.Println("refused", refused.Load())
		}
	}
	os.Exit(0)
}
