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
	marks [16]mark // ring of what had been written when, newest at next-1
	next  int
}

type mark struct {
	at      time.Time // when the reading was taken
	written uint64    // bytes written to the socket by then
}

// Stalled reports whether bytes written to the socket at least window before now are still
// unacknowledged by the peer. Readings closer together than an eighth of window are not
// kept, so a ring of 16 covers twice the window. It reports false when the socket cannot be
// read.
func (d *Drain) Stalled(raw syscall.RawConn, now time.Time, window time.Duration) bool {
	var acked, unacked uint64
	ok := false
	_ = raw.Control(func(fd uintptr) {
		info, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
		if err != nil {
			return
		}
		q, err := unix.IoctlGetInt(int(fd), unix.SIOCOUTQ)
		if err != nil {
			return
		}
		acked, unacked, ok = info.Bytes_acked, uint64(q), true
	})
	if !ok {
		return false
	}
	if unacked == 0 {
		// Everything written is acknowledged: no older mark can show a stall any more.
		d.marks, d.next = [16]mark{}, 0
	}
	last := d.marks[(d.next+len(d.marks)-1)%len(d.marks)]
	if last.at.IsZero() || now.Sub(last.at) >= window/8 {
		d.marks[d.next] = mark{at: now, written: acked + unacked}
		d.next = (d.next + 1) % len(d.marks)
	}
	// The newest mark at least window old says what the peer should have taken by now.
	var due *mark
	for i := range d.marks {
		m := &d.marks[i]
		if !m.at.IsZero() && now.Sub(m.at) >= window && (due == nil || m.at.After(due.at)) {
			due = m
		}
	}
	return due != nil && acked < due.written
}
