// Command loadgen loads a Skirmish server with bot players and SSE spectators and reports
// what the server delivered and what it cost; with -suite it runs the whole benchmark suite
// behind `make bench` and writes BENCHMARKS.md.
//
//	go run ./server/loadgen -rooms 250 -players 4 -spectators 1000 -duration 20s
//	go run ./server/loadgen -addr 127.0.0.1:8080 -pid 4242 -rooms 10
//	go run ./server/loadgen -suite
package main

import (
	"os"

	"skirmish/server/loadgen/internal/cli"
)

func main() { os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr)) }
