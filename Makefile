# Skirmish build. `make run` serves the game on http://localhost:8080; `make test` installs
# whatever a fresh Debian machine lacks and runs every test; `make bench` measures.

GO      ?= go
NPM     ?= npm
WEB     := client-web
BIN     := bin/skirmish
XVFB    := xvfb-run -a -s "-screen 0 1024x768x24"
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Ebitengine's cgo headers (X11, GL, ALSA), an X server for the desktop tests, and Chromium
# (with an emoji font for the cheer buttons) for the browser tests.
DEB_PACKAGES := curl gcc pkg-config libgl1-mesa-dev libxcursor-dev libxi-dev libxinerama-dev \
	libxrandr-dev libxxf86vm-dev libasound2-dev xvfb xauth chromium fonts-noto-color-emoji

.PHONY: run build web deps deps-system deps-web test vet test-go bench-once fuzz test-web bench bench-fleet chaos feel fleet overload clean

run:
	@echo "building the server (the first build takes a minute)..."
	@$(MAKE) --no-print-directory build
	@echo "starting: open http://localhost:8080 to play (Ctrl-C stops)"
	./$(BIN)

build:
	$(GO) build -o $(BIN) ./server

# web rebuilds the embedded browser bundle after a change under client-web/src.
web: deps-web
	$(NPM) --prefix $(WEB) run build

deps: deps-system deps-web

deps-system:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

deps-web:
	@[ -d $(WEB)/node_modules ] && [ $(WEB)/node_modules/.package-lock.json -nt $(WEB)/package-lock.json ] || \
		$(NPM) --prefix $(WEB) ci --no-audit --no-fund

test: deps vet test-go bench-once fuzz test-web

# staticcheck runs from the module proxy at a pinned version, apart from the module's own
# requirements.
STATICCHECK = honnef.co/go/tools/cmd/staticcheck@v0.8.2

vet:
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# The desktop client's packages import Ebitengine, which needs an X display even to start.
test-go:
	$(XVFB) $(GO) test -race -shuffle=on ./...

# Every benchmark once, so that none breaks unnoticed between runs of make bench.
bench-once:
	$(XVFB) $(GO) test -run '^$$' -bench . -benchtime 1x ./...

# A few seconds of each fuzz target on top of its committed seed corpus. The budgets are
# execution counts: a duration budget can fail spuriously at its deadline in Go 1.26's fuzz
# coordinator (go.dev/issue/75804).
fuzz:
	$(GO) test ./game/protocol -run '^$$' -fuzz FuzzDecode -fuzztime 150000x
	$(GO) test ./game -run '^$$' -fuzz FuzzParseMap -fuzztime 50000x

test-web:
	$(NPM) --prefix $(WEB) run check-bundle
	$(NPM) --prefix $(WEB) test
	$(NPM) --prefix $(WEB) run e2e

bench:
	$(GO) run ./server/loadgen -suite

# bench-fleet measures the spectator events a second of one room whose spectators are spread
# over 1, 2 and 3 relay nodes of a fleet (NATS embedded in the benchmark).
bench-fleet:
	$(GO) test ./server/internal/fleet -run '^$$' -bench BenchmarkRelay -benchtime 20000x

# chaos plays matches on a server process for CHAOS_FOR while cutting players' connections
# and killing and restarting the server, then checks that no match, input or spectator event
# was lost or doubled. make test runs a 40 s version of it.
CHAOS_FOR ?= 5m
chaos:
	SKIRMISH_CHAOS_FOR=$(CHAOS_FOR) $(GO) test ./server/test -run '^TestChaos$$' -count=1 -v -timeout 0

# fleet starts a local fleet for a person to try: a NATS server with JetStream (built from the
# module proxy at the version go.mod names, no system install) and three nodes on
# http://localhost:8081, 8082 and 8083, each with its own data under data/fleet. Ctrl-C stops
# them all. The first run builds the NATS server, which takes a minute.
NATS_SERVER = github.com/nats-io/nats-server/v2@$(shell $(GO) list -m -f '{{.Version}}' github.com/nats-io/nats-server/v2)
FLEET_ORIGINS := http://localhost:8081,http://localhost:8082,http://localhost:8083
fleet: build
	@mkdir -p data/fleet
	@echo "starting NATS with JetStream on localhost:4222 (the first run builds it)..."
	@trap 'kill 0' INT TERM EXIT; \
	$(GO) run $(NATS_SERVER) -js -sd data/fleet/nats -a 127.0.0.1 -p 4222 -m 8222 & \
	until curl -sf 'http://127.0.0.1:8222/healthz?js-enabled-only=true' >/dev/null; do sleep 1; done; \
	for i in 1 2 3; do \
		./$(BIN) -addr :808$$i -data data/fleet/node$$i -nats nats://127.0.0.1:4222 -node-id node$$i \
			-public-url ws://localhost:808$$i/ws -origins $(FLEET_ORIGINS) & \
	done; \
	sleep 2; \
	echo "fleet up: play on http://localhost:8081, 8082 or 8083 (Ctrl-C stops it)"; \
	wait

# overload pushes a server pinned to one core past its capacity: 400 players play, then 50
# new rooms a second arrive for 30 s. The protected server refuses newcomers and its running
# matches keep their tick rate; OVERLOAD_FLAGS=-unprotected shows the same push without the
# refusals. make test runs a short version (TestOverloadSmoke).
overload:
	$(GO) run ./server/loadgen -overload -rooms 100 -players 4 -warmup 5s -duration 10s \
		-arrivals 50 -bots 3 -push 30s $(OVERLOAD_FLAGS)

# feel plays the game over several networks with the desktop client's own code (and the
# browser's modules on the same traffic) and writes FEEL.md; it takes about ten minutes. A
# short run of it is part of test-go.
feel: deps-web
	$(GO) run ./client-desktop/feel -out FEEL.md

clean:
	rm -rf bin $(WEB)/test-results client-desktop/testdata/out
