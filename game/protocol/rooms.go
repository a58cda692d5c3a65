package protocol

// RoomInfo is one room as the HTTP API shows it (GET /api/rooms and /api/rooms/{room}) and
// as the lobby feed carries it: the server encodes it and Go clients decode it, so both sides
// share this one definition of the JSON.
type RoomInfo struct {
	ID         string       `json:"id"`
	State      string       `json:"state"`
	Tick       uint32       `json:"tick"`
	Seats      int          `json:"seats"`
	Players    []PlayerInfo `json:"players"`
	Spectators int          `json:"spectators"`
	Map        string       `json:"map"`
	FragLimit  int          `json:"fragLimit"`
	TimeLimit  int          `json:"timeLimit"` // match length in seconds
	BotLevel   string       `json:"botLevel"`  // easy, normal or hard
	// Node and URL name the node of a fleet that runs the room and its player WebSocket URL
	// (where a hello for the room goes); both are empty on a server that is not in a fleet.
	Node string `json:"node,omitempty"`
	URL  string `json:"url,omitempty"`
}

// Humans counts the seats held by people rather than bots.
func (r RoomInfo) Humans() int {
	n := 0
	for _, p := range r.Players {
		if !p.Bot {
			n++
		}
	}
	return n
}

// PlayerInfo is one occupied seat of a RoomInfo.
type PlayerInfo struct {
	Name      string `json:"name"`
	Seat      int    `json:"seat"`
	Bot       bool   `json:"bot"`
	Connected bool   `json:"connected"`
	Score     int    `json:"score"`
}
