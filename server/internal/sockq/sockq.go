// Package sockq reads a TCP socket's queues from the kernel to tell two things the
// application cannot see by itself: whether the peer still reads what it is sent (bytes
// written a while ago that it has not acknowledged mean it stopped, however much the kernel
// buffers on both sides still absorb, which can take minutes to fill at a game's rate), and
// whether the peer spoke while the process was too busy to read (bytes waiting unread).
package sockq

import (
	"net"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Raw returns the descriptor access of c's TCP socket, looking through TLS; nil if it has
// none.
func Raw(c net.Conn) syscall.RawConn {
	for {
		if sc, ok := c.(syscall.Conn); ok {
			raw, err := sc.SyscallConn()
			if err != nil {
				return nil
			}
			return raw
		}
		inner, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			return nil
		}
		c = inner.NetConn()
	}
}

// SetWakeAt sets how many received bytes make the socket readable (SO_RCVLOWAT): fewer do
// not wake a poller waiting on it, while a non-blocking read still returns whatever there is.
func SetWakeAt(raw syscall.RawConn, bytes int) error {
	var err error
	if cerr := raw.Control(func(fd uintptr) {
		err = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVLOWAT, bytes)
	}); cerr != nil {
		return cerr
	}
	return err
}

// Unread returns how many received bytes wait for the process to read them.
func Unread(raw syscall.RawConn) int {
	n := 0
	_ = raw.Control(func(fd uintptr) {
		n, _ = unix.IoctlGetInt(int(fd), unix.SIOCINQ)
	})
	return n
}

// Drain follows whether a socket's peer reads: Stalled, called at intervals, compares what
// the peer has acknowledged with what had been written window ago. Its methods are for one
// goroutine.
type Drain struct {
	marks [8]mark // ring of what had been written when, newest at next-1
	next  int

	// A reading of the socket's counters, by read, bound once: the keepalive sweep takes one
	// of every connection each ping interval, and a closure and a TCPInfo for each were most
	// of what a server at rest allocated.
	read           func(fd uintptr)
	acked, unacked uint64
	ok             bool
	// wrote says the bytes written grew between the last two readings; written is their
	// count at the last one.
	wrote   bool
	written uint64
}

type mark struct {
	at      time.Duration // when the reading was taken, since epoch; 0 for none
	written uint64        // bytes written to the socket by then
}

// epoch makes the marks' times small and monotonic: the times given to Stalled come from
// time.Now, so their difference from it is on the monotonic clock.
var epoch = time.Now()

// Stalled reports whether bytes written to the socket at least window before now are still
// unacknowledged by the peer, now being time.Now. Readings closer together than a quarter of
// window are not kept, so a ring of 8 covers twice the window (a connection holds one, so it
// is kept small). It reports false when the socket cannot be read.
func (d *Drain) Stalled(raw syscall.RawConn, now time.Time, window time.Duration) bool {
	if d.read == nil {
		d.read = d.readCounters
	}
	d.ok = false
	if raw.Control(d.read) != nil || !d.ok {
		d.wrote = false
		return false
	}
	written := d.acked + d.unacked
	d.wrote, d.written = written > d.written, written
	if d.unacked == 0 {
		// Everything written is acknowledged: no older mark can show a stall any more.
		d.marks, d.next = [8]mark{}, 0
	}
	at := now.Sub(epoch)
	last := d.marks[(d.next+len(d.marks)-1)%len(d.marks)]
	if last.at == 0 || at-last.at >= window/4 {
		d.marks[d.next] = mark{at: at, written: written}
		d.next = (d.next + 1) % len(d.marks)
	}
	// The newest mark at least window old says what the peer should have taken by now.
	var due *mark
	for i := range d.marks {
		m := &d.marks[i]
		if m.at != 0 && at-m.at >= window && (due == nil || m.at > due.at) {
			due = m
		}
	}
	return due != nil && d.acked < due.written
}

// Wrote reports whether bytes were written to the socket between the last two calls of
// Stalled that could read it.
func (d *Drain) Wrote() bool { return d.wrote }

// readCounters reads what the peer acknowledged and what waits unacknowledged; d.ok says
// whether it could. getsockopt goes straight to the kernel: unix.GetsockoptTCPInfo returns
// a TCPInfo it allocates.
func (d *Drain) readCounters(fd uintptr) {
	var info unix.TCPInfo
	size := uint32(unix.SizeofTCPInfo)
	_, _, errno := syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, unix.IPPROTO_TCP, unix.TCP_INFO,
		uintptr(unsafe.Pointer(&info)), uintptr(unsafe.Pointer(&size)), 0)
	if errno != 0 {
		return
	}
	q, err := unix.IoctlGetInt(int(fd), unix.SIOCOUTQ)
	if err != nil {
		return
	}
	d.acked, d.unacked, d.ok = info.Bytes_acked, uint64(q), true
}
