// Command feel plays the game over several networks with the desktop client's own code and
// writes what a player would feel, and the targets beside it, to FEEL.md (`make feel`).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"time"

	"skirmish/client-desktop/internal/feel"
)

func main() {
	out := flag.String("out", "FEEL.md", "where to write the report")
	play := flag.Duration("play", 90*time.Second, "how long to play each network with lag compensation")
	compare := flag.Duration("compare", 30*time.Second, "how long to play without it, where the report compares")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opts := feel.Options{Play: *play, Compare: *compare, Log: os.Stderr}
	if node, err := exec.LookPath("node"); err == nil {
		opts.Node = node
	} else {
		fmt.Fprintln(os.Stderr, "feel: no node on the PATH: the browser's modules are left out")
	}
	if err := run(ctx, *out, opts); err != nil {
		fmt.Fprintln(os.Stderr, "feel:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out string, opts feel.Options) error {
	rs, err := feel.Run(ctx, feel.Conditions, opts)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := feel.Write(f, rs, opts, time.Now()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
