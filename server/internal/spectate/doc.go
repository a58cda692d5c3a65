// Package spectate streams rooms to spectators over Server-Sent Events, carries the lobby
// feed, and takes spectator reactions (cheers).
//
// # Fan-out
//
// Every event is encoded once per room into its complete SSE bytes
// ("id: N\nevent: kind\ndata: {...}\n\n") and the same slice goes to every spectator. A
// spectator stream owns its connection: the handler hijacks it from net/http (whose
// per-connection buffers are then released), writes the response head itself and hands the
// socket to its room's writer goroutine. That goroutine walks the room's spectators and writes
// each batch with one non-blocking write(2) per spectator; a spectator whose socket is full
// keeps references to the shared batches it still owes (no copies), and gets them later in one
// writev(2) with the next batch or a retry shortly after. One that takes nothing for longer
// than Options.StuckTimeout, leaves what its socket took unacknowledged that long (the
// kernel would otherwise buffer for minutes), or owes more than Options.MaxPending bytes, is
// disconnected: it reconnects and resumes by id. No spectator has a goroutine of its own, so
// a slow one can never slow the room or the others.
//
// A connection net/http cannot give up, HTTP/2 (where a page's streams share one connection)
// or TLS (whose descriptor carries ciphertext), streams through its request's handler
// instead: the writer puts the same bytes, without blocking, into a bounded pipe that the
// handler writes out and flushes, and the same limits apply.
//
// # Fleets
//
// With Options.Relay the hub is one node's part of a fleet's feeds: it publishes every event
// of the rooms that run on its node, encoded once, and serves the rooms that run on other
// nodes by relaying their events with the ids the room's node gave them. A spectator may
// watch any room on any node and resume with Last-Event-ID anywhere; a node that starts
// relaying a room first takes in the history the fleet keeps. A room that moves to another
// node keeps its feed: its ids and history travel in its checkpoint, and the spectators of the
// node it left follow it there.
//
// # Room feed: GET /rooms/{room}/events
//
// The stream opens with a "retry:" hint and then carries these events, each with a rising
// per-room "id:" (the reset and moved events and ": ping" comments carry none):
//
//	snapshot  the room at the spectator rate (Options.Rate, 10 Hz by default); also the keyframe
//	status    the room state and roster; on every change
//	frag      {"tick":812,"killer":0,"victim":2}
//	respawn   {"tick":870,"seat":2}
//	score     {"tick":812,"scores":[{"seat":0,"frags":3,"deaths":1}, ...]} when a score changes
//	matchover {"tick":5400,"winner":1}
//	joined    {"tick":12,"seat":1,"name":"ada"}
//	left      {"tick":990,"seat":1}
//	cheer     {"tick":812,"text":"gg"}
//	closed    {"id":"..."}: the room has closed; the stream ends
//	reset     {"reason":"..."}: the resume point is gone; a status and a keyframe follow.
//	          After a crash, {"reason":"...","validThrough":N}: the server went on from a
//	          checkpoint, and the events after id N that the spectator got did not happen
//	moved     {"url":"http://10.0.0.2:8080"}: in a fleet, this node is going away; the feed
//	          goes on at url, another node (the room's new one if it has one), at the same
//	          path. It carries no id and is no event of the room's (no other node sends it,
//	          and the ids of the room's events run on without a gap), so the id the
//	          spectator saw last is still its resume point: it reconnects there with
//	          Last-Event-ID, or ?lastEventId=N. The stream ends after it; the lobby feed
//	          sends it too, and is opened afresh there (its ids are each node's own)
//
// A snapshot is, in pixels (world units / game.SubPixel; positions rounded), with aim in
// radians and shot velocities in pixels per tick:
//
//	{"tick":812,"now":1764064741000,"rate":30,"map":"arena","state":"running",
//	 "ships":[{"seat":0,"x":412,"y":96,"aim":1.57,"hp":75,"alive":true,"frags":3,"deaths":1}, ...],
//	 "shots":[{"id":77,"owner":0,"x":430,"y":120,"vx":20,"vy":-3.375}, ...]}
//
// now is the server's clock in Unix milliseconds, rate the room's tick rate and map its map's
// name (assets/maps). ships lists the seats in play in seat order; names are in status. A
// status is:
//
//	{"state":"paused","endsIn":59000,"ends":1764064800000,
//	 "players":[{"seat":0,"name":"ada","bot":false,"connected":false,"frags":3,"deaths":1}, ...],
//	 "missing":[0],"results":[{"seat":0,"frags":10,"deaths":4}, ...]}
//
// where endsIn is the time left in the state in milliseconds when the event was made (0 if
// open-ended) and ends the same moment in Unix milliseconds on the server's clock: with the
// now of the latest snapshot, a page counts down correctly whatever its own clock says, even
// from a status replayed long after it was made.
//
// A fresh stream starts with the latest status and a keyframe (a room nobody watched makes
// one at its next tick: snapshots are encoded only while someone watches). A stream resumed with
// Last-Event-ID (the header, or the lastEventId query parameter for clients that cannot set
// it) gets every discrete event (everything but snapshot) it missed and the latest keyframe,
// merged in id order; if the missed events are no longer all in the bounded history, it gets
// a reset event, the latest status and a keyframe instead. Discrete events are never dropped.
// Outside a fleet the history starts with a feed's first spectator: until then nobody holds
// an id to resume from, and a room nobody watches keeps no events.
//
// # Sessions and channels
//
// A Session is a feed of one spectator's own with a room feed's events, written by its owner
// at its own pace: a replay (GET /replays/{match}/events, see package replay). Its ids are
// the ticks of what its events tell plus one, so that a reconnection's Last-Event-ID says
// where the spectator was; it opens with an intro event, then a status and a keyframe.
// A Channel is a feed the server writes for its own ends, such as the operators' figures
// (package admin): its streams open with what the channel's owner makes at that moment, and
// then get every event it publishes. Both are written by the same writer goroutines as the
// rooms' feeds, streamed the same way (through a pipe over HTTP/2 and TLS), admitted by the
// same policy, and count in the streams metric as feeds "session" and the channel's name.
//
// # Lobby feed: GET /events
//
//	rooms    the full room list, a JSON array of the room objects of GET /api/rooms
//	changes  {"rooms":[...],"closed":["id",...]}: the objects of the rooms created or
//	         changed and the ids of the rooms gone since the last changes event
//
// Changes go out in batches, at most one every Options.LobbyEvery (250 ms): a room that
// changed several times meanwhile is in a batch once, as it is now, so a watcher's traffic is
// bounded by the number of rooms, not by how busy they are. A stream opens with a rooms
// event; one that reconnects with Last-Event-ID gets only the batches it missed while the
// lobby keeps them (the last 64), else the whole list again. Ids start from the server's
// clock, so an id from before a restart always gets the whole list.
//
// # Cheers: POST /api/rooms/{room}/cheers
//
// The body {"text":"gg"} is one of protocol.Reactions or any printable text of at most
// protocol.MaxCheerRunes runes, sent as Content-Type: application/json. Each client address
// (an IPv6 /64 counting as one) has a token bucket (Options.CheerBurst, Options.CheerEvery),
// and so does each room (Options.RoomCheerBurst, Options.RoomCheerEvery). Success is 202;
// errors are JSON {"error":"...","code":"..."} with 400 (bad_json, bad_cheer), 403
// (origin_not_allowed), 404 (room_not_found), 405, 413, 415 (bad_content_type), 429
// (rate_limited, with Retry-After) or 503 (cheer_failed, with Retry-After: the room could not
// take it now, or its node in a fleet did not answer).
//
// # Admission
//
// Options.Admission decides who may open a stream or cheer (the Origin rule, streams open per
// address, the server draining) and counts every refusal; a room with Options.MaxSpectators
// streams refuses more with 503 too_many_spectators.
package spectate
