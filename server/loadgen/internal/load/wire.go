package load

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/gobwas/ws"
	"golang.org/x/sys/unix"

	"skirmish/game"
	"skirmish/game/protocol"
)

// Wire players are the load generator's cheap players: a raw socket each, read by a few
// event loops (one epoll set each, level-triggered) that take whatever a socket holds with one
// read(2), cut the server's frames out of it and answer each new tick with a scripted input
// encoded into a reused buffer, sent with one write(2). No goroutine, client or bot brain per
// player: what a player costs the generator is about what it costs the server, so that the
// generator is not the limit of a scenario. Client frames are masked with the zero key, which
// the protocol allows and which leaves the payload as it is.

// wireLoops is how many event loops serve the wire players.
const wireLoops = 2

// wireSwarm is the wire players of a run and their event loops.
type wireSwarm struct {
	st    *playerStats
	errs  *errorList
	loops [wireLoops]*wireLoop
	next  int
	mu    sync.Mutex
}

// wirePlayer is one player's connection and what the loop knows of its match.
type wirePlayer struct {
	nc     net.Conn
	fd     int
	times  *tickTimes // nil unless this player times its room's ticks for the spectators
	joined func()
	in     []byte // bytes read but not yet a whole frame
	seat   int
	state  protocol.State
	// lastSeq is the newest input the server has applied, as the snapshots say; acked is
	// how far latencies have been recorded.
	lastSeq, acked uint32
	seq            uint32 // the last input sent
	lastTick       uint32 // the tick the last input answered
	sentAt         [inFlight]time.Time
	sentSq         [inFlight]uint32
	welcomed       bool
}

// wireLoop is one event loop: its epoll set and the players registered in it.
type wireLoop struct {
	swarm *wireSwarm
	epfd  int
	mu    sync.Mutex
	byFD  map[int32]*wirePlayer
	rd    protocol.Reader
	enc   protocol.Encoder
	out   []byte
}

func newWireSwarm(ctx context.Context, wg *sync.WaitGroup, st *playerStats, errs *errorList) (*wireSwarm, error) {
	s := &wireSwarm{st: st, errs: errs}
	for i := range s.loops {
		epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			return nil, fmt.Errorf("epoll: %w", err)
		}
		l := &wireLoop{swarm: s, epfd: epfd, byFD: map[int32]*wirePlayer{}}
		s.loops[i] = l
		wg.Go(func() { l.run(ctx) })
	}
	return s, nil
}

// join connects a player to room and says hello; joined is called from a loop once the
// server has welcomed it. times, when set, is told when each tick arrives.
func (s *wireSwarm) join(ctx context.Context, addr, room, name string, times *tickTimes, joined func()) error {
	d := ws.Dialer{Timeout: 10 * time.Second}
	nc, br, _, err := d.Dial(ctx, "ws://"+addr+"/ws")
	if err != nil {
		return err
	}
	p := &wirePlayer{nc: nc, times: times, joined: joined, seat: -1, in: make([]byte, 0, 512)}
	if br != nil {
		n := br.Buffered()
		p.in = append(p.in, make([]byte, n)...)
		_, _ = br.Read(p.in)
		ws.PutReader(br)
	}
	var enc protocol.Encoder
	hello, err := enc.Encode(&protocol.Hello{Version: protocol.Version, Name: name, Room: room})
	if err == nil {
		_, err = nc.Write(clientFrame(nil, hello))
	}
	if err == nil {
		p.fd, err = socketFD(nc)
	}
	if err != nil {
		nc.Close()
		return err
	}
	s.mu.Lock()
	l := s.loops[s.next%len(s.loops)]
	s.next++
	s.mu.Unlock()
	l.mu.Lock()
	l.byFD[int32(p.fd)] = p
	l.mu.Unlock()
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(p.fd)}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, p.fd, &ev); err != nil {
		l.drop(p, fmt.Errorf("epoll add: %w", err))
		return err
	}
	return nil
}

