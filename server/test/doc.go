// Package test holds the server's black-box tests: a real server started in-process on a
// loopback port, real WebSocket clients (the client package, or raw frames for protocol
// abuse), and toxiproxy for connections that break in the ways networks break.
//
// The few tests that last a minute or so (chaos, the fleet, restarts) spend it waiting on
// match clocks, grace periods and leases, using a fraction of a core, so they run in parallel
// with each other after the rest; every other test runs alone, so its timings stay its own.
package test
