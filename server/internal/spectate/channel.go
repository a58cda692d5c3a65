package spectate

import (
	"net/http"
)

// Channel is a feed the server writes for a purpose of its own, such as the operators'
// figures: every event goes to every stream, and a stream opens with what opening returns
// (made when a stream opens, not at every event). Events are numbered but not kept for
// resumption: a stream that reconnects opens afresh.
type Channel struct {
	h *Hub
	t *topic
}

// NewChannel returns a channel whose streams open with the event kind and data opening
// returns; the streams count as feed name in the metrics.
func (h *Hub) NewChannel(name string, opening func() (kind string, data []byte)) *Channel {
	t := newTopic(h, name, 0, true)
	t.opener = opening
	return &Channel{h: h, t: t}
}

// Publish sends an event to every stream.
func (c *Channel) Publish(kind string, data []byte) { c.t.publishChange(kind, data) }

// Serve streams the channel to the request's client, admitted as any spectator stream; it
// returns once the stream is handed over to the channel's writer, or refused, or, on a
// connection net/http cannot give up (HTTP/2, TLS), once the stream ends.
func (c *Channel) Serve(w http.ResponseWriter, r *http.Request) {
	cors, release, refusal := c.h.opts.Admission.Stream(r)
	if refusal != nil {
		refusal.Write(w)
		return
	}
	c.h.stream(w, r, c.t, streamArgs{cors: cors, release: release})
}

// Close ends the channel and its streams.
func (c *Channel) Close() { c.t.close() }
