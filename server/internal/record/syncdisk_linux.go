package record

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// syncDisk makes everything written to the file system that holds dir durable, with one
// syncfs(2).
func syncDisk(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(unix.Syncfs(int(f.Fd())), f.Close())
}
