// Package lobby talks to the server's room API over HTTP: the list of rooms a player can
// join and the creation of a new one.
package lobby

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"skirmish/game/protocol"
)

// Room is one room as the HTTP API shows it.
type Room = protocol.RoomInfo

// Player is one occupied seat of a Room.
type Player = protocol.PlayerInfo

// APIError is a refusal from the room API, carrying the server's own words.
type APIError struct {
	Status  int
	Code    string `json:"code"`
	Message string `json:"error"`
}

func (e *APIError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("server answered %d", e.Status)
	}
	return e.Message
}

// Client calls the room API of the server whose player endpoint is a ws:// or wss:// URL.
type Client struct {
	base string
	http *http.Client
}

// NewClient returns a Client for the server whose WebSocket endpoint is wsURL.
func NewClient(wsURL string) (*Client, error) {
	base, err := HTTPBase(wsURL)
	if err != nil {
		return nil, err
	}
	return &Client{base: base, http: &http.Client{Timeout: 5 * time.Second}}, nil
}

// HTTPBase derives the HTTP origin of the server from its WebSocket URL: ws becomes http,
// wss becomes https, and a trailing /ws is dropped so that a server mounted under a prefix
// keeps it.
func HTTPBase(wsURL string) (string, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return "", fmt.Errorf("server URL: %w", err)
	}
	switch u.Scheme {
	case "ws", "http":
		u.Scheme = "http"
	case "wss", "https":
		u.Scheme = "https"
	default:
		return "", fmt.Errorf("server URL %q: scheme must be ws or wss", wsURL)
	}
	if u.Host == "" {
		return "", fmt.Errorf("server URL %q: no host", wsURL)
	}
	path := strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/ws")
	return u.Scheme + "://" + u.Host + path, nil
}

// Rooms lists the rooms on the server.
func (c *Client) Rooms(ctx context.Context) ([]Room, error) {
	var rooms []Room
	if err := c.do(ctx, http.MethodGet, "/api/rooms", nil, http.StatusOK, &rooms); err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	return rooms, nil
}

// Room fetches one room by id.
func (c *Client) Room(ctx context.Context, id string) (Room, error) {
	var r Room
	if err := c.do(ctx, http.MethodGet, "/api/rooms/"+url.PathEscape(id), nil, http.StatusOK, &r); err != nil {
		return Room{}, fmt.Errorf("get room %s: %w", id, err)
	}
	return r, nil
}

// Create opens a new room with seats seats, bots of them held by server-side bots, and
// returns its id.
func (c *Client) Create(ctx context.Context, seats, bots int) (string, error) {
	body, err := json.Marshal(struct {
		Seats int `json:"seats"`
		Bots  int `json:"bots"`
	}{seats, bots})
	if err != nil {
		return "", fmt.Errorf("create room: %w", err)
	}
	var created struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/rooms", body, http.StatusCreated, &created); err != nil {
		return "", fmt.Errorf("create room: %w", err)
	}
	if created.ID == "" {
		return "", errors.New("create room: the server returned no id")
	}
	return created.ID, nil
}

// QuickPlay asks the server for a room to play in at once: one in play with a seat for a
// newcomer, or a new one with bots. It returns the room's id and the WebSocket URL to play on.
func (c *Client) QuickPlay(ctx context.Context) (room, url string, err error) {
	var got struct {
		Room string `json:"room"`
		URL  string `json:"url"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/play", []byte("{}"), http.StatusOK, &got); err != nil {
		return "", "", fmt.Errorf("quick play: %w", err)
	}
	if got.Room == "" {
		return "", "", errors.New("quick play: the server returned no room")
	}
	return got.Room, got.URL, nil
}

func (c *Client) do(ctx context.Context, method, path string, body []byte, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		apiErr := &APIError{Status: resp.StatusCode}
		_ = json.Unmarshal(data, apiErr) // a body that is not our JSON still leaves the status
		return apiErr
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}
