package baseline

import (
	"bytes"
	"os"
	"strconv"
)

// residentSet returns this process's resident set in bytes, or 0 if /proc is unreadable
// (the memory figure is then simply missing, which the report shows).
func residentSet() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}
