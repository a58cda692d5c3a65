// The spectator page's conversions from the feed's JSON (server/internal/spectate) to what the
// shared interpolation, renderer and HUD take.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClockOffset, msLeft, nameOf, scoreRows, toFrame } from '../../src/watch/frame.js';

const snapshot = {
  tick: 812,
  now: 1_000_000_000,
  rate: 30,
  map: 'arena',
  state: 'running',
  ships: [
    { seat: 0, x: 412, y: 96, aim: Math.PI / 2, hp: 75, alive: true, frags: 3, deaths: 1 },
    { seat: 2, x: 10, y: 20, aim: 0, hp: 0, alive: false, frags: 0, deaths: 4 },
  ],
  shots: [{ id: 77, owner: 0, x: 430, y: 120, vx: 20, vy: -3.375 }],
};

const status = {
  state: 'paused',
  endsIn: 59000,
  ends: 1_000_059_000,
  players: [
    { seat: 0, name: 'ada', bot: false, connected: false, frags: 2, deaths: 1 },
    { seat: 2, name: 'bot 3', bot: true, connected: true, frags: 0, deaths: 3 },
  ],
  missing: [0],
  results: [],
};

test('toFrame gives world units and aim vectors', () => {
  const f = toFrame(snapshot);
  assert.equal(f.tick, 812);
  assert.deepEqual(f.ships[0].x, 412 * 8);
  assert.deepEqual(f.ships[0].y, 96 * 8);
  assert.ok(Math.abs(f.ships[0].aimX) < 1e-9 && Math.abs(f.ships[0].aimY - 127) < 1e-9);
  assert.equal(f.ships[0].health, 75);
  assert.equal(f.ships[1].alive, false);
  assert.deepEqual(f.projectiles, [{ id: 77, owner: 0, x: 430 * 8, y: 120 * 8, vx: 160, vy: -27 }]);
});

test('scoreRows takes the roster from the status and the newer scores from the snapshot', () => {
  assert.deepEqual(scoreRows(status, snapshot), [
    { seat: 0, name: 'ada', bot: false, connected: false, own: false, frags: 3, deaths: 1 },
    { seat: 2, name: 'bot 3', bot: true, connected: true, own: false, frags: 0, deaths: 4 },
  ]);
  assert.deepEqual(scoreRows(status, null).map((r) => r.frags), [2, 0]);
  assert.deepEqual(scoreRows(null, snapshot), []);
});

test('nameOf and msLeft', () => {
  assert.equal(nameOf(status, 2), 'bot 3');
  assert.equal(nameOf(status, 5), 'seat 5');
  assert.equal(nameOf(null, 1), 'seat 1');
  assert.equal(msLeft(status, 1_000_000_000), 59000);
  assert.equal(msLeft(status, 2_000_000_000), 0);
  assert.equal(msLeft({ ...status, ends: 0 }, 1), 0);
});

test('a page whose clock is off counts down on the server clock', () => {
  const c = new ClockOffset();
  // The server's snapshot says 1_000_000_000 while this page's clock reads 90 s later.
  c.observe(1_000_000_000, 1_000_090_000);
  assert.equal(msLeft(status, c.serverNow(1_000_090_000)), 59000);
  assert.equal(msLeft(status, c.serverNow(1_000_100_000)), 49000);
});

test('a replay streams from a whole tick at its speed, and a match is listed by its length', async () => {
  const { replayURL } = await import('../../src/watch/replay.js');
  const { matchLength } = await import('../../src/watch/replays.js');
  assert.equal(replayURL('k3b9xq2m-4', { speed: 4, from: 812.6 }), '/replays/k3b9xq2m-4/events?speed=4&from=812');
  assert.equal(replayURL('a b-0'), '/replays/a%20b-0/events?speed=1&from=0');
  assert.equal(matchLength({ ticks: 5400, tickRate: 30 }), '3:00');
  assert.equal(matchLength({ ticks: 95, tickRate: 60 }), '0:02');
});
