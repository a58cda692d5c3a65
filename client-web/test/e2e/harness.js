// harness.js runs the browser tests against the real thing: it builds the server binary, starts
// it on a free loopback port, opens headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core), and can put a TCP proxy between a page and the server to cut its
// connections the way a network failure would.
//
//   const server = await startServer({ grace: '30s' });
//   const browser = await launchBrowser();
//   ...
//   await browser.close(); await server.stop();
import { execFile, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

/** repoRoot is the repository's top folder, where `go build ./server` runs. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** resultsDir is where tests leave artifacts for people to look at (git-ignored). */
export const resultsDir = join(repoRoot, 'client-web', 'test-results');

/** chromiumPath is the browser the tests drive; SKIRMISH_CHROMIUM overrides it. */
export const chromiumPath = process.env.SKIRMISH_CHROMIUM || '/usr/bin/chromium';

const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

let built = null;

/** buildServer compiles ./server once per test process and returns the binary's path. */
export function buildServer() {
  built ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skirmish-e2e-bin-'));
    const bin = join(dir, 'skirmish');
    await promisify(execFile)('go', ['build', '-o', bin, './server'], { cwd: repoRoot, maxBuffer: 16 << 20 });
    process.on('exit', () => rm(dir, { recursive: true, force: true }));
    return bin;
  })();
  return built;
}

/** freePort asks the kernel for a loopback port nobody listens on. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitHealthy(url, proc, deadline) {
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server at ${url} not healthy in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * startServer builds and starts the server on 127.0.0.1 and resolves once /healthz answers.
 * Options: grace (the -grace flag, default '30s'), tick (default 30), args (more flags). The
 * result has url, port, log() (everything the server printed), restart(signal) (stop the
 * process with signal and start another on the same port and data directory, as a host's
 * restart or a crash and its supervisor would) and stop().
 */
