import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMap } from '../../src/shared/map.js';
import { Predictor } from '../../src/play/predict.js';
import { OwnShots } from '../../src/play/shots.js';
import { repoFile } from './repo.js';

const vectors = JSON.parse(repoFile('game/testdata/shot_vectors.json'));
const c = vectors.cases.find((v) => v.tickRate === 30 && v.map === 'arena');
const map = parseMap('arena', repoFile('assets/maps/arena.txt').toString());
const inputs = c.steps.map((s, i) => ({ seq: i + 1, ...s.input }));

// serverAt returns the server's record of the own ship (seat 0) after the first n inputs.
function serverAt(n) {
  const v = n === 0 ? c.start : c.steps[n - 1].ship;
  return { seat: 0, flags: v.alive ? 3 : 1, x: v.x, y: v.y, vx: v.vx, vy: v.vy, aimX: v.aimX, aimY: v.aimY, cooldown: v.cooldown, lastSeq: n };
}

// recordOf returns the server's record of the shot input seq fired, in the snapshot of the
// tick that fired it: one tick out of the ship.
function recordOf(seq, id) {
  const s = c.steps[seq - 1].shot;
  return { id, owner: 0, seq, x: s.x + s.vx, y: s.y + s.vy, vx: s.vx, vy: s.vy, ttl: s.ttl - 1 };
}

// A shot that flies a while: the first one the vectors fire with a long flight.
const k = c.steps.findIndex((s) => s.shot !== null && s.shot.flight >= 6) + 1;

// predictAfter returns a Predictor that has sent the first n inputs on top of the start.
function predictAfter(n) {
  const p = new Predictor(map, c.tickRate);
  p.reconcile(serverAt(0));
  for (const input of inputs.slice(0, n)) p.apply(input);
  return p;
}

// near asserts that two points are the same up to rounding.
function near(got, want, what) {
  assert.ok(Math.abs(got[0] - want[0]) < 1e-6 && Math.abs(got[1] - want[1]) < 1e-6, `${what}: ${got} vs ${want}`);
}

describe('OwnShots', () => {
  assert.ok(k > 0, 'the vectors fire no long shot');
  const alpha = 0.4;

  test('a predicted shot is drawn at once, where its ship is', () => {
    const p = predictAfter(k);
    const [shot] = new OwnShots(map, 0).place([], p, p.pending.length - 1 + alpha, []);
    const fired = c.steps[k - 1].shot;
    assert.equal(shot.seq, k);
    assert.equal(shot.id, 0);
    near([shot.x, shot.y], [fired.x + fired.vx * alpha, fired.y + fired.vy * alpha], 'drawn');
  });

  test('the server\'s record of a shot is drawn where the predicted shot was', () => {
    const p = predictAfter(k + 3);
    const shots = new OwnShots(map, 0);
    const [before] = shots.place([], p, p.pending.length - 1 + alpha, []);
    p.reconcile(serverAt(k));
    assert.equal(p.shots.length, 0);
    const [after] = shots.place([recordOf(k, 77)], p, p.pending.length - 1 + alpha, []);
    assert.equal(after.id, 77);
    near([after.x, after.y], [before.x, before.y], 'record against prediction');
  });

  test('a shot that meets a ship on the screen stops there, and so does its record', () => {
    const p = predictAfter(k + 2);
    const shots = new OwnShots(map, 0);
    const [free] = shots.place([], p, p.pending.length - 1 + alpha, []);
    const target = { seat: 1, x: free.x + 40, y: free.y, alive: true };
    assert.deepEqual(shots.place([], p, p.pending.length - 1 + alpha, [target]), []);
    p.reconcile(serverAt(k));
    assert.deepEqual(shots.place([recordOf(k, 77)], p, p.pending.length - 1 + alpha, []), []);
    assert.equal(shots.place([recordOf(k, 77)], p, p.pending.length - 1 + alpha, [{ ...target, seat: 0 }]).length, 0);
  });

  test('a shot ends at the wall it flies into', () => {
    const rec = recordOf(k, 5);
    const fl = c.steps[k - 1].shot.flight - 1; // ticks it flies after the snapshot of its tick
    const p = predictAfter(0);
    const shots = new OwnShots(map, 0);
    assert.equal(shots.place([rec], p, fl + 0.9, []).length, 1);
    assert.equal(shots.place([rec], p, fl + 1, []).length, 0);
  });

  test('shots of other seats are not the own ones', () => {
    assert.deepEqual(new OwnShots(map, 0).place([{ ...recordOf(k, 5), owner: 2 }], predictAfter(0), 0, []), []);
  });
});
