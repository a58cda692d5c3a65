import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMap } from '../../src/shared/map.js';
import {
  Predictor, flight, moveConfig, moveShip, newShot, trigger,
} from '../../src/play/predict.js';
import { repoFile } from './repo.js';

const vectors = JSON.parse(repoFile('game/testdata/move_vectors.json'));
const maps = new Map();
function map(name) {
  if (!maps.has(name)) maps.set(name, parseMap(name, repoFile(`assets/maps/${name}.txt`).toString()));
  return maps.get(name);
}

// toRecord turns a vector ship into a ship record as the protocol decodes it.
function toRecord(v) {
  return {
    seat: 0, flags: v.alive ? 3 : 1, x: v.x, y: v.y, vx: v.vx, vy: v.vy, aimX: v.aimX, aimY: v.aimY, lastSeq: 0, cooldown: v.cooldown ?? 0,
  };
}

function fromRecord(r) {
  return { alive: (r.flags & 2) !== 0, x: r.x, y: r.y, vx: r.vx, vy: r.vy, aimX: r.aimX, aimY: r.aimY };
}

// eachStep moves a ship through the steps of a vector case with moveShip and calls
// check(ship, step, where, cfg) after each.
function eachStep(c, check) {
  const cfg = moveConfig(c.tickRate);
  const ship = toRecord(c.start);
  c.steps.forEach((step, i) => {
    // MoveShip never changes whether a ship lives, so a step whose result is dead is one where
    // the generator killed the ship first, to show that a dead ship stays put.
    ship.flags = step.ship.alive ? 3 : 1;
    moveShip(map(c.map), cfg, ship, step.input);
    check(ship, step, `${c.name}: step ${i + 1} of ${c.steps.length}`, cfg);
  });
}

describe('moveShip matches game.MoveShip on the Go test vectors', () => {
  assert.ok(vectors.cases.length > 0, 'no test vectors');
  for (const c of vectors.cases) {
    test(c.name, () => eachStep(c, (ship, step, where) => assert.deepEqual(fromRecord(ship), step.ship, where)));
  }
});

describe('Predictor', () => {
  const c = vectors.cases.find((v) => v.tickRate === 30) ?? vectors.cases[0];
  const inputs = c.steps.map((s, i) => ({ seq: i + 1, ...s.input }));
  // serverAt returns the authoritative ship after the first n inputs, with lastSeq n.
  const serverAt = (n) => ({ ...toRecord(n === 0 ? c.start : c.steps[n - 1].ship), lastSeq: n });

  test('replays the inputs the server has not applied yet', () => {
    const p = new Predictor(map(c.map), c.tickRate);
    p.reconcile(serverAt(0));
    for (const input of inputs.slice(0, 40)) p.apply(input);
    assert.deepEqual(fromRecord(p.ship), c.steps[39].ship);
    // The server has applied 25 of them: the prediction stays where it was, 15 replayed.
    const ship = p.reconcile(serverAt(25));
    assert.equal(p.pending.length, 15);
    assert.deepEqual(fromRecord(ship), c.steps[39].ship);
  });

  test('an authoritative correction carries through the replayed inputs', () => {
    const p = new Predictor(map(c.map), c.tickRate);
    p.reconcile(serverAt(0));
    for (const input of inputs.slice(0, 10)) p.apply(input);
    // The server saw the ship elsewhere after input 5 (say, pushed back by a wall the
    // client did not know about): the prediction restarts from there.
    const moved = { ...serverAt(5), x: serverAt(5).x - 40 };
    const want = { ...moved };
    for (const input of inputs.slice(5, 10)) {
      moveShip(map(c.map), moveConfig(c.tickRate), want, input);
      trigger(moveConfig(c.tickRate), want, input);
    }
    assert.deepEqual(p.reconcile(moved), want);
  });

  test('acknowledging everything leaves the server ship as it is', () => {
    const p = new Predictor(map(c.map), c.tickRate);
    p.reconcile(serverAt(0));
    for (const input of inputs.slice(0, 8)) p.apply(input);
    assert.deepEqual(p.reconcile(serverAt(8)), serverAt(8));
    assert.equal(p.pending.length, 0);
  });

  test('reset forgets the pending inputs of a connection that resynced', () => {
    const p = new Predictor(map(c.map), c.tickRate);
    p.reconcile(serverAt(0));
    for (const input of inputs.slice(0, 8)) p.apply(input);
    p.reset();
    assert.equal(p.ship, null);
    assert.deepEqual(p.reconcile(serverAt(3)), serverAt(3));
  });

  test('a dead ship does not move', () => {
    const p = new Predictor(map(c.map), c.tickRate);
    const dead = { ...serverAt(0), flags: 1 };
    p.reconcile(dead);
    for (const input of inputs.slice(0, 8)) p.apply(input);
    assert.deepEqual(p.ship, dead);
  });
});