export async function startServer({ grace = '30s', tick = 30, args = [] } = {}) {
  const bin = await buildServer();
  const data = await mkdtemp(join(tmpdir(), 'skirmish-e2e-data-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  let proc = null;
  const launch = async () => {
    proc = spawn(bin, ['-addr', `127.0.0.1:${port}`, '-grace', grace, '-tick', String(tick), '-data', data, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout.on('data', (b) => { output += b; });
    proc.stderr.on('data', (b) => { output += b; });
    await waitHealthy(url, proc, Date.now() + 30_000);
  };
  const halt = async (signal) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const stop = async () => {
    await halt('SIGTERM');
    await rm(data, { recursive: true, force: true });
  };
  const restart = async (signal = 'SIGTERM') => {
    await halt(signal);
    await launch();
  };
  try {
    await launch();
  } catch (err) {
    await stop();
    throw new Error(`${err.message}\n${output}`);
  }
  return { url, port, log: () => output, restart, stop };
}

/** waitTimeout bounds a wait for the page: generous, as the machine running the tests may be loaded. */
export const waitTimeout = 30_000;

/**
 * useArena gives the tests of one file a real server (with the grace period given), a headless
 * browser and a proxy in front of the server that can cut a page's network. They start before
 * the first test and stop after the last; the returned object's fields are set by then.
 */
export function useArena({ grace = '60s' } = {}) {
  const arena = {};
  before(async () => {
    arena.server = await startServer({ grace });
    arena.browser = await launchBrowser();
    arena.proxy = new Proxy(arena.server.port);
    await arena.proxy.start();
  });
  after(async () => {
    await arena.browser?.close();
    await arena.proxy?.close();
    await arena.server?.stop();
  });
  return arena;
}

/** waitState waits until the page's test hook document.body.dataset.state is want. */
export function waitState(page, want) {
  return page.waitForFunction((s) => document.body.dataset.state === s, want, { timeout: waitTimeout });
}

/** createRoom makes a room through the HTTP API and returns its id. */
export async function createRoom(url, body = { seats: 4, bots: 2 }) {
  const res = await fetch(`${url}/api/rooms`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`POST /api/rooms: ${res.status} ${await res.text()}`);
  return (await res.json()).id;
}

/** getRoom returns a room's JSON from the HTTP API. */
export async function getRoom(url, id) {
  const res = await fetch(`${url}/api/rooms/${encodeURIComponent(id)}`);
  if (!res.ok) throw new Error(`GET /api/rooms/${id}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** launchBrowser starts headless Chromium with a fresh profile. */
export function launchBrowser() {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}

/**
 * watchPage records a page's console errors and uncaught exceptions, so that a test can assert
 * that the page ran cleanly.
 */
export function watchPage(page) {
  const errors = [];
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  return errors;
}

/**
 * Proxy forwards TCP connections from its own loopback port to target. A page loaded through
 * it keeps its WebSocket on it, so cut() can break that page's connections like a network
 * failure (both directions reset at once) without touching other pages; until restore(), new
 * connections are refused the same way. freeze() makes the network silent instead. With
 * delayMs, every byte takes that long each way, as over a long line.
 */
export class Proxy {
  constructor(targetPort, { delayMs = 0 } = {}) {
    this.targetPort = targetPort;
    this.delayMs = delayMs;
    this.open = true;
    this.frozen = false;
    this.pairs = new Set();
    this.server = net.createServer((client) => this.accept(client));
  }

  /** start listens and resolves with the proxy's URL. */
  start() {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.port = this.server.address().port;
        this.url = `http://127.0.0.1:${this.port}`;
        resolve(this.url);
      });
    });
  }

  accept(client) {
    if (!this.open) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    const pair = { client, upstream };
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    if (this.delayMs > 0) {
      this.delay(client, upstream);
      this.delay(upstream, client);
    }
    if (this.frozen) {
      client.pause();
      upstream.pause();
    } else {
      this.flow(pair);
    }
  }

  flow({ client, upstream }) {
    if (this.delayMs > 0) {
      client.resume();
      upstream.resume();
      return;
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  // delay copies from one socket to the other, each chunk delayMs late. Timers of equal delay
  // fire in the order they were set, so the bytes keep their order.
  delay(from, to) {
    from.on('data', (chunk) => setTimeout(() => to.writable && to.write(chunk), this.delayMs));
    from.on('end', () => setTimeout(() => to.end(), this.delayMs));
  }

  /**
   * freeze stops passing bytes either way while keeping every connection open, the way a
   * network that silently drops packets looks to both ends; thaw lets them flow again.
   */
  freeze() {
    this.frozen = true;
    for (const { client, upstream } of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  thaw() {
    this.frozen = false;
    for (const pair of this.pairs) this.flow(pair);
  }

  /** cut resets every connection through the proxy and refuses new ones. */
  cut() {
    this.open = false;
    for (const { client, upstream } of this.pairs) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    this.pairs.clear();
  }

  /** restore lets connections through again. */
  restore() {
    this.open = true;
  }

  close() {
    this.cut();
    return new Promise((r) => this.server.close(r));
  }
}

/**
 * overlapping returns, of the elements the selectors name, those whose boxes on the page
 * overlap the box of the element target names (hidden or empty elements never do).
 */
export function overlapping(page, target, selectors) {
  return page.evaluate(({ target, selectors }) => {
    const box = (sel) => document.querySelector(sel)?.getBoundingClientRect();
    const t = box(target);
    return selectors.filter((sel) => {
      const b = box(sel);
      return b && b.width > 0 && b.height > 0 && b.x < t.x + t.width && t.x < b.x + b.width && b.y < t.y + t.height && t.y < b.y + b.height;
    });
  }, { target, selectors });
}

/** drawnShare returns the share of the arena's pixels that differ from its top-left pixel. */
export function drawnShare(page) {
  return page.evaluate(() => {
    const c = document.querySelector('#arena');
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    let differ = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2]) differ++;
    }
    return differ / (data.length / 4);
  });
}

/** resultPath returns the path of a test artifact, creating its folder. */
export function resultPath(name) {
  mkdirSync(resultsDir, { recursive: true });
  return join(resultsDir, name);
}
