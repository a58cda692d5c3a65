package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"skirmish/client"
	"skirmish/game/protocol"
)

// OverloadConfig is the over-capacity scenario: Rooms rooms of Players bot players play (the
// running matches); after a measured window of Duration, newcomers arrive for Push, Arrivals
// rooms a second, each created through the API with Bots server bots and joined by one new
// player: far more than the server's core holds. A server that protects itself refuses the
// newcomers it cannot carry (503 for rooms, 4003 for players) while the running matches keep
// their tick rate.
type OverloadConfig struct {
	Config
	Arrivals int // newcomer rooms a second
	Bots     int // server bots in a newcomer room besides its player
	Push     time.Duration
}

// OverloadReport is what the over-capacity scenario measured.
type OverloadReport struct {
	Server   string `json:"server"`
	TickRate int    `json:"tickRate"`
	Running  int64  `json:"runningPlayers"`
	// Before and During are the running players' figures before and during the push.
	Before RunningWindow `json:"before"`
	During RunningWindow `json:"during"`

	RoomsTried     int64 `json:"newRoomsTried"`
	RoomsCreated   int64 `json:"newRoomsCreated"`
	RoomsRefused   int64 `json:"newRoomsRefused503"`
	PlayersTried   int64 `json:"newPlayersTried"`
	PlayersSeated  int64 `json:"newPlayersSeated"`
	PlayersRefused int64 `json:"newPlayersRefused4003"`
	// FirstRefusal is when, into the push, the server first refused a newcomer (s).
	FirstRefusal Float `json:"firstRefusalSeconds"`
	// Keepalive and Stuck count the players the server closed for silence (4002) and for not
	// reading (4001) during the push; a server that protects itself closes none for its own
	// slowness.
	Keepalive Float    `json:"keepaliveClosesDuringPush"`
	Stuck     Float    `json:"stuckClosesDuringPush"`
	Errors    []string `json:"errors,omitempty"`
}

// RunningWindow is what the running players got in one window.
type RunningWindow struct {
	Seconds float64 `json:"seconds"`
	// Rate is snapshots a second per running player on average, Worst the lowest of any
	// one-second step of the window.
	Rate      Float `json:"snapshotsPerSecPerPlayer"`
	Worst     Float `json:"worstSecondPerPlayer"`
	TickP99us Float `json:"tickP99us"`
	LateTicks Float `json:"lateTicks"`
	CPUCores  Float `json:"serverCores"`
	Rooms     Float `json:"rooms"`
	// ServerWait is how long the server's threads waited, runnable, for a CPU per second:
	// time other processes on the machine took from it.
	ServerWait Float `json:"serverRunQueueWaitMsPerSec"`
}

// newcomers counts the outcomes of the push.
type newcomers struct {
	roomsTried, roomsCreated, roomsRefused, roomsFailed atomic.Int64
	playersTried, playersSeated, playersRefused         atomic.Int64
	firstRefusal                                        atomic.Int64 // nanoseconds into the push, 0 for none
	start                                               time.Time
	st                                                  playerStats
	times                                               tickTimes
}

func (n *newcomers) refused() {
	n.firstRefusal.CompareAndSwap(0, int64(time.Since(n.start)))
}

