// Package game is Skirmish's deterministic arena simulation: ships, projectiles, walls,
// frags and the match clock, advanced one fixed step at a time by Step.
//
// Everything is integer fixed-point arithmetic in world units (SubPixel units per pixel), so
// the same initial World and the same per-tick inputs give bit-for-bit the same state on every
// platform and in the browser's port of the movement code. The package does no I/O, reads no
// clock, starts no goroutine and never ranges over a map; randomness comes from the PRNG
// carried inside the World. Hash fingerprints the whole state.
package game
