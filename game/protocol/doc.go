// Package protocol is Skirmish's player wire format: the Go types of every message in
// PROTOCOL.md, their msgpack encoding and decoding, and the keyframe and delta machinery that
// turns a game.World into compact snapshots.
//
// Every message is one msgpack array whose first element is its Type. Encoding goes through
// an Encoder that appends into a reused buffer and allocates nothing in steady state, so one
// encoding per room per tick can be shared by every connection. Decoding never panics and
// never trusts a declared length: anything malformed comes back as an error wrapping one of
// the sentinel errors, which CodeOf maps to the close code the server should send.
package protocol
