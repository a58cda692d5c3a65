package rawio

import (
	"errors"
	"syscall"
	"testing"
)

func TestReadWrite(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])
	a, b := uintptr(fds[0]), uintptr(fds[1])

	buf := make([]byte, 16)
	if _, err := Read(b, buf); !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("read of an empty socket: %v, want EAGAIN", err)
	}
	if n, err := Write(a, []byte("input")); n != 5 || err != nil {
		t.Fatalf("write = %d, %v; want 5, nil", n, err)
	}
	if n, err := Read(b, buf); n != 5 || err != nil || string(buf[:n]) != "input" {
		t.Fatalf("read = %d %q, %v; want 5 \"input\", nil", n, buf[:max(n, 0)], err)
	}
	if n, err := Write(a, nil); n != 0 || err != nil {
		t.Fatalf("empty write = %d, %v; want 0, nil", n, err)
	}
	if _, err := Write(^uintptr(0)>>1, []byte("x")); !errors.Is(err, syscall.EBADF) {
		t.Fatalf("write to no descriptor: %v, want EBADF", err)
	}
}
