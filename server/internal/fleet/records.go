package fleet

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A match's record travels with its room. The record stream (records) has a subject per
// match, PREFIX.rec.MATCH, on which the node that runs the room appends what the record
// gained since the room's last checkpoint, each piece with its offset in the record file,
// before it stores the checkpoint that counts it (lease.store). A node that takes the room
// over reads the pieces in order up to the length its checkpoint names: a piece at an offset
// already reached replaces what follows it, as a node that recovered the room from an older
// checkpoint went on from there.

// recordOffset is the header that carries a piece's offset in its record file.
const recordOffset = "Skirmish-Offset"

// recordPiece is the most a message of the record stream carries: well under NATS's
// default payload limit (1 MiB).
const recordPiece = 256 << 10

// recordsKept is how long the pieces of a record are kept: longer than a match lasts.
const recordsKept = 6 * time.Hour

func recordStream(prefix string) string { return prefix + "-records" }

// piece is part of a match record on its way to the fleet's store.
type piece struct {
	subject string
	offset  int64
	data    []byte
}

// recordSubject is the subject of the record file (a record.Position's File).
func (n *Node) recordSubject(file string) (string, error) {
	match := strings.TrimSuffix(path.Base(file), path.Ext(file))
	if match == "" || strings.ContainsAny(match, ".*> \t\r\n") {
		return "", fmt.Errorf("fleet: record file %q has no usable name", file)
	}
	return n.opts.Prefix + ".rec." + match, nil
}

// Record implements room.Lease: the pieces go out before the next checkpoint is stored.
func (l *lease) Record(file string, offset int64, data []byte) {
	if len(data) == 0 {
		return
	}
	subject, err := l.n.recordSubject(file)
	if err != nil {
		l.n.log.Warn("match record not passed on", "room", l.id, "err", err)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for len(data) > 0 {
		n := min(len(data), recordPiece)
		l.pieces = append(l.pieces, piece{subject: subject, offset: offset, data: data[:n]})
		offset += int64(n)
		data = data[n:]
	}
}

// store writes the record's pieces in order, then the checkpoint that counts them, if any.
// Pieces not written are kept, ahead of any queued since, for the next try: a checkpoint is
// never stored before the record it counts.
func (l *lease) store(pieces []piece, cp []byte) error {
	for i, p := range pieces {
		if err := l.n.sendPiece(p); err != nil {
			l.mu.Lock()
			l.pieces = append(pieces[i:], l.pieces...)
			l.mu.Unlock()
			return fmt.Errorf("fleet: match record: %w", err)
		}
	}
	if cp == nil {
		return nil
	}
	return l.saveCheckpoint(cp)
}

// takePieces returns the pieces queued so far.
func (l *lease) takePieces() []piece {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.pieces
	l.pieces = nil
	return p
}

func (n *Node) sendPiece(p piece) error {
	ctx, cancel := n.jsCtx()
	defer cancel()
	msg := &nats.Msg{Subject: p.subject, Data: p.data, Header: nats.Header{}}
	msg.Header.Set(recordOffset, strconv.FormatInt(p.offset, 10))
	_, err := n.js.PublishMsg(ctx, msg)
	return err
}

// Record implements room.Fleet.
func (n *Node) Record(file string, size int64) ([]byte, error) {
	subject, err := n.recordSubject(file)
	if err != nil {
		return nil, err
	}
	ctx, cancel := n.jsCtx()
	defer cancel()
	// The pieces come in batches, as few requests as can be: the room's players wait
	// meanwhile, and a node that takes rooms over is often one whose store is slow.
	c, err := n.js.OrderedConsumer(ctx, recordStream(n.opts.Prefix), jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		return nil, err
	}
	it, err := c.Messages()
	if err != nil {
		return nil, err
	}
	defer it.Stop()
	var rec []byte
	for {
		// However many pieces, the room and its players wait no longer than one request would.
		m, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("fleet: record %s: %w", file, err)
		}
		offset, err := strconv.ParseInt(m.Headers().Get(recordOffset), 10, 64)
		if err != nil || offset < 0 || offset > int64(len(rec)) {
			return nil, fmt.Errorf("fleet: record %s: a piece is missing before byte %d", file, len(rec))
		}
		rec = append(rec[:offset], m.Data()...)
		meta, err := m.Metadata()
		if err != nil {
			return nil, err
		}
		if meta.NumPending == 0 {
			break
		}
	}
	if int64(len(rec)) < size {
		return nil, fmt.Errorf("fleet: record %s: %d bytes stored, the checkpoint counts %d", file, len(rec), size)
	}
	return rec[:size], nil
}
