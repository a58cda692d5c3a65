// Package httperr is the server's one way of saying no over HTTP: a status and the JSON body
// {"error":"human sentence","code":"machine_code"}, written through net/http or, for a
// connection that net/http does not own (the zero-copy WebSocket path, a hijacked stream, a
// connection refused at accept), as a complete HTTP/1.1 response that closes the connection.
package httperr

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Error is one refusal. It is an error, so that the layers that decide can hand it to the
// layer that answers.
type Error struct {
	Status  int    // HTTP status
	Code    string // machine code, snake_case
	Message string // one human sentence
	// RetryAfter, when positive, is sent as the Retry-After header (whole seconds, rounded up).
	RetryAfter time.Duration
}

// New returns a refusal with status, code and message.
func New(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// Error implements error.
func (e *Error) Error() string { return e.Message }

// body is the JSON of every error answer.
type body struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// maxMessage bounds the sentence of an answer, whatever a caller put in it.
const maxMessage = 300

// JSON returns the body of the answer, newline-terminated.
func (e *Error) JSON() []byte {
	b, _ := json.Marshal(body{Error: cut(e.Message, maxMessage), Code: e.Code})
	return append(b, '\n')
}

// Write answers w with the error.
func (e *Error) Write(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if s := e.retryAfter(); s != "" {
		h.Set("Retry-After", s)
	}
	w.WriteHeader(e.Status)
	// The client may be gone; nothing useful can be done about a failed write.
	_, _ = w.Write(e.JSON())
}

// Response returns the error as a complete HTTP/1.1 response that closes the connection, for
// a socket that net/http does not serve.
func (e *Error) Response() []byte {
	b := e.JSON()
	var sb strings.Builder
	sb.Grow(len(b) + 200)
	sb.WriteString("HTTP/1.1 " + strconv.Itoa(e.Status) + " " + http.StatusText(e.Status) + "\r\n")
	sb.WriteString("Content-Type: application/json\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n")
	if s := e.retryAfter(); s != "" {
		sb.WriteString("Retry-After: " + s + "\r\n")
	}
	sb.WriteString("Content-Length: " + strconv.Itoa(len(b)) + "\r\nConnection: close\r\n\r\n")
	sb.Write(b)
	return []byte(sb.String())
}

func (e *Error) retryAfter() string {
	if e.RetryAfter <= 0 {
		return ""
	}
	return strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds())))
}

// Write answers w with status and a JSON error.
func Write(w http.ResponseWriter, status int, code, message string) {
	New(status, code, message).Write(w)
}

// Quote returns s quoted for an error sentence, shortened so that an answer never echoes
// unbounded input back.
func Quote(s string) string {
	const maxEcho = 40
	return strconv.Quote(cut(s, maxEcho))
}

// cut shortens s to at most n bytes at a character boundary, marking the cut with an ellipsis.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	end := n - len("…")
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + "…"
}
