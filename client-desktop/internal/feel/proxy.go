package feel

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/Shopify/toxiproxy/v2/stream"
	"github.com/Shopify/toxiproxy/v2/toxics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// line is an in-process toxiproxy between the shooter and the server that gives the
// condition's latency, jitter and stalls to both directions, and can fail like a network.
type line struct {
	p *toxiproxy.Proxy
}

var registerToxics sync.Once

// newLine starts a proxy to upstream with the condition's toxics.
func newLine(upstream string, c Condition) (*line, error) {
	registerToxics.Do(func() {
		toxics.Register("feel-stall", new(stallToxic))
		toxics.Register("feel-hold", new(holdToxic))
	})
	api := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	p := toxiproxy.NewProxy(api, "feel", "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		return nil, fmt.Errorf("start the proxy: %w", err)
	}
	l := &line{p: p}
	for _, stream := range []string{"upstream", "downstream"} {
		if c.Latency > 0 {
			err := l.add(fmt.Sprintf(`{"name":"latency-%s","type":"latency","stream":"%s","attributes":{"latency":%d,"jitter":%d}}`,
				stream, stream, c.Latency.Milliseconds(), c.Jitter.Milliseconds()))
			if err != nil {
				return nil, err
			}
		}
		if c.StallShare > 0 {
			err := l.add(fmt.Sprintf(`{"name":"stall-%s","type":"feel-stall","stream":"%s","attributes":{"share":%g,"stall":%d}}`,
				stream, stream, c.StallShare, c.Stall.Milliseconds()))
			if err != nil {
				return nil, err
			}
		}
	}
	return l, nil
}

func (l *line) add(toxic string) error {
	if _, err := l.p.Toxics.AddToxicJson(strings.NewReader(toxic)); err != nil {
		l.p.Stop()
		return fmt.Errorf("add toxic %s: %w", toxic, err)
	}
	return nil
}

// url returns the player endpoint through the proxy.
func (l *line) url() string { return "ws://" + l.p.Listen + "/ws" }

// outage stops every byte both ways, on connections old and new, as a network that fails
// without a word; with on false the network comes back and what was held goes through, as
// TCP delivers it after a gap.
func (l *line) outage(on bool) error {
	for _, stream := range []string{"upstream", "downstream"} {
		name := "outage-" + stream
		if !on {
			if err := l.p.Toxics.RemoveToxic(context.Background(), name); err != nil {
				return err
			}
			continue
		}
		if err := l.add(fmt.Sprintf(`{"name":"%s","type":"feel-hold","stream":"%s"}`, name, stream)); err != nil {
			return err
		}
	}
	return nil
}

func (l *line) close() { l.p.Stop() }

// stallToxic holds a share of the chunks that pass for a while, and those behind them: a lost
// packet that TCP sends again after its retransmission timeout.
type stallToxic struct {
	Share float64 `json:"share"` // of the chunks, 0..1
	Stall int64   `json:"stall"` // in milliseconds
}

func (t *stallToxic) Pipe(stub *toxics.ToxicStub) {
	for {
		select {
		case <-stub.Interrupt:
			return
		case c := <-stub.Input:
			if c == nil {
				stub.Close()
				return
			}
			if rand.Float64() < t.Share {
				select {
				case <-time.After(time.Duration(t.Stall) * time.Millisecond):
				case <-stub.Interrupt:
					stub.Output <- c
					return
				}
			}
			stub.Output <- c
		}
	}
}

// holdToxic lets nothing through until it is removed, then everything it held.
type holdToxic struct{}

func (t *holdToxic) Pipe(stub *toxics.ToxicStub) {
	var held []*stream.StreamChunk
	for {
		select {
		case <-stub.Interrupt:
			for _, c := range held {
				stub.Output <- c
			}
			return
		case c := <-stub.Input:
			if c == nil {
				stub.Close()
				return
			}
			held = append(held, c)
		}
	}
}
