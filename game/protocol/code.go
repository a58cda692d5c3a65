package protocol

import (
	"errors"
	"fmt"
)

// Code is a WebSocket close code, also carried by the Error message.
//
// Besides the standard codes (1000-1015), Skirmish uses the private range with the convention
// that the range alone tells a client what to do, even for a code it does not know:
//   - 4000-4499: a transient condition; the client should reconnect (with backoff and its
//     session token), and will get its seat back. The one exception is 4000: a newer
//     connection with the same token holds the seat now, and a replaced connection that
//     reconnected would take it back, so two clients sharing a token would take the seat from
//     each other forever. 4000 is final for the replaced connection;
//     4310 (Moved) is the other one to know: the room runs on another node of the fleet,
//     and the reason is that node's player WebSocket URL. The client reconnects there at
//     once, with its session token, and uses that URL from then on;
//   - 4500-4999: the request itself is wrong; reconnecting with the same request fails the
//     same way, so the client must not retry it.
type Code uint16

// The close codes.
const (
	CodeNormal     Code = 1000 // a clean close (after a Bye)
	CodeGoingAway  Code = 1001 // the server shuts down
	CodeProtocol   Code = 1002 // a WebSocket protocol error, such as a close frame with an invalid code
	CodeNoStatus   Code = 1005 // the peer closed without a code (reported locally, never sent)
	CodeAbnormal   Code = 1006 // the connection dropped (reported locally, never sent)
	CodeBadUTF8    Code = 1007 // text that must be UTF-8 was not (a close frame's reason)
	CodePolicy     Code = 1008 // e.g. no Hello first, or inputs far faster than the tick rate
	CodeTooBig     Code = 1009 // a frame over MaxClientMessage
	CodeInternal   Code = 1011 // the server failed
	CodeReplaced   Code = 4000 // a newer connection took over the same seat (final, see above)
	CodeStuck      Code = 4001 // the client did not read for too long
	CodeKeepalive  Code = 4002 // no traffic within the keepalive timeout
	CodeBusy       Code = 4003 // the server is at capacity and takes no new player: try again later
	CodeMoved      Code = 4310 // another node runs the room; the reason is its WebSocket URL
	CodeBadMessage Code = 4500 // a malformed message
	CodeUnknown    Code = 4501 // an unknown message type
	CodeTextFrame  Code = 4502 // a text frame where binary was required
	CodeVersion    Code = 4503 // an unsupported protocol version
	CodeNoRoom     Code = 4504 // no such room
	CodeRoomFull   Code = 4505 // no free seat
	CodeBadToken   Code = 4506 // a malformed, unknown or foreign session token
	CodeBadName    Code = 4507 // a name that is empty, too long or unprintable
	CodeSeatLost   Code = 4508 // another player took the seat while its player was away
	CodeRoomClosed Code = 4509 // an operator closed the room; the reason is the operator's
	CodeRemoved    Code = 4510 // an operator removed the player from the room; the reason is the operator's
)

var codeNames = map[Code]string{
	CodeNormal: "normal", CodeGoingAway: "going away", CodeProtocol: "protocol error", CodeNoStatus: "no status",
	CodeAbnormal: "abnormal closure", CodeBadUTF8: "invalid payload data", CodePolicy: "policy violation",
	CodeTooBig: "message too big", CodeInternal: "internal error", CodeReplaced: "replaced", CodeStuck: "stuck",
	CodeKeepalive: "keepalive timeout", CodeBusy: "server busy", CodeMoved: "moved", CodeBadMessage: "bad message",
	CodeUnknown: "unknown message type", CodeTextFrame: "text frame",
	CodeVersion: "unsupported version", CodeNoRoom: "unknown room", CodeRoomFull: "room full",
	CodeBadToken: "bad token", CodeBadName: "bad name", CodeSeatLost: "seat lost",
	CodeRoomClosed: "room closed", CodeRemoved: "removed",
}

// String returns a short description of the code.
func (c Code) String() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return fmt.Sprintf("code %d", uint16(c))
}

// Reconnect reports whether a client closed with c should reconnect: for 4001-4499, and for
// the standard codes that mean the connection or the server failed rather than the request
// (going away, no status, abnormal closure, internal error, service restart, try again later).
func (c Code) Reconnect() bool {
	switch {
	case c == CodeReplaced:
		return false
	case c >= 4000 && c <= 4499:
		return true
	case c == CodeGoingAway, c == CodeNoStatus, c == CodeAbnormal, c == CodeInternal,
		c == 1012, c == 1013:
		return true
	}
	return false
}

// The errors decoding reports. Each decoding error wraps exactly one of them; CodeOf maps
// them to close codes.
var (
	// ErrMalformed means the bytes are not a well-formed message: not msgpack, a wrong
	// element type, a short array, an out-of-range value or trailing bytes.
	ErrMalformed = errors.New("malformed message")
	// ErrUnknownType means a well-formed array with a type tag this side does not accept.
	ErrUnknownType = errors.New("unknown message type")
	// ErrTooBig means a client message over MaxClientMessage bytes.
	ErrTooBig = errors.New("message too big")
	// ErrVersion means a Hello with a version other than Version.
	ErrVersion = errors.New("unsupported protocol version")
	// ErrBadName means a Hello whose name is empty, too long or unprintable after trimming.
	ErrBadName = errors.New("bad player name")
	// ErrBadToken means a Hello whose token is neither empty nor TokenLen hex digits.
	ErrBadToken = errors.New("bad session token")
)

// CodeOf returns the close code for an error from decoding a client message: CodeBadMessage
// for a malformed message or any error it does not know.
func CodeOf(err error) Code {
	switch {
	case errors.Is(err, ErrUnknownType):
		return CodeUnknown
	case errors.Is(err, ErrTooBig):
		return CodeTooBig
	case errors.Is(err, ErrVersion):
		return CodeVersion
	case errors.Is(err, ErrBadName):
		return CodeBadName
	case errors.Is(err, ErrBadToken):
		return CodeBadToken
	}
	return CodeBadMessage
}

// wrapf returns an error wrapping sentinel with a description of the offending message.
func wrapf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
