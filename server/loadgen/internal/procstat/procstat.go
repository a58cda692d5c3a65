// Package procstat reads a process's CPU time and resident memory from /proc, so the load
// generator can charge the server process (and nothing else) for the work it did.
package procstat

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// userHZ is the unit of the CPU times in /proc/<pid>/stat. Linux fixes USER_HZ at 100 for
// user space on every architecture the project runs on.
const userHZ = 100

// Sample is one reading of a process's cumulative CPU time and its current resident set.
type Sample struct {
	// CPU is user plus system time since the process started, over all its threads.
	CPU time.Duration
	// RSS is the resident set size in bytes.
	RSS int64
	// Threads is the number of threads.
	Threads int
}

// ErrMalformed reports a /proc file that does not have the expected layout.
var ErrMalformed = errors.New("malformed /proc stat line")

// Read samples the process pid (0 means this process).
func Read(pid int) (Sample, error) {
	who := "self"
	if pid != 0 {
		who = strconv.Itoa(pid)
	}
	b, err := os.ReadFile("/proc/" + who + "/stat")
	if err != nil {
		return Sample{}, fmt.Errorf("read process stat: %w", err)
	}
	return Parse(b, os.Getpagesize())
}

// Parse decodes the contents of /proc/<pid>/stat. The command name (field 2) may hold
// spaces and parentheses, so the fields are counted from the last closing parenthesis.
func Parse(stat []byte, pageSize int) (Sample, error) {
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return Sample{}, ErrMalformed
	}
	// After the command: field 3 (state) is rest[0]; utime is field 14, stime 15,
	// num_threads 20, rss (pages) 24.
	rest := bytes.Fields(stat[end+1:])
	const utime, stime, threads, rss = 14 - 3, 15 - 3, 20 - 3, 24 - 3
	if len(rest) <= rss {
		return Sample{}, fmt.Errorf("%w: %d fields after the command", ErrMalformed, len(rest))
	}
	var v [4]int64
	for i, f := range [...]int{utime, stime, threads, rss} {
		n, err := strconv.ParseInt(string(rest[f]), 10, 64)
		if err != nil {
			return Sample{}, fmt.Errorf("%w: field %d: %w", ErrMalformed, f+3, err)
		}
		v[i] = n
	}
	return Sample{
		CPU:     time.Duration(v[0]+v[1]) * (time.Second / userHZ),
		Threads: int(v[2]),
		RSS:     v[3] * int64(pageSize),
	}, nil
}

// RunQueueWait returns how long the threads of process pid (0 means this process) that are
// alive now have waited, runnable, for a CPU since they started: the time other processes
// took from them. A busy machine shows up here rather than silently inflating latencies.
func RunQueueWait(pid int) (time.Duration, error) {
	who := "self"
	if pid != 0 {
		who = strconv.Itoa(pid)
	}
	dir := "/proc/" + who + "/task"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("list threads: %w", err)
	}
	var total time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile(dir + "/" + t.Name() + "/schedstat")
		if err != nil {
			continue // the thread exited meanwhile
		}
		wait, err := ParseSchedstat(b)
		if err != nil {
			return 0, err
		}
		total += wait
	}
	return total, nil
}

// ParseSchedstat returns the run-queue wait (the second field, in nanoseconds) of a
// /proc/<pid>/task/<tid>/schedstat line.
func ParseSchedstat(b []byte) (time.Duration, error) {
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0, fmt.Errorf("%w: schedstat %q", ErrMalformed, b)
	}
	ns, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: schedstat: %w", ErrMalformed, err)
	}
	return time.Duration(ns), nil
}
