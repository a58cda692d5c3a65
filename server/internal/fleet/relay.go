package fleet

import (
	"encoding/binary"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// A room's spectator events travel on the subject PREFIX.feed.ROOM, captured by the feeds
// stream, which keeps the last Options.History of each room. Each message is the time of
// publication (8 bytes, Unix nanoseconds, for the relay lag) and the event's SSE bytes, which
// carry its id and kind.

func (n *Node) feedSubject(room string) string { return n.opts.Prefix + ".feed." + room }

// Publish implements spectate.Relay: one core NATS publish, which JetStream stores without
// the room waiting for an acknowledgement.
func (n *Node) Publish(room string, _ uint64, _ string, wire []byte) {
	msg := make([]byte, 8+len(wire))
	binary.BigEndian.PutUint64(msg, uint64(time.Now().UnixNano()))
	copy(msg[8:], wire)
	if err := n.nc.Publish(n.feedSubject(room), msg); err != nil {
		n.log.Debug("spectator event not published", "room", room, "err", err)
	}
}

// Elsewhere implements spectate.Relay.
func (n *Node) Elsewhere(room string) bool {
	r, ok := n.dir.Get(room)
	return ok && r.Node != n.opts.NodeID
}

// Home returns the web address (scheme and host, as players reach it) of another node where
// the spectators of room, or of the lobby for "", go on when this node goes away: the room's
// owner if it is another live node, else the node with the most headroom; "" if there is
// none.
func (n *Node) Home(room string) string {
	if r, ok := n.dir.Get(room); ok && r.Node != n.opts.NodeID {
		if info, ok := n.registry.live(r.Node); ok {
			return webBase(info.URL)
		}
	}
	if others := n.registry.others(); len(others) > 0 {
		return webBase(others[0].URL)
	}
	return ""
}

// webBase returns the address of the pages and feeds of the node whose player WebSocket URL
// is wsURL: the same host, over HTTP(S), at the root the WebSocket path hangs from.
func webBase(wsURL string) string {
	u, err := url.Parse(wsURL)
	if err != nil {
		return ""
	}
	switch u.Scheme {
	case "wss":
		u.Scheme = "https"
	default:
		u.Scheme = "http"
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/ws")
	u.RawQuery, u.Fragment = "", ""
	return u.String()
}

// Follow implements spectate.Relay with an ordered consumer of the room's subject, from the
// first event the stream keeps.
func (n *Node) Follow(room string, deliver func(wire []byte)) (stop func(), caughtUp <-chan struct{}, err error) {
	ctx, cancel := n.jsCtx()
	defer cancel()
	subject := n.feedSubject(room)
	stream, err := n.js.Stream(ctx, feedStream(n.opts.Prefix))
	if err != nil {
		return nil, nil, err
	}
	// The history is delivered once the event stored last when following began is.
	var upTo uint64
	if last, err := stream.GetLastMsgForSubject(ctx, subject); err == nil {
		upTo = last.Sequence
	}
	c, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		return nil, nil, err
	}
	done := make(chan struct{})
	var once sync.Once
	if upTo == 0 {
		once.Do(func() { close(done) })
	}
	cc, err := c.Consume(func(m jetstream.Msg) {
		data := m.Data()
		if len(data) > 8 {
			sent := time.Unix(0, int64(binary.BigEndian.Uint64(data)))
			n.metrics.relayLag.Observe(time.Since(sent).Seconds())
			n.metrics.relayed.Inc()
			deliver(data[8:])
		}
		if meta, err := m.Metadata(); err == nil && meta.Sequence.Stream >= upTo {
			once.Do(func() { close(done) })
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return func() {
		cc.Stop()
		<-cc.Closed()
	}, done, nil
}