// Overload runs the over-capacity scenario.
func Overload(ctx context.Context, cfg OverloadConfig) (*OverloadReport, error) {
	if cfg.Rooms <= 0 || cfg.Players <= 0 || cfg.Arrivals <= 0 || cfg.Push <= 0 {
		return nil, errors.New("the overload scenario needs running rooms with players, arrivals and a push")
	}
	r, err := newRun(cfg.Config)
	if err != nil {
		return nil, err
	}
	addr, stop, err := r.server(ctx)
	if err != nil {
		return nil, err
	}
	defer stop()
	rep := &OverloadReport{Server: r.where, TickRate: cfg.TickRate, FirstRefusal: Missing}
	clients, stopClients := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		stopClients()
		wg.Wait()
	}()
	if err := r.createRooms(ctx); err != nil {
		return nil, err
	}
	if err := r.connectPlayers(clients, &wg, addr); err != nil {
		return nil, err
	}
	rep.Running = r.players.connected.Load()
	if err := r.sleep(ctx, cfg.Warmup, "warm-up"); err != nil {
		return nil, err
	}
	if rep.Before, err = r.running(ctx, cfg.Duration, "the running matches", nil); err != nil {
		return nil, err
	}

	n := &newcomers{start: time.Now()}
	before := r.read(ctx)
	pushCtx, stopPush := context.WithTimeout(clients, cfg.Push)
	defer stopPush()
	wg.Go(func() { r.arrive(pushCtx, clients, &wg, addr, cfg, n) })
	if rep.During, err = r.running(ctx, cfg.Push, "the running matches during the push", n); err != nil {
		return nil, err
	}
	// Let the attempts made at the end of the push come back.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if n.roomsTried.Load() == n.roomsCreated.Load()+n.roomsRefused.Load()+n.roomsFailed.Load() {
			break
		}
	}
	after := r.read(ctx)
	if before.scraped && after.scraped {
		const closes = "skirmish_player_disconnects_total"
		rep.Keepalive = Float(after.scrape.Labeled(closes, "code", "4002") - before.scrape.Labeled(closes, "code", "4002"))
		rep.Stuck = Float(after.scrape.Labeled(closes, "code", "4001") - before.scrape.Labeled(closes, "code", "4001"))
	}
	rep.RoomsTried, rep.RoomsCreated, rep.RoomsRefused = n.roomsTried.Load(), n.roomsCreated.Load(), n.roomsRefused.Load()
	rep.PlayersTried, rep.PlayersSeated, rep.PlayersRefused = n.playersTried.Load(), n.playersSeated.Load(), n.playersRefused.Load()
	if first := n.firstRefusal.Load(); first > 0 {
		rep.FirstRefusal = Float(time.Duration(first).Seconds())
	}
	rep.Errors = r.errs.list()
	return rep, nil
}

// arrive brings newcomers until ctx ends: Arrivals rooms a second, each joined by a player
// who tries once. The players that get in play on until clients ends.
func (r *run) arrive(ctx, clients context.Context, wg *sync.WaitGroup, addr string, cfg OverloadConfig, n *newcomers) {
	every := time.NewTicker(time.Second / time.Duration(cfg.Arrivals))
	defer every.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-every.C:
		}
		wg.Go(func() {
			n.roomsTried.Add(1)
			// The request outlives the push, so that every attempt has an outcome to count.
			id, err := createRoom(clients, r.http, r.base, cfg.Bots+1, cfg.Bots)
			var refused *refusedError
			switch {
			case errors.As(err, &refused) && refused.status == http.StatusServiceUnavailable:
				n.roomsRefused.Add(1)
				n.refused()
				return
			case err != nil:
				n.roomsFailed.Add(1)
				r.errs.add(err)
				return
			}
			n.roomsCreated.Add(1)
			n.playersTried.Add(1)
			seated := func() { n.playersSeated.Add(1) }
			err = runPlayer(clients, addr, id, 1_000_000+i, &n.st, &n.times, &r.errs, seated, true)
			var ce *client.CloseError
			switch {
			case errors.As(err, &ce) && ce.Code == protocol.CodeBusy:
				n.playersRefused.Add(1)
				n.refused()
			case err != nil && clients.Err() == nil:
				r.errs.add(fmt.Errorf("newcomer: %w", err))
			}
		})
	}
}

