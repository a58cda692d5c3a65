package protocol

import "math"

// messageCase is one message with a name, shared by the round-trip, golden and fuzz tests and
// the benchmarks.
type messageCase struct {
	name string
	msg  Message
}

const token = "0123456789abcdef0123456789abcdef"

// messageCases covers every message type, with edge values where a type has them.
var messageCases = []messageCase{
	{"hello new seat", &Hello{Version: Version, Name: "ada", Room: "k3x9q", Token: ""}},
	{"hello resume", &Hello{Version: Version, Name: "Grace B. Hopper!", Room: "room-1", Token: token}},
	{"hello unicode name", &Hello{Version: Version, Name: "Zoë ☄ 北", Room: "r", Token: ""}},
	{"input", &Input{Seq: 1, Buttons: 1 | 8 | 16, AimX: -120, AimY: 45, View: 69996}},
	{"input extremes", &Input{Seq: math.MaxUint32, Buttons: 31, AimX: math.MinInt16, AimY: math.MaxInt16, View: math.MaxUint32}},
	{"ping", &Ping{ClientTime: 123456}},
	{"ping negative", &Ping{ClientTime: math.MinInt64}},
	{"bye", &Bye{}},
	{"start", &Start{}},
	{"welcome", &Welcome{Seat: 2, Token: token, TickRate: 30, Map: "arena", Seats: 4, Room: "k3x9q",
		FragLimit: 10, TimeLimit: 5400}},
	{"snapshot empty", &Snapshot{Tick: 0, State: StateWaiting}},
	{"snapshot", &Snapshot{Tick: 70000, State: StateRunning,
		Ships: []ShipRecord{
			{0, FlagActive | FlagAlive, 8000, 6400, -29, 58, 127, 0, 100, 3, 1, 0, 1234, 5},
			{1, FlagActive, -5, math.MaxInt32, 0, 0, -128, -90, -1, 0, 2, 60, math.MaxUint32, 0},
			{2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		},
		Projectiles: []ProjectileRecord{
			{7, 0, 8100, 6400, 160, 0, 36, 1233},
			{9, 1, math.MinInt32, 0, -160, 3, math.MaxUint16, 0},
		}}},
	{"delta", &Delta{Tick: 70001, BaseTick: 70000, State: StateRunning,
		Ships:   []ShipRecord{{0, 0, -29, 58, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1}, {2, 3, math.MaxUint32, -math.MaxUint32, 0, 0, 0, 0, 100, 0, 0, 0, 0, 0}},
		Spawned: []ProjectileRecord{{10, 0, 8000, 6400, 160, 0, 36, math.MaxUint32}},
		Removed: []uint32{7, math.MaxUint32}}},
	{"delta every field", &Delta{Tick: 9, BaseTick: 8, State: StateCountdown,
		Ships: []ShipRecord{{7, -3, 1, -1, 200, -200, -255, 255, -65535, 65535, 1, 60, -math.MaxUint32, -2}}}},
	{"delta idle", &Delta{Tick: 1, BaseTick: 0, State: StatePaused}},
	{"events", &Events{List: []Event{
		{Kind: EventFrag, Tick: 900, A: 0, B: 1},
		{Kind: EventCheer, Tick: 901, Text: "wow"},
		{Kind: EventJoined, Tick: 902, A: 3, Text: "Zoë"},
		{Kind: EventMatchOver, Tick: 903, A: -1},
	}}},
	{"status paused", &Status{State: StatePaused, StateEnds: 59000,
		Players: []Player{
			{Seat: 0, Name: "ada", Connected: true, Frags: 4, Deaths: 2},
			{Seat: 1, Name: "bot 1", Bot: true, Connected: true},
			{Seat: 2, Name: "grace", Frags: 1, Deaths: 5},
		},
		Missing: []int{2}}},
	{"status ended", &Status{State: StateEnded, StateEnds: 10000,
		Players: []Player{{Seat: 0, Name: "ada", Connected: true, Frags: 10, Deaths: 2}},
		Results: []Result{{Seat: 0, Frags: 10, Deaths: 2}, {Seat: 1, Frags: 3, Deaths: 9}}}},
	{"pong", &Pong{ClientTime: 123456, Tick: 4242}},
	{"error", &Error{Code: CodeRoomFull, Message: "room k3x9q has no free seat"}},
}
