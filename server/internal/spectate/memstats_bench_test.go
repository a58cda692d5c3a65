package spectate

import "runtime"

type runtimeMemStats = runtime.MemStats

// readMemStats collects garbage first, so the figures are the live heap.
func readMemStats(ms *runtime.MemStats) {
	runtime.GC()
	runtime.ReadMemStats(ms)
}
