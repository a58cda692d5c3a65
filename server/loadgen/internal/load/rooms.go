package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// createRoom asks the server for a room with seats seats, bots of them held by its bots, and
// returns its id. A refusal is a *refusedError.
func createRoom(ctx context.Context, c *http.Client, base string, seats, bots int) (string, error) {
	body, _ := json.Marshal(map[string]int{"seats": seats, "bots": bots})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/rooms", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("create room: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusCreated {
		return "", &refusedError{status: resp.StatusCode, body: string(bytes.TrimSpace(b))}
	}
	var created struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &created); err != nil || created.ID == "" {
		return "", fmt.Errorf("create room: unexpected answer %q", b)
	}
	return created.ID, nil
}

// refusedError is a room request the server answered with an error status.
type refusedError struct {
	status int
	body   string
}

func (e *refusedError) Error() string {
	return fmt.Sprintf("create room: status %d: %s", e.status, e.body)
}

// tickTimes remembers, for the last ticks of one room, when a player of the room first
// received each tick's snapshot. Spectators compare their arrival time with it, which
// measures the spectator feed's delay without a clock in the events.
type tickTimes struct {
	mu    sync.Mutex
	slots [256]struct {
		tick uint32
		at   time.Time
	}
}

// seen records that tick arrived at now, unless a player saw it earlier. A rematch starts
// the ticks again, so a slot holding the same tick from more than a second ago is stale.
func (t *tickTimes) seen(tick uint32, now time.Time) {
	t.mu.Lock()
	s := &t.slots[tick%uint32(len(t.slots))]
	if s.tick != tick || s.at.IsZero() || now.Sub(s.at) > time.Second {
		s.tick, s.at = tick, now
	}
	t.mu.Unlock()
}

// When returns when a player first received tick, if that is still remembered.
func (t *tickTimes) When(tick uint32) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := &t.slots[tick%uint32(len(t.slots))]
	return s.at, s.tick == tick && !s.at.IsZero()
}
