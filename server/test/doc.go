// Package test holds the server's black-box tests: a real server started in-process on a
// loopback port, real WebSocket clients (the client package, or raw frames for protocol
// abuse), and toxiproxy for connections that break in the ways networks break.
package test
