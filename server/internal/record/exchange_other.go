//go:build unix && !linux

package record

import "errors"

// exchange would swap the files at a and b; without renameat2(2) it cannot.
func exchange(a, b string) error { return errors.ErrUnsupported }
