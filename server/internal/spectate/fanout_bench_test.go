package spectate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The fan-out benchmark measures the hub as the targets state them: one room, N
// spectators on real loopback connections, one ~300 B JSON event every 100 ms. The
// spectators live in a child process (this test binary again, see TestBenchSpectators) so
// that the server's CPU time, read with getrusage, is the server's alone. In the same run the
// same bytes are written to N plain loopback sockets with one write(2) each: that floor is
// what any server must pay, and the figure to beat is the ratio to it.
//
//	go test -run '^$' -bench Fanout -benchtime 30x ./server/internal/spectate

// benchChildEnv carries the child's job: "sse URL N" or "raw ADDR N".
const benchChildEnv = "SPECTATE_BENCH_CHILD"

// benchRate is the spectator rate of the benchmark, in events per second.
const benchRate = 10

func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{1000, 5000, 10000} {
		b.Run("spectators="+strconv.Itoa(n), func(b *testing.B) { benchFanout(b, n) })
	}
}

func benchFanout(b *testing.B, n int) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil {
		lim.Cur = lim.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	if lim.Cur < uint64(n)+256 {
		b.Skipf("open file limit %d is too low for %d spectators", lim.Cur, n)
	}
	b.ReportAllocs()
	// The server side runs on one core, as the targets state them; the spectators have a
	// process of their own.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))

	floor := benchFloor(b, n)

	h, err := New(Options{Heartbeat: time.Hour, StuckTimeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	f := h.feed("bench")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /rooms/{room}/events", h.ServeRoom)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	defer srv.Close()

	// A keyframe first, so the streams open alike; its zero time marks it as not measured.
	f.t.publish(kindSnapshot, benchEvent(0, 0), broadcast|keyframe)
	heap0 := benchHeap()
	child := startBenchChild(b, fmt.Sprintf("sse http://%s/rooms/bench/events %d", ln.Addr(), n))
	for f.t.watchers.Load() < int32(n) {
		time.Sleep(10 * time.Millisecond)
	}
	f.t.publish(kindSnapshot, benchEvent(1, 0), broadcast|keyframe)
	time.Sleep(time.Second / benchRate)
	heapPer := float64(benchHeap()-heap0) / float64(n)

	b.ResetTimer()
	cpu, wall := benchPace(b.N, func(i int, now time.Time) {
		f.t.publish(kindSnapshot, benchEvent(uint32(i+2), now.UnixNano()), broadcast|keyframe)
	})
	b.StopTimer()
	got := child.stop(b, b.N)

	delivered := float64(n * b.N)
	perEvent := float64(cpu) / delivered
	b.ReportMetric(perEvent, "ns/delivery")
	b.ReportMetric(floor.perWrite, "floor-ns/write")
	b.ReportMetric(perEvent/floor.perWrite, "x-floor")
	b.ReportMetric(heapPer, "heap-B/spectator")
	b.ReportMetric(got.P50, "p50-ms")
	b.ReportMetric(got.P99, "p99-ms")
	b.ReportMetric(floor.p99, "floor-p99-ms")
	b.ReportMetric(float64(got.Received)/delivered*100, "delivered-%")
	b.ReportMetric(float64(cpu)/float64(wall)*100, "server-core-%")
	b.ReportMetric(delivered/wall.Seconds(), "events/s")
}

// floorResult is what writing the events to plain sockets cost.
type floorResult struct {
	perWrite float64 // CPU nanoseconds per write(2)
	p99      float64 // delivery delay, milliseconds
}

// benchFloor writes the benchmark's events to n plain loopback sockets, one write(2) per
// socket per event at the same rate, and measures the CPU time per write.
func benchFloor(b *testing.B, n int) floorResult {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	child := startBenchChild(b, fmt.Sprintf("raw %s %d", ln.Addr(), n))
	fds := make([]int, 0, n)
	for len(fds) < n {
		c, err := ln.Accept()
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		raw, err := c.(*net.TCPConn).SyscallConn()
		if err != nil {
			b.Fatal(err)
		}
		raw.Control(func(fd uintptr) { fds = append(fds, int(fd)) })
	}
	child.waitReady(b)
	cpu, _ := benchPace(b.N, func(i int, now time.Time) {
		ev := encodeEvent(uint64(i+2), kindSnapshot, benchEvent(uint32(i+2), now.UnixNano()))
		for _, fd := range fds {
			syscall.Write(fd, ev)
		}
	})
	got := child.stop(b, b.N)
	return floorResult{perWrite: float64(cpu) / float64(n*b.N), p99: got.P99}
}

// benchPace calls publish rounds times at benchRate and returns the process's CPU time and
// the wall time meanwhile, after a last interval for the writes to finish.
func benchPace(rounds int, publish func(i int, now time.Time)) (cpu, wall time.Duration) {
	interval := time.Second / benchRate
	cpu0, start := benchCPU(), time.Now()
	for i := range rounds {
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		publish(i, time.Now())
	}
	time.Sleep(time.Until(start.Add(time.Duration(rounds) * interval)))
	return benchCPU() - cpu0, time.Since(start)
}

// benchEvent is the data of one event, about 300 bytes like a small room's snapshot; at is
// its publication time in Unix nanoseconds (0 for events the spectators do not time).
func benchEvent(tick uint32, at int64) []byte {
	b := fmt.Appendf(nil, `{"tick":%d,"t":%d,"state":"running","ships":[`, tick, at)
	for seat := range 4 {
		if seat > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"seat":%d,"x":%d,"y":%d,"aim":1.57,"hp":75,"alive":true,"frags":3,"deaths":1}`, seat, 100+seat*37, 200+seat*11)
	}
	b = append(b, `],"shots":[]}`...)
	return b
}

func benchCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchHeap returns the live heap and goroutine stacks after a collection.
func benchHeap() uint64 {
	var ms runtimeMemStats
	readMemStats(&ms)
	return ms.HeapAlloc + ms.StackInuse
}

// benchChild is the spectators' process.
type benchChild struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	ready  bool
}

// benchStats is the child's report: events with a time received, and their delivery delay.
type benchStats struct {
	Received int
	P50, P99 float64 // milliseconds
}

func startBenchChild(b *testing.B, job string) *benchChild {
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchSpectators$", "-test.count=1")
	cmd.Env = append(os.Environ(), benchChildEnv+"="+job)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	c := &benchChild{cmd: cmd, stdin: stdin, stdout: bufio.NewReader(stdout)}
	if strings.HasPrefix(job, "sse") {
		c.waitReady(b)
	}
	return c
}

// waitReady waits until every spectator of the child is connected.
func (c *benchChild) waitReady(b *testing.B) {
	if c.ready {
		return
	}
	line, err := c.stdout.ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		b.Fatalf("bench child: %q %v", line, err)
	}
	c.ready = true
}

// stop tells the child how many timed events each spectator should get, lets it report, and
// waits for it.
func (c *benchChild) stop(b *testing.B, events int) benchStats {
	fmt.Fprintln(c.stdin, events)
	c.stdin.Close()
	var s benchStats
	line, err := c.stdout.ReadString('\n')
	if err == nil {
		err = json.Unmarshal([]byte(line), &s)
	}
	if werr := c.cmd.Wait(); err == nil {
		err = werr
	}
	if err != nil {
		b.Fatalf("bench child: %v (%q)", err, line)
	}
	return s
}

// TestBenchSpectators is the benchmark's spectator process; it does nothing in a normal test
// run. It opens the connections, says "ready", reads every stream, and when its input closes
// prints the events it timed and their delivery delays as JSON. The input says how many timed
// events each stream should get; the child waits a while for stragglers before it reports.
// One thread reads every socket through its own epoll set, so that the spectators cost as
// little as reading can and their delays measure the server, not their own scheduling.
func TestBenchSpectators(t *testing.T) {
	job := os.Getenv(benchChildEnv)
	if job == "" {
		t.Skip("run by BenchmarkFanout")
	}
	var mode, addr string
	var n int
	if _, err := fmt.Sscan(job, &mode, &addr, &n); err != nil {
		t.Fatalf("job %q: %v", job, err)
	}
	var lim syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	lim.Cur = lim.Max
	syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)

	readers := make([]*benchReader, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range readers {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r, err := dialBenchReader(mode, addr)
			if err != nil {
				t.Error(err)
				return
			}
			readers[i] = r
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range readers {
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(i)}
		if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, r.fd, &ev); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan int, 1)
	go func() {
		var want int
		fmt.Fscan(os.Stdin, &want)
		stop <- want
	}()
	fmt.Println("ready")

	runtime.LockOSThread()
	var delays []int64
	events := make([]unix.EpollEvent, 512)
	buf := make([]byte, 64<<10)
	want, deadline := -1, time.Time{}
	for {
		select {
		case want = <-stop:
			deadline = time.Now().Add(10 * time.Second)
		default:
		}
		if want >= 0 && (time.Now().After(deadline) || !slices.ContainsFunc(readers, func(r *benchReader) bool { return r.count < want })) {
			break
		}
		k, err := unix.EpollWait(epfd, events, 50)
		if err != nil && err != unix.EINTR {
			t.Fatal(err)
		}
		for _, ev := range events[:max(k, 0)] {
			r := readers[ev.Fd]
			for {
				m, err := unix.Read(r.fd, buf)
				if m <= 0 || err != nil {
					break
				}
				delays = r.scan(buf[:m], time.Now().UnixNano(), delays)
				if m < len(buf) {
					break
				}
			}
		}
	}
	slices.Sort(delays)
	pct := func(p float64) float64 {
		if len(delays) == 0 {
			return 0
		}
		return float64(delays[int(p*float64(len(delays)-1))]) / 1e6
	}
	out, _ := json.Marshal(benchStats{Received: len(delays), P50: pct(0.50), P99: pct(0.99)})
	fmt.Println(string(out))
}

// benchReader is one stream of the spectator process.
type benchReader struct {
	conn  net.Conn // kept so that the descriptor stays open
	fd    int
	carry []byte // the start of a line the last read cut
	count int    // timed events received
}

func dialBenchReader(mode, addr string) (*benchReader, error) {
	host := addr
	if mode == "sse" {
		host = strings.SplitN(strings.TrimPrefix(addr, "http://"), "/", 2)[0]
	}
	conn, err := net.Dial("tcp", host)
	if err != nil {
		return nil, err
	}
	r := &benchReader{conn: conn}
	if mode == "sse" {
		req, _ := http.NewRequest(http.MethodGet, addr, nil)
		if err := req.Write(conn); err != nil {
			return nil, err
		}
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("stream answered %s", resp.Status)
		}
		rest, _ := br.Peek(br.Buffered())
		r.carry = append(r.carry, rest...)
	}
	raw, err := conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		return nil, err
	}
	raw.Control(func(fd uintptr) { r.fd = int(fd) })
	return r, nil
}

// scan takes bytes read at now (Unix nanoseconds) and appends the delay of every timed event
// they complete.
func (r *benchReader) scan(b []byte, now int64, delays []int64) []int64 {
	tag := []byte(`"t":`)
	data := append(r.carry, b...)
	for {
		nl := bytes.IndexByte(data, '\n')
		if nl < 0 {
			break
		}
		line := data[:nl]
		data = data[nl+1:]
		i := bytes.Index(line, tag)
		if !bytes.HasPrefix(line, []byte("data: ")) || i < 0 {
			continue
		}
		rest := line[i+len(tag):]
		end := bytes.IndexByte(rest, ',')
		at, err := strconv.ParseInt(string(rest[:max(end, 0)]), 10, 64)
		if err != nil || at == 0 {
			continue
		}
		delays = append(delays, now-at)
		r.count++
	}
	r.carry = append(r.carry[:0], data...)
	return delays
}
