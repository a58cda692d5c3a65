import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StateBuffer, TickClock, projectilesAt, shipsAt } from '../../src/shared/interpolate.js';

function frame(tick, x, { alive = true, aimX = 127, aimY = 0, projectiles = [] } = {}) {
  return { tick, ships: [{ seat: 0, x, y: 1000, aimX, aimY, alive, health: 100 }], projectiles };
}

describe('StateBuffer', () => {
  test('blends the two frames around a fractional tick', () => {
    const b = new StateBuffer();
    for (const t of [10, 11, 12, 13]) b.push(frame(t, t * 100));
    const s = b.at(11.25);
    assert.equal(s.from.tick, 11);
    assert.equal(s.to.tick, 12);
    assert.equal(s.alpha, 0.25);
    assert.equal(shipsAt(s)[0].x, 1125);
  });

  test('spans a missing tick', () => {
    const b = new StateBuffer();
    b.push(frame(10, 1000));
    b.push(frame(12, 1200));
    const s = b.at(11);
    assert.equal(s.alpha, 0.5);
    assert.equal(shipsAt(s)[0].x, 1100);
  });

  test('holds the oldest frame before it and the newest after it, never guessing ahead', () => {
    const b = new StateBuffer();
    b.push(frame(10, 1000));
    b.push(frame(11, 1100));
    assert.equal(shipsAt(b.at(3))[0].x, 1000);
    assert.equal(shipsAt(b.at(11))[0].x, 1100);
    assert.equal(shipsAt(b.at(50))[0].x, 1100);
  });

  test('an empty buffer has nothing to show', () => {
    assert.equal(new StateBuffer().at(5), undefined);
  });

  test('drops the oldest frames beyond its capacity', () => {
    const b = new StateBuffer(4);
    for (let t = 1; t <= 10; t++) b.push(frame(t, t));
    assert.deepEqual(b.states.map((f) => f.tick), [7, 8, 9, 10]);
  });

  test('a tick going backwards (a new match or a resync) starts over', () => {
    const b = new StateBuffer();
    for (const t of [10, 11, 12]) b.push(frame(t, t));
    b.push(frame(3, 3));
    assert.deepEqual(b.states.map((f) => f.tick), [3]);
  });

  test('a ship that respawns is not slid across the arena', () => {
    const b = new StateBuffer();
    b.push(frame(10, 1000, { alive: false }));
    b.push(frame(11, 9000));
    assert.equal(shipsAt(b.at(10.5))[0].alive, false);
    assert.equal(shipsAt(b.at(11))[0].x, 9000);
    b.push(frame(12, 200));
    assert.equal(shipsAt(b.at(11.9))[0].x, 9000, 'a jump of many tiles is a teleport');
  });

  test('aim turns the short way round', () => {
    const b = new StateBuffer();
    b.push(frame(1, 0, { aimX: -127, aimY: 10 }));
    b.push(frame(2, 0, { aimX: -127, aimY: -10 }));
    const angle = shipsAt(b.at(1.5))[0].angle;
    assert.ok(Math.abs(Math.abs(angle) - Math.PI) < 1e-9, `angle ${angle}, want pointing left`);
  });
});

describe('projectilesAt', () => {
  const shot = { id: 1, owner: 0, x: 100, y: 100, vx: 10, vy: -5 };
  test('flies shots on in a straight line', () => {
    const b = new StateBuffer();
    b.push(frame(10, 0, { projectiles: [shot] }));
    b.push(frame(11, 0, { projectiles: [{ ...shot, x: 110, y: 95 }] }));
    const [p] = projectilesAt(b.at(10.5), 10.5);
    assert.deepEqual([p.x, p.y], [105, 97.5]);
  });

  test('carries shots past the newest frame for a few ticks only', () => {
    const b = new StateBuffer();
    b.push(frame(10, 0, { projectiles: [shot] }));
    assert.equal(projectilesAt(b.at(12), 12)[0].x, 120);
    assert.equal(projectilesAt(b.at(40), 40)[0].x, 130);
  });
});

describe('TickClock', () => {
  test('advances with the local clock from the first tick it sees', () => {
    const c = new TickClock(30);
    assert.equal(c.now(0), null);
    c.observe(100, 1000);
    assert.equal(c.now(1000), 100);
    assert.equal(c.now(1100), 103);
  });

  test('a late tick pulls the estimate back only a little, an early one at once', () => {
    const c = new TickClock(10); // 100 ms a tick
    c.observe(100, 0);
    c.observe(100, 200); // arrived two ticks late
    const late = c.now(200);
    assert.ok(late > 101.8 && late < 102, `estimate ${late} after a late tick`);
    c.observe(103, 200); // earlier than expected: the server is ahead of the estimate
    assert.equal(c.now(200), 103);
  });

  test('jumps when far off, as after a pause', () => {
    const c = new TickClock(30);
    c.observe(100, 0);
    c.observe(100, 60_000); // a minute of pause: the server did not tick
    assert.equal(c.now(60_000), 100);
  });
});
