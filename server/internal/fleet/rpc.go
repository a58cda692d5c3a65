package fleet

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"skirmish/server/internal/room"
)

// Requests between nodes, each on the subject PREFIX.node.ID.VERB of the node asked, with a
// JSON body and a JSON reply whose error (and code) say why it failed.
const (
	verbCreate = "create"
	verbAdopt  = "adopt"
	verbCheer  = "cheer"
)

// reply is the body of every answer; Error is empty on success.
type reply struct {
	ID    string `json:"id,omitempty"`
	Error string `json:"error,omitempty"`
	Code  string `json:"code,omitempty"`
}

// The codes of a failed request, which the asking node maps back to the errors its callers
// know.
const (
	codeBadRoom  = "bad_room"
	codeDraining = "shutting_down"
	codeNoRoom   = "room_not_found"
	codeShort    = "server_busy"
	codeFull     = "server_full"
	codeFailed   = "failed"
)

type adoptRequest struct {
	Room  string `json:"room"`
	Rev   uint64 `json:"rev"`
	CPRev uint64 `json:"cpRev"`
}

type cheerRequest struct {
	Room string `json:"room"`
	Text string `json:"text"`
}

func (n *Node) subject(node, verb string) string {
	return n.opts.Prefix + ".node." + node + "." + verb
}

// serveRPC answers the other nodes' requests, each verb on its own subscription so that a
// slow adoption does not hold up cheers.
func (n *Node) serveRPC() error {
	handlers := map[string]func([]byte) reply{
		verbCreate: n.answerCreate,
		verbAdopt:  n.answerAdopt,
		verbCheer:  n.answerCheer,
	}
	for verb, h := range handlers {
		if _, err := n.nc.Subscribe(n.subject(n.opts.NodeID, verb), func(m *nats.Msg) {
			b, _ := json.Marshal(h(m.Data))
			_ = m.Respond(b)
		}); err != nil {
			return fmt.Errorf("fleet: subscribe: %w", err)
		}
	}
	return nil
}

// ask sends a request to a node and returns its answer, or an error for a failed one.
func (n *Node) ask(node, verb string, req any, timeout time.Duration) (reply, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return reply{}, err
	}
	m, err := n.nc.Request(n.subject(node, verb), b, timeout)
	if err != nil {
		return reply{}, fmt.Errorf("fleet: %s on node %s: %w", verb, node, err)
	}
	var r reply
	if err := json.Unmarshal(m.Data, &r); err != nil {
		return reply{}, fmt.Errorf("fleet: %s on node %s: %w", verb, node, err)
	}
	if r.Error != "" {
		return r, remoteError(r)
	}
	return r, nil
}

// remoteError maps a failed request back to the errors of the room package.
func remoteError(r reply) error {
	switch r.Code {
	case codeBadRoom:
		return fmt.Errorf("%w: %s", room.ErrBadRequest, r.Error)
	case codeDraining:
		return room.ErrDraining
	case codeNoRoom:
		return room.ErrNoRoom
	case codeShort:
		return room.ErrShort
	case codeFull:
		return room.ErrFull
	}
	return errors.New(r.Error)
}

// failure is the reply for err.
func failure(err error) reply {
	code := codeFailed
	switch {
	case errors.Is(err, room.ErrBadRequest):
		code = codeBadRoom
	case errors.Is(err, room.ErrDraining):
		code = codeDraining
	case errors.Is(err, room.ErrNoRoom):
		code = codeNoRoom
	case errors.Is(err, room.ErrShort):
		code = codeShort
	case errors.Is(err, room.ErrFull):
		code = codeFull
	}
	return reply{Error: err.Error(), Code: code}
}

func (n *Node) answerCreate(body []byte) reply {
	var s room.Settings
	if err := json.Unmarshal(body, &s); err != nil {
		return failure(fmt.Errorf("%w: %v", room.ErrBadRequest, err))
	}
	if n.short() {
		// Its report may not have said so yet: the asking node tries the next.
		return failure(room.ErrShort)
	}
	id, err := n.mgr.Create(s)
	if err != nil {
		return failure(err)
	}
	return reply{ID: id}
}

func (n *Node) answerAdopt(body []byte) reply {
	var req adoptRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return failure(err)
	}
	if err := n.adopt(req.Room, req.Rev, req.CPRev); err != nil {
		return failure(err)
	}
	n.metrics.handovers.WithLabelValues("in").Inc()
	return reply{ID: req.Room}
}

func (n *Node) answerCheer(body []byte) reply {
	var req cheerRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return failure(err)
	}
	if err := n.mgr.Cheer(req.Room, req.Text); err != nil {
		return failure(err)
	}
	return reply{}
}

// Place creates a room on the node with the most headroom (room.Manager.Create's
// contract): here, or on another node through a request, passing over the nodes short of
// headroom or full. The room is in this node's copy of the directory when Place returns, so
// that whoever asked finds it here at once. When no node takes it, the error says why the
// last one refused.
func (n *Node) Place(s room.Settings) (string, error) {
	refused := room.ErrDraining
	for _, node := range n.registry.candidates() {
		if node.Short || node.ID == n.opts.NodeID && n.short() {
			refused = room.ErrShort
			continue
		}
		if node.ID == n.opts.NodeID {
			id, err := n.mgr.Create(s)
			if errors.Is(err, room.ErrFull) {
				refused = err
				continue
			}
			return id, err
		}
		r, err := n.ask(node.ID, verbCreate, s, opTimeout)
		if err != nil {
			if errors.Is(err, room.ErrBadRequest) {
				return "", err
			}
			if errors.Is(err, room.ErrShort) || errors.Is(err, room.ErrFull) {
				refused = err
			}
			n.log.Warn("placing a room failed; trying the next node", "node", node.ID, "err", err)
			continue
		}
		n.awaitListed(r.ID)
		return r.ID, nil
	}
	return "", refused
}

// awaitListed waits a moment for a room created elsewhere to reach this node's directory.
func (n *Node) awaitListed(id string) {
	deadline := time.Now().Add(opTimeout)
	for time.Now().Before(deadline) {
		if _, ok := n.dir.Get(id); ok {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Cheer passes a spectator's cheer to the room, on whichever node runs it. A room the
// directory lists but that is not where the directory says (on its way to another node, or
// not yet adopted there, or the news of a move not yet here) is looked for again for a
// moment, as a player's hello waits for a room on its way.
func (n *Node) Cheer(id, text string) error {
	deadline := time.Now().Add(opTimeout)
	for {
		err := n.mgr.Cheer(id, text)
		if !errors.Is(err, room.ErrNoRoom) {
			return err
		}
		r, ok := n.dir.Get(id)
		if !ok {
			return room.ErrNoRoom
		}
		if r.Node != n.opts.NodeID {
			_, err = n.ask(r.Node, verbCheer, cheerRequest{Room: id, Text: text}, opTimeout)
			if !errors.Is(err, room.ErrNoRoom) {
				return err
			}
		}
		if time.Now().After(deadline) {
			return room.ErrNoRoom
		}
		time.Sleep(50 * time.Millisecond)
	}
}