const shotVectors = JSON.parse(repoFile('game/testdata/shot_vectors.json'));

// fromShotRecord turns a ship record into a shot vector ship.
function fromShotRecord(r) {
  return { ...fromRecord(r), cooldown: r.cooldown };
}

describe('trigger, newShot and flight match game.Trigger, game.NewShot and game.Map.Flight', () => {
  assert.ok(shotVectors.cases.length > 0, 'no test vectors');
  for (const c of shotVectors.cases) {
    test(c.name, () => eachStep(c, (ship, step, where, cfg) => {
      let shot = null;
      if (trigger(cfg, ship, step.input)) {
        shot = newShot(cfg, ship);
        shot.flight = flight(map(c.map), shot);
      }
      assert.deepEqual(fromShotRecord(ship), step.ship, `${where}: ship`);
      assert.deepEqual(shot, step.shot, `${where}: shot`);
    }));
  }
});

describe('Predictor with shots', () => {
  const c = shotVectors.cases.find((v) => v.tickRate === 30 && v.map === 'arena');
  const inputs = c.steps.map((s, i) => ({ seq: i + 1, ...s.input }));
  const serverAt = (n) => ({ ...toRecord(n === 0 ? c.start : c.steps[n - 1].ship), lastSeq: n });
  // fired lists the shots the Go functions fired for inputs from..to, as the Predictor keeps them.
  const fired = (from, to) => c.steps.slice(from - 1, to).flatMap((s, i) => (s.shot ? [{ seq: from + i, ...s.shot }] : []));

  test('predicts the shot of every input that fires, where the server fires it', () => {
    const p = new Predictor(map(c.map), c.tickRate);
    p.reconcile(serverAt(0));
    for (const input of inputs.slice(0, 60)) p.apply(input);
    assert.ok(fired(1, 60).length >= 2, 'the case fires too seldom to test anything');
    assert.deepEqual(p.shots, fired(1, 60));
  });

  test('a shot is no longer predicted once the server has applied its input', () => {
    const p = new Predictor(map(c.map), c.tickRate);
    p.reconcile(serverAt(0));
    for (const input of inputs.slice(0, 60)) p.apply(input);
    const first = fired(1, 60)[0].seq;
    p.reconcile(serverAt(first));
    assert.deepEqual(p.shots, fired(first + 1, 60));
  });

  test('a shot the server refused disappears quietly', () => {
    const p = new Predictor(map(c.map), c.tickRate);
    p.reconcile(serverAt(0));
    const first = fired(1, 60)[0].seq;
    for (const input of inputs.slice(0, first)) p.apply(input);
    assert.equal(p.shots.length, 1);
    // The server fragged the ship before it applied the input that fired.
    p.reconcile({ ...serverAt(first - 1), flags: 1 });
    assert.deepEqual(p.shots, []);
  });
});

describe('parseMap', () => {
  test('reads the shipped maps with walls, spawns and a wall border', () => {
    for (const name of ['arena', 'pillars']) {
      const m = map(name);
      assert.ok(m.spawns.length >= 8, `${name}: ${m.spawns.length} spawns`);
      assert.ok(m.walls.length > 0);
      for (let x = 0; x < m.width; x++) assert.ok(m.solid[x] && m.solid[(m.height - 1) * m.width + x]);
    }
  });

  const bad = [
    { name: 'too few rows', text: '###\n#.#\n', want: /rows/ },
    { name: 'ragged row', text: '####\n#..#\n#.#\n####\n', want: /line 3/ },
    { name: 'unknown tile', text: '####\n#.x#\n####\n', want: /unknown tile/ },
  ];
  for (const c of bad) {
    test(`refuses ${c.name}`, () => assert.throws(() => parseMap('bad', c.text), c.want));
  }
});
