package record

import "golang.org/x/sys/unix"

// exchange swaps the files at a and b atomically; it fails if either is missing or the file
// system cannot.
func exchange(a, b string) error {
	return unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
}
