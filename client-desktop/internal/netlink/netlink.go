// Package netlink runs one player connection with the Go client (client) on goroutines
// of its own and hands everything it reports to the game loop through mailboxes, so the game
// loop never waits on the network: inputs go out through a queue drained by a sender
// goroutine, and messages, drops and refusals come back as match.Notes.
package netlink

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"skirmish/client"
	"skirmish/client-desktop/internal/mailbox"
	"skirmish/client-desktop/internal/match"
	"skirmish/client-desktop/internal/tokens"
	"skirmish/game"
	"skirmish/game/protocol"
)

// Queue bounds. Notes: a few seconds of snapshots and events at 30 Hz, far beyond what a
// game loop at 60 Hz lets pile up. Inputs: a few seconds too; older ones are stale anyway.
const (
	noteLimit  = 256
	inputLimit = 128
)

// Link is one player connection to a room.
type Link struct {
	server, room, name string
	store              *tokens.Store

	notes  *mailbox.Box[match.Note]
	inputs *mailbox.Box[game.Input]
	wake   chan struct{} // tells the sender that inputs are queued
	seq    atomic.Uint32 // the seq of the last input queued, the same count the client keeps

	ctx    context.Context // the clients' lifetime
	cancel context.CancelFunc
	mu     sync.Mutex
	c      *client.Client
	quit   chan struct{} // tells the sender to stop
	done   chan struct{} // closed when the sender has stopped
}

// Dial starts connecting to room on server as name, resuming the seat whose token store
// holds for that server and room, if any.
func Dial(server string, store *tokens.Store, room, name string) *Link {
	ctx, cancel := context.WithCancel(context.Background())
	l := &Link{
		server: server, room: room, name: name, store: store,
		notes:  mailbox.New[match.Note](noteLimit),
		inputs: mailbox.New[game.Input](inputLimit),
		wake:   make(chan struct{}, 1),
		ctx:    ctx, cancel: cancel,
		quit: make(chan struct{}),
		done: make(chan struct{}),
	}
	token, err := store.Load(server, room)
	if err != nil {
		// A token that cannot be read costs the old seat, not the game: take a new one.
		token = ""
	}
	l.start(token)
	go l.sender()
	return l
}

// start runs a client; with token it resumes that seat.
func (l *Link) start(token string) {
	resuming := token != ""
	h := client.Handler{
		OnState: func(s client.ConnState, err error) { l.state(s, err, resuming) },
		OnWelcome: func(w *protocol.Welcome) {
			_ = l.store.Save(l.server, l.room, w.Token) // without it only a restart loses the seat
			cp := *w
			l.put(&cp)
		},
		OnSnapshot: func(s *protocol.Snapshot, _ bool) {
			cp := &protocol.Snapshot{}
			cp.CopyFrom(s)
			l.put(cp)
		},
		OnEvents: func(evs []protocol.Event) { l.put(&protocol.Events{List: slices.Clone(evs)}) },
		OnStatus: func(s *protocol.Status) {
			cp := *s
			cp.Players, cp.Missing, cp.Results = slices.Clone(s.Players), slices.Clone(s.Missing), slices.Clone(s.Results)
			l.put(&cp)
		},
		OnPong: func(rtt time.Duration, _ uint32) {
			l.notes.Put(match.Note{At: time.Now(), Kind: match.ConnRTT, RTT: rtt})
		},
		OnError: func(e *protocol.Error) {
			cp := *e
			l.put(&cp)
		},
	}
	c := client.Start(l.ctx, client.Config{URL: l.server, Room: l.room, Name: l.name, Token: token}, h)
	l.mu.Lock()
	l.c = c
	l.mu.Unlock()
}

func (l *Link) put(m protocol.Message) {
	l.notes.Put(match.Note{At: time.Now(), Kind: match.ConnMessage, Msg: m})
}

// state turns the client's connection states into notes. A saved seat the server no longer
// knows is forgotten and a new seat taken at once, so a stale token never locks a player out.
func (l *Link) state(s client.ConnState, err error, resuming bool) {
	switch s {
	case client.Reconnecting:
		l.notes.Put(match.Note{At: time.Now(), Kind: match.ConnLost, Err: readable(err)})
	case client.Closed:
		if err == nil || l.ctx.Err() != nil {
			return // we left
		}
		var ce *client.CloseError
		if resuming && errors.As(err, &ce) && (ce.Code == protocol.CodeBadToken || ce.Code == protocol.CodeSeatLost) {
			_ = l.store.Forget(l.server, l.room)
			l.seq.Store(0) // a new client numbers from one again
			l.start("")
			return
		}
		if errors.As(err, &ce) && !ce.Code.Reconnect() {
			_ = l.store.Forget(l.server, l.room)
		}
		l.notes.Put(match.Note{At: time.Now(), Kind: match.ConnRefused, Err: readable(err)})
	}
}

// readable gives a close from the server the protocol's error type, which names its code.
func readable(err error) error {
	var ce *client.CloseError
	if errors.As(err, &ce) {
		return &protocol.Error{Code: ce.Code, Message: ce.Reason}
	}
	return err
}

// Send queues in for the sender and returns its seq. The client numbers inputs one by one as
// they are sent, so counting them here gives the same numbers without waiting for the write.
func (l *Link) Send(in game.Input) uint32 {
	seq := l.seq.Add(1)
	in.Seq = seq
	l.inputs.Put(in)
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return seq
}

// sender writes queued inputs until the link closes. Inputs the queue dropped while a write
// hung are replaced by the oldest one still queued, so the client's count stays equal to
// Send's.
func (l *Link) sender() {
	defer close(l.done)
	var batch []game.Input
	dropped := 0
	for {
		select {
		case <-l.quit:
			return
		case <-l.wake:
		}
		batch = l.inputs.Take(batch[:0])
		if len(batch) == 0 {
			continue
		}
		now := l.inputs.Dropped()
		for range now - dropped {
			l.send(batch[0])
		}
		dropped = now
		for _, in := range batch {
			l.send(in)
		}
	}
}

func (l *Link) send(in game.Input) {
	l.mu.Lock()
	c := l.c
	l.mu.Unlock()
	// Not being connected is reported through OnState; the input is simply lost.
	_, _ = c.SendInput(protocol.Input{Buttons: uint8(in.Buttons), AimX: in.AimX, AimY: in.AimY, View: in.View})
}

// Notes appends what the network reported since the last call to dst.
func (l *Link) Notes(dst []match.Note) []match.Note { return l.notes.Take(dst) }

// Exit says goodbye to the room, so that nobody waits for us (a bot takes the seat at once),
// and stops the link. The token stays saved: a restarted client takes the seat back from the
// bot.
func (l *Link) Exit() {
	c := l.stopSender()
	c.Bye() // sends the bye before it stops the client
	select {
	case <-c.Done():
	case <-time.After(time.Second):
	}
	l.cancel()
}

// Close leaves the room for good: it exits and forgets the token.
func (l *Link) Close() {
	l.Exit()
	_ = l.store.Forget(l.server, l.room)
}

// stopSender ends the sender goroutine and returns the current client.
func (l *Link) stopSender() *client.Client {
	close(l.quit)
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.c
}
