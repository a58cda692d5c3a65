import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  Playout, PlayoutBounds, StateBuffer, TickClock, projectilesAt, shipsAt,
} from '../../src/shared/interpolate.js';

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

// line delivers the snapshots of a 30 Hz room over a TCP-like line: each is sent at its tick's
// time and takes base plus a pseudo-random part of spread (ms), none overtaking the one before.
function line(base, spread, seed = 7) {
  let x = seed;
  let last = -Infinity;
  return (sent) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    last = Math.max(last, sent + base + (x / 2147483648) * spread);
    return last;
  };
}

// play drives a Playout for ms at 60 frames a second with snapshots over arrival, and returns
// its stats after a warm-up of three seconds and its delay at the end.
function play(p, arrival, ms) {
  const tickMs = 1000 / 30;
  let tick = 1;
  let next = arrival(tickMs);
  let warm = null;
  for (let now = 0; now < ms; now += 1000 / 60) {
    while (next <= now) {
      p.arrive(tick, next);
      tick++;
      next = arrival(tick * tickMs);
    }
    if (tick > 1) p.draw(now, Math.max(1, tick - 32), tick - 1);
    if (now < 3000) warm = { ...p.stats };
  }
  return {
    stalls: p.stats.stalls - warm.stalls,
    extrapolatedMs: p.stats.extrapolatedMs - warm.extrapolatedMs,
    delayMs: p.delayMs,
  };
}

describe('Playout', () => {
  const cases = [
    { name: 'loopback', base: 0, spread: 2, min: PlayoutBounds.floorMs, max: PlayoutBounds.floorMs },
    { name: '75 +- 15 ms', base: 60, spread: 30, min: PlayoutBounds.floorMs, max: PlayoutBounds.floorMs },
    { name: '150 +- 40 ms', base: 110, spread: 80, min: 105, max: 135 },
    { name: '200 +- 80 ms', base: 120, spread: 160, min: 170, max: 210 },
  ];
  for (const c of cases) {
    test(`the delay follows the jitter without stalls: ${c.name}`, () => {
      const r = play(new Playout(30), line(c.base, c.spread), 60_000);
      assert.ok(r.delayMs >= c.min - 1e-9 && r.delayMs <= c.max + 1e-9, `delay ${r.delayMs} ms, want ${c.min}..${c.max}`);
      assert.equal(r.stalls, 0);
      assert.ok(r.extrapolatedMs < 1000, `${r.extrapolatedMs} ms extrapolated in a minute`);
    });
  }

  test('jitter beyond the cap is met with the cap, and stalls', () => {
    const r = play(new Playout(30), line(100, 600), 30_000);
    assert.equal(r.delayMs, PlayoutBounds.capMs);
    assert.ok(r.stalls > 0);
  });

  test('a late snapshot is bridged for a while, then the picture holds', () => {
    for (const [late, stalls] of [[0, 0], [130, 0], [400, 1]]) {
      const p = new Playout(30);
      const tickMs = 1000 / 30;
      let newest = 0;
      let ahead = 0;
      for (let now = 0; now < 6000; now += 4) {
        for (;;) {
          const due = Math.max((newest + 1) * tickMs, newest + 1 >= 100 ? 100 * tickMs + late : 0);
          if (due > now) break;
          newest++;
          p.arrive(newest, due);
        }
        if (newest > 0) ahead = Math.max(ahead, p.draw(now, 1, newest) - newest);
      }
      assert.equal(p.stats.stalls, stalls, `${late} ms late`);
      assert.ok(ahead <= PlayoutBounds.maxExtrapolationMs / tickMs + 1e-9, `${late} ms late: drawn ${ahead} ticks ahead`);
      assert.equal(p.stats.extrapolatedMs > 0, late > 0, `${late} ms late: ${p.stats.extrapolatedMs} ms extrapolated`);
    }
  });

  test('the delay changes without the picture jumping', () => {
    const p = new Playout(30);
    const tickMs = 1000 / 30;
    // Snapshots sent from the fifth second to the twelfth are up to 150 ms late.
    const rough = line(0, 150);
    const arrival = [];
    for (let k = 0; k <= 21 * 30; k++) arrival.push(k * tickMs >= 5000 && k * tickMs < 12000 ? rough(k * tickMs) : k * tickMs);
    let tick = 0;
    let last = null;
    const delays = [];
    for (let i = 0; i < 20 * 60; i++) {
      const now = (i * 1000) / 60;
      for (;;) {
        const at = arrival[tick + 1];
        if (at > now) break;
        tick++;
        p.arrive(tick, at);
      }
      if (tick === 0) continue;
      const drawn = p.draw(now, 1, tick);
      if (last !== null && i > 60) {
        const speed = (drawn - last) / ((1000 / 60) / tickMs);
        assert.ok(speed > 0.9 - 1e-9 && speed < 1.1 + 1e-9, `at ${now} ms the drawn tick ran at ${speed} times real speed`);
      }
      last = drawn;
      if (i % 60 === 59) delays.push(p.delayMs);
    }
    assert.equal(delays[4], PlayoutBounds.floorMs);
    assert.ok(delays[10] > PlayoutBounds.floorMs, `delays ${delays}`);
    assert.equal(delays[19], PlayoutBounds.floorMs);
  });

  test('a room that is not running holds at the newest state without a stall', () => {
    const p = new Playout(30);
    for (let t = 1; t <= 10; t++) p.arrive(t, t * 33.3);
    p.setLive(false);
    let drawn = 0;
    for (let now = 340; now < 60_000; now += 16) drawn = p.draw(now, 1, 10);
    assert.equal(drawn, 10);
    assert.deepEqual(p.stats, { extrapolatedMs: 0, stalls: 0, frozenMs: 0 });
  });

  test('ships carry on along their velocity past the newest frame', () => {
    const b = new StateBuffer();
    b.push({ tick: 10, ships: [{ seat: 0, x: 1000, y: 50, vx: 30, vy: -10, aimX: 127, aimY: 0, alive: true }], projectiles: [] });
    const [s] = shipsAt(b.at(11.5));
    assert.deepEqual([s.x, s.y], [1045, 35]);
  });
});
