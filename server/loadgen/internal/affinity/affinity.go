// Package affinity keeps the load generator's own threads off the core it gives to the
// process under measurement, so client work is never charged to (or stolen from) the server.
package affinity

import (
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// Pin restricts every thread of this process to cpu. Threads the runtime starts later
// inherit the mask from the thread that creates them, so one call covers the whole run. It
// also runs Go code on one thread at a time: more would only take turns on the one core.
func Pin(cpu int) error {
	runtime.GOMAXPROCS(1)
	var set unix.CPUSet
	set.Set(cpu)
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return fmt.Errorf("list threads: %w", err)
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		// A thread may exit between listing and pinning; that is not a failure.
		if err := unix.SchedSetaffinity(tid, &set); err != nil && err != unix.ESRCH {
			return fmt.Errorf("pin thread %d to cpu %d: %w", tid, cpu, err)
		}
	}
	return nil
}