// running measures the running players for d in one-second steps.
func (r *run) running(ctx context.Context, d time.Duration, what string, n *newcomers) (RunningWindow, error) {
	fmt.Fprintf(r.progress, "measuring %s for %v\n", what, d)
	w := RunningWindow{Worst: Missing, TickP99us: Missing, LateTicks: Missing, CPUCores: Missing, Rooms: Missing, ServerWait: Missing}
	players := float64(max(r.players.connected.Load(), 1))
	s0 := r.read(ctx)
	snaps0 := r.players.snapshots.Load()
	last, lastAt := snaps0, time.Now()
	for end := s0.at.Add(d); time.Now().Before(end); {
		select {
		case <-ctx.Done():
			return w, ctx.Err()
		case <-time.After(time.Second):
		}
		now, snaps := time.Now(), r.players.snapshots.Load()
		rate := float64(snaps-last) / now.Sub(lastAt).Seconds() / players
		if w.Worst != w.Worst || Float(rate) < w.Worst {
			w.Worst = Float(rate)
		}
		last, lastAt = snaps, now
		if n != nil {
			fmt.Fprintf(r.progress, "  %4.0fs: running players %.1f snapshots/s each; new rooms %d created, %d refused; new players %d seated, %d refused\n",
				now.Sub(s0.at).Seconds(), rate, n.roomsCreated.Load(), n.roomsRefused.Load(), n.playersSeated.Load(), n.playersRefused.Load())
		}
	}
	s1 := r.read(ctx)
	w.Seconds = s1.at.Sub(s0.at).Seconds()
	w.Rate = Float(float64(r.players.snapshots.Load()-snaps0) / w.Seconds / players)
	if s0.cpuOK && s1.cpuOK {
		w.CPUCores = Float((s1.cpu - s0.cpu).Seconds() / w.Seconds)
	}
	if s0.waitOK && s1.waitOK {
		w.ServerWait = Float((s1.wait - s0.wait).Seconds() * 1000 / w.Seconds)
	}
	if s0.scraped && s1.scraped {
		var tw Window
		r.tickFigures(&tw, s0.scrape, s1.scrape)
		w.TickP99us, w.LateTicks = tw.TickP99us, tw.LateTicks
		if v, err := s1.scrape.Value("skirmish_rooms"); err == nil {
			w.Rooms = Float(v)
		}
	}
	return w, nil
}

// Print writes the report as an aligned table.
func (r *OverloadReport) Print(w io.Writer) {
	fmt.Fprintf(w, "overload: %d running players at %d Hz, then newcomers; server %s\n", r.Running, r.TickRate, r.Server)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "running matches\tbefore\tduring the push\t")
	row := func(name string, f func(*RunningWindow) string) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", name, f(&r.Before), f(&r.During))
	}
	row("snapshots/s per player", func(x *RunningWindow) string { return num(x.Rate, 1) })
	row("worst second, per player", func(x *RunningWindow) string { return num(x.Worst, 1) })
	row("tick p99 us", func(x *RunningWindow) string { return num(x.TickP99us, 0) })
	row("late ticks", func(x *RunningWindow) string { return num(x.LateTicks, 0) })
	row("server cores busy", func(x *RunningWindow) string { return num(x.CPUCores, 2) })
	row("server CPU wait ms/s (others' load)", func(x *RunningWindow) string { return num(x.ServerWait, 0) })
	row("rooms open at the end", func(x *RunningWindow) string { return num(x.Rooms, 0) })
	tw.Flush()
	fmt.Fprintf(w, "new rooms: %d tried, %d created, %d refused (503); new players: %d tried, %d seated, %d refused (4003); first refusal after %s s\n",
		r.RoomsTried, r.RoomsCreated, r.RoomsRefused, r.PlayersTried, r.PlayersSeated, r.PlayersRefused, num(r.FirstRefusal, 1))
	fmt.Fprintf(w, "players closed during the push: %s for silence (4002), %s for not reading (4001)\n", num(r.Keepalive, 0), num(r.Stuck, 0))
	for _, e := range r.Errors {
		fmt.Fprintln(w, "error:", e)
	}
}
