// What the effects find in two consecutive frames, and how long they show.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Effects, Lifetime, detect } from '../../src/shared/effects.js';

const ship = (seat, x, y, alive = true, health = 100) => ({ seat, x, y, aimX: 127, aimY: 0, alive, health });
const shot = (id, owner, x, y, vx = 160, vy = 0) => ({ id, owner, x, y, vx, vy });

test('detect finds hits with their shooter, deaths, respawns and new shots', () => {
  const prev = {
    tick: 10,
    ships: [ship(0, 1000, 1000), ship(1, 2000, 1000, true, 50), ship(2, 3000, 3000, false, 0), ship(3, 5000, 5000)],
    projectiles: [shot(7, 1, 800, 1000), shot(8, 0, 1850, 1000), shot(9, 3, 9000, 9000)],
  };
  const next = {
    tick: 11,
    ships: [ship(0, 1000, 1000, true, 75), ship(1, 2000, 1000, false, 0), ship(2, 3100, 3000), ship(3, 5000, 5000)],
    projectiles: [shot(9, 3, 9160, 9000), shot(12, 3, 5100, 5000, 0, -160)],
  };
  const got = detect(prev, next);
  assert.deepEqual(got.filter((e) => e.kind !== 'shot'), [
    { kind: 'hit', tick: 11, seat: 0, by: 1, x: 1000, y: 1000 },
    { kind: 'death', tick: 11, seat: 1, by: 0, x: 2000, y: 1000 },
    { kind: 'respawn', tick: 11, seat: 2, x: 3100, y: 3000 },
  ]);
  const shots = got.filter((e) => e.kind === 'shot');
  assert.equal(shots.length, 1);
  assert.equal(shots[0].seat, 3);
  assert.deepEqual([shots[0].x, shots[0].y], [5000, 5000], 'a muzzle flash is at the shooter');
  assert.ok(Math.abs(shots[0].angle + Math.PI / 2) < 1e-9);
});

test('a hit with no shot nearby has no shooter', () => {
  const prev = { tick: 1, ships: [ship(0, 0, 0)], projectiles: [shot(1, 2, 99999, 0)] };
  const next = { tick: 2, ships: [ship(0, 0, 0, true, 75)], projectiles: [] };
  assert.equal(detect(prev, next)[0].by, -1);
});

test('effects show from their tick for their lifetime, the own death shakes unless motion is reduced', () => {
  const fx = new Effects({ tickRate: 30, own: 0 });
  fx.add([{ kind: 'hit', tick: 100, seat: 1, by: 0, x: 0, y: 0 }]);
  fx.add([{ kind: 'death', tick: 103, seat: 0, by: 1, x: 0, y: 0 }], 3);
  assert.equal(fx.flash(1, 99.5), 0, 'not before the picture reaches the hit');
  assert.equal(fx.flash(1, 100), 1);
  assert.equal(fx.flash(1, 101), 1, 'held white for a moment');
  assert.ok(fx.flash(1, 103) > 0 && fx.flash(1, 103) < 1, 'then fading');
  assert.equal(fx.flash(1, 100 + Lifetime.hit * 30 + 0.01), 0);
  assert.deepEqual(fx.counts, { hit: 1, marker: 1, death: 1, respawn: 0, shot: 0 });
  const s = fx.shake(100.5);
  assert.ok(Math.abs(s.x) + Math.abs(s.y) > 0, 'the own death (shown 3 ticks early) shakes the arena');
  assert.deepEqual(fx.shake(100 + Lifetime.shake * 30 + 1), { x: 0, y: 0 });
  const calm = new Effects({ tickRate: 30, own: 0, reducedMotion: true });
  calm.add([{ kind: 'death', tick: 100, seat: 0, by: 1, x: 0, y: 0 }]);
  assert.deepEqual(calm.shake(100.5), { x: 0, y: 0 });
  assert.deepEqual(fx.live(100.2).map((e) => e.kind).sort(), ['death', 'hit']);
  fx.clear();
  assert.deepEqual(fx.live(100.2), []);
});