// socketFD returns the descriptor of a TCP connection; the connection stays open and owns it.
func socketFD(nc net.Conn) (int, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return 0, fmt.Errorf("%T has no descriptor", nc)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0, err
	}
	fd := -1
	if err := raw.Control(func(f uintptr) { fd = int(f) }); err != nil {
		return 0, err
	}
	return fd, nil
}

// clientFrame appends a final binary client frame of payload, masked with the zero key.
func clientFrame(dst, payload []byte) []byte {
	return appendClientFrame(dst, ws.OpBinary, payload)
}

func appendClientFrame(dst []byte, op ws.OpCode, payload []byte) []byte {
	n := len(payload)
	dst = append(dst, 0x80|byte(op))
	switch {
	case n < 126:
		dst = append(dst, 0x80|byte(n))
	case n <= 0xffff:
		dst = append(dst, 0x80|126, byte(n>>8), byte(n))
	default:
		dst = append(dst, 0x80|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	dst = append(dst, 0, 0, 0, 0) // the zero mask
	return append(dst, payload...)
}

// run waits for readable sockets and serves them until ctx ends, then closes its players.
func (l *wireLoop) run(ctx context.Context) {
	defer l.closeAll()
	events := make([]unix.EpollEvent, 256)
	buf := make([]byte, 64<<10)
	for ctx.Err() == nil {
		n, err := unix.EpollWait(l.epfd, events, 100)
		if err != nil && err != unix.EINTR {
			l.swarm.errs.add(fmt.Errorf("epoll wait: %w", err))
			return
		}
		for _, ev := range events[:max(n, 0)] {
			l.mu.Lock()
			p := l.byFD[ev.Fd]
			l.mu.Unlock()
			if p != nil {
				l.serve(p, buf)
			}
		}
	}
}

// serve reads what p's socket holds and handles every whole frame in it.
func (l *wireLoop) serve(p *wirePlayer, buf []byte) {
	n, err := unix.Read(p.fd, buf)
	switch {
	case err == unix.EAGAIN || err == unix.EINTR:
		return
	case err != nil:
		l.drop(p, fmt.Errorf("read: %w", err))
		return
	case n == 0:
		l.drop(p, fmt.Errorf("the server closed the connection"))
		return
	}
	l.swarm.st.bytes.Add(int64(n))
	now := time.Now()
	data := buf[:n]
	if len(p.in) > 0 {
		p.in = append(p.in, data...)
		data = p.in
	}
	for {
		h, size, ok := serverHeader(data)
		if !ok || len(data) < size+int(h.Length) {
			break
		}
		payload := data[size : size+int(h.Length)]
		data = data[size+int(h.Length):]
		if err := l.frame(p, h.OpCode, payload, now); err != nil {
			l.drop(p, err)
			return
		}
	}
	// Keep the unfinished frame for the next read.
	p.in = append(p.in[:0], data...)
}

// serverHeader parses the unmasked header of a server frame at the start of b and returns it
// and its size, or false when b does not hold all of it yet.
func serverHeader(b []byte) (ws.Header, int, bool) {
	var h ws.Header
	if len(b) < 2 {
		return h, 0, false
	}
	h.Fin, h.OpCode = b[0]&0x80 != 0, ws.OpCode(b[0]&0x0f)
	switch l := b[1] & 0x7f; l {
	case 126:
		if len(b) < 4 {
			return h, 0, false
		}
		h.Length = int64(binary.BigEndian.Uint16(b[2:]))
		return h, 4, true
	case 127:
		if len(b) < 10 {
			return h, 0, false
		}
		h.Length = int64(binary.BigEndian.Uint64(b[2:]) & (1<<62 - 1))
		return h, 10, true
	default:
		h.Length = int64(l)
		return h, 2, true
	}
}

// pongFrame answers the server's pings, which carry no payload.
var pongFrame = appendClientFrame(nil, ws.OpPong, nil)

// frame handles one server frame.
func (l *wireLoop) frame(p *wirePlayer, op ws.OpCode, payload []byte, now time.Time) error {
	switch op {
	case ws.OpPing:
		_, _ = unix.Write(p.fd, pongFrame)
		return nil
	case ws.OpClose:
		code, reason := ws.ParseCloseFrameData(payload)
		return fmt.Errorf("closed by the server: %d %s", code, reason)
	case ws.OpBinary:
	default:
		return nil
	}
	t, err := l.rd.Decode(payload)
	if err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	var tick uint32
	switch t {
	case protocol.TypeWelcome:
		p.seat = l.rd.Welcome.Seat
		if !p.welcomed {
			p.welcomed = true
			l.swarm.st.connected.Add(1)
			p.joined()
		}
		return nil
	case protocol.TypeSnapshot:
		s := &l.rd.Snapshot
		tick, p.state = s.Tick, s.State
		if p.seat >= 0 && p.seat < len(s.Ships) {
			p.lastSeq = uint32(s.Ships[p.seat][protocol.ShipLastSeq])
		}
	case protocol.TypeDelta:
		d := &l.rd.Delta
		tick, p.state = d.Tick, d.State
		for i := range d.Ships {
			if int(d.Ships[i][protocol.ShipSeat]) == p.seat {
				p.lastSeq += uint32(d.Ships[i][protocol.ShipLastSeq])
			}
		}
	case protocol.TypeError:
		return fmt.Errorf("server error %d: %s", l.rd.Error.Code, l.rd.Error.Message)
	default:
		return nil
	}
	l.swarm.st.snapshots.Add(1)
	if p.times != nil {
		p.times.seen(tick, now)
	}
	if p.lastSeq > p.acked {
		if h := l.swarm.st.ack.Load(); h != nil {
			for seq := max(p.acked+1, p.lastSeq-inFlight+1); seq <= p.lastSeq; seq++ {
				if i := seq % inFlight; p.sentSq[i] == seq {
					h.Add(now.Sub(p.sentAt[i]))
				}
			}
		}
		p.acked = p.lastSeq
	}
	if p.state != protocol.StateRunning || tick == p.lastTick {
		return nil
	}
	p.lastTick = tick
	l.sendInput(p, tick, now)
	return nil
}

// sendInput answers a tick with the player's scripted input: it circles, changing direction
// every 20 ticks, and fires.
func (l *wireLoop) sendInput(p *wirePlayer, tick uint32, now time.Time) {
	p.seq++
	dir := (int(tick)/20 + p.seat) % 4
	in := protocol.Input{
		Seq:     p.seq,
		Buttons: uint8(game.ButtonFire | []game.Buttons{game.ButtonUp, game.ButtonRight, game.ButtonDown, game.ButtonLeft}[dir]),
		AimX:    int16(dir*40 - 60), AimY: 50,
	}
	b, err := l.enc.Append(l.out[:0], &in)
	if err != nil {
		return
	}
	// The frame goes after the message in the same buffer, so neither allocates.
	start := len(b)
	b = clientFrame(b, b[:start])
	l.out = b
	if _, err := unix.Write(p.fd, b[start:]); err == nil {
		p.sentAt[p.seq%inFlight], p.sentSq[p.seq%inFlight] = now, p.seq
	}
}

// drop ends p after an error: a lost player, counted as a reconnect of the client it stands for.
func (l *wireLoop) drop(p *wirePlayer, err error) {
	l.mu.Lock()
	_, ok := l.byFD[int32(p.fd)]
	delete(l.byFD, int32(p.fd))
	l.mu.Unlock()
	if !ok {
		return
	}
	_ = unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, p.fd, nil)
	p.nc.Close()
	if p.welcomed {
		l.swarm.st.connected.Add(-1)
		l.swarm.st.reconnects.Add(1)
	}
	l.swarm.errs.add(fmt.Errorf("player connection lost: %w", err))
}

func (l *wireLoop) closeAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for fd, p := range l.byFD {
		p.nc.Close()
		if p.welcomed {
			l.swarm.st.connected.Add(-1)
		}
		delete(l.byFD, fd)
	}
	unix.Close(l.epfd)
}
