// Package test holds the desktop client's black-box tests: the real client binary in a real
// window (an X display, such as Xvfb's) against a real server over loopback. It has no code
// of its own; it is a separate package so that the tests start even where the client's
// window package could not be imported.
package test
