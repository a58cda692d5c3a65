// Package room runs Skirmish's rooms. A room is two parts:
//
//   - the core (core.go, lifecycle.go, seats.go): the room's state (seats, life-cycle state and
//     deadlines, the world, the match record) and every transition of it, driven by explicit
//     events (join, input, leave, lost, start, cheer, tick) that carry the time. It has no
//     goroutine, reads no clock and owns no socket: players are Peers, and what the core says
//     goes to them, to the Observer (the spectator feed) and to the room directory;
//   - the driver (driver.go, reads.go, ticker.go): it owns the core, keeps the room's clock (a
//     fixed step on absolute deadlines) and feeds the core the commands and the inputs of its
//     players: it reads their plain TCP sockets itself, once a tick without blocking, and
//     takes what the goroutines reading the others (TLS) queue. Rooms have no goroutine of
//     their own: a ticker runs the ticks and commands of up to 32 of them.
//
// The Manager creates and finds rooms and serves player connections (session.go): it reads a
// connection's hello on the goroutine that upgraded it, and once the player is seated that
// goroutine goes on reading it, or, for a connection the room can poll, the room reads it
// from then on.
//
// # Life cycle
//
// A room is in one protocol.State at a time. Every change of state goes through
// (*core).enter, which refuses any edge not in this table (edges):
//
//	from       to         when
//	waiting    countdown  every seat is held and every player connected, or a player asked
//	                      to start now (bots take the empty seats)
//	countdown  running    the countdown ran out
//	countdown  paused     a player's connection was lost
//	running    paused     a player's connection was lost
//	running    ended      the match is over (frag or time limit)
//	paused     countdown  no lost player is awaited any more: each is back, or its grace ran
//	                      out and a bot took the seat, or it left on purpose
//	ended      countdown  the results have been shown: the rematch starts
//	ended      paused     the results have been shown, but a lost player is still awaited
//
// Seats change without a change of state: a newcomer takes a free seat or one a bot holds, in
// any state (join in progress); a player who leaves (a bye or a clean close) is replaced by a
// bot at once; a player whose token matches a seat takes it back from its connection (4000 to
// the replaced one), from the wait (resync), or from the bot standing in (for the rest of the
// match, without a countdown). Only a lost connection pauses the room.
package room
