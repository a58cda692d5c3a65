package test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"skirmish/game"
	"skirmish/game/protocol"
	"skirmish/server/internal/app"
	"skirmish/server/internal/config"
	"skirmish/server/internal/record"
	"skirmish/server/internal/ssetest"
)

// TestTLS: with -tls-cert and -tls-key the server speaks https and wss on its one port; a
// browser-like client gets HTTP/2, on which the room feed, the lobby feed, a replay and the
// operators' figures stream side by side over one connection, and a player plays over wss.
func TestTLS(t *testing.T) {
	certFile, keyFile, roots := selfSigned(t)
	s := startServer(t, func(cfg *config.Config, _ *app.Options) {
		cfg.TLSCert, cfg.TLSKey, cfg.AdminToken = certFile, keyFile, adminToken
	})
	recordMatch(t, s.data, "tls", 90)
	h2 := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true}}
	defer h2.CloseIdleConnections()
	base := "https://" + s.addr

	resp, err := h2.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ProtoMajor != 2 {
		t.Fatalf("GET / over TLS: %d over %s, want 200 over HTTP/2", resp.StatusCode, resp.Proto)
	}
	resp, err = h2.Post(base+"/api/rooms", "application/json", strings.NewReader(`{"seats":2,"bots":2}`))
	if err != nil {
		t.Fatal(err)
	}
	id := ssetest.Decode[struct{ ID string }](t, ssetest.Event{Data: readAll(t, resp)}).ID

	// The feeds at once on one HTTP/2 connection, as one page's tabs would share it; the
	// replay is read to its end.
	feeds := map[string]string{
		"/rooms/" + id + "/events": "snapshot", "/events": "rooms", "/replays/tls-0/events?speed=4": "closed",
		"/api/admin/events": "figures",
	}
	for path, first := range feeds {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, base+path, nil)
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Authorization", "Bearer "+adminToken)
		resp, err := h2.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.ProtoMajor != 2 || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("%s: %d %s over %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Proto)
		}
		ssetest.Read(t, resp.Body).Until(first)
	}

	// A player over wss, which like a browser's WebSocket asks for HTTP/1.1.
	d := ws.Dialer{TLSConfig: &tls.Config{RootCAs: roots, NextProtos: []string{"http/1.1"}}, Timeout: waitTimeout}
	nc, br, _, err := d.Dial(context.Background(), "wss://"+s.addr+"/ws")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	c := &rawConn{t: t, nc: nc, r: nc}
	if br != nil {
		c.r = br
	}
	c.sendMsg(&protocol.Hello{Version: protocol.Version, Name: "ada", Room: id})
	_ = nc.SetReadDeadline(time.Now().Add(waitTimeout))
	for {
		f, err := c.readFrame()
		if err != nil {
			t.Fatalf("no welcome over wss: %v", err)
		}
		if m, err := protocol.Decode(f.Payload); err == nil {
			if _, ok := m.(*protocol.Welcome); ok {
				break
			}
		}
	}
}

// recordMatch writes the record of a finished match of ticks ticks, four bots on the arena,
// as the first match of room under the data directory dir.
func recordMatch(t *testing.T, dir, room string, ticks int) {
	t.Helper()
	w, err := record.NewWriter(dir, testLogger(), record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mp, err := game.LoadMap("arena")
	if err != nil {
		t.Fatal(err)
	}
	cfg := game.DefaultConfig(4, 30)
	cfg.TimeLimit = ticks
	world := game.NewWorld(cfg, mp)
	m := w.Begin(room, 0, world, time.Now())
	bots := make([]*game.Bot, 4)
	for seat := range bots {
		world.SetActive(seat, true)
		m.SetActive(0, seat, true)
		bots[seat] = game.NewBot(seat, uint64(seat)+1, game.BotNormal)
		m.Bot(0, seat, uint64(seat)+1, game.BotNormal, "bot")
	}
	inputs := make([]game.Input, 4)
	for !world.Over {
		for seat, b := range bots {
			inputs[seat] = b.Think(world)
		}
		world.Step(inputs)
		m.Step(world, inputs)
	}
	m.End(world)
	w.Close()
}

// selfSigned writes a certificate for 127.0.0.1 and its key into the test's folder and
// returns their paths and a pool that trusts it.
func selfSigned(t *testing.T) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	certFile, keyFile, roots, err := writeSelfSigned(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, roots
}

// writeSelfSigned writes a certificate for 127.0.0.1 and its key into dir and returns the
// files and a pool that trusts the certificate.
func writeSelfSigned(dir string) (certFile, keyFile string, roots *x509.CertPool, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "skirmish test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", "", nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", "", nil, err
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return "", "", nil, err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return "", "", nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return "", "", nil, err
	}
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return certFile, keyFile, roots, nil
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var sb strings.Builder
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		sb.WriteString(sc.Text())
	}
	return sb.String()
}
