import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decode as msgpack, encode } from '@msgpack/msgpack';
import {
  ProtocolError, RoomState, decode, encodeBye, encodeHello, encodeInput, encodePing, encodeStart,
} from '../../src/play/protocol.js';
import { repoFile } from './repo.js';

const token = '0123456789abcdef0123456789abcdef';

describe('client messages have the layout of PROTOCOL.md', () => {
  const cases = [
    { name: 'hello new seat', frame: encodeHello('ada', 'k3x9q'), want: [1, 1, 'ada', 'k3x9q', ''] },
    { name: 'hello resume', frame: encodeHello('ada', 'k3x9q', token), want: [1, 1, 'ada', 'k3x9q', token] },
    { name: 'input', frame: encodeInput(7, 1 | 8 | 16, -120, 45, 4411), want: [2, 7, 25, -120, 45, 4411] },
    { name: 'input rounds and clamps aim to int16', frame: encodeInput(8, 2, 12.6, -99999.2), want: [2, 8, 2, 13, -32768, 0] },
    { name: 'input rounds the view and keeps it a tick', frame: encodeInput(9, 0, 0, 0, 70.6), want: [2, 9, 0, 0, 0, 71] },
    { name: 'input with a view before the first tick', frame: encodeInput(9, 0, 0, 0, -3.5), want: [2, 9, 0, 0, 0, 0] },
    { name: 'ping', frame: encodePing(1234.56), want: [3, 1235] },
    { name: 'bye', frame: encodeBye(), want: [4] },
    { name: 'start', frame: encodeStart(), want: [5] },
  ];
  for (const c of cases) {
    test(c.name, () => assert.deepEqual(msgpack(c.frame), c.want));
  }

  test('inputs carry no floats, which the server refuses', () => {
    const frame = encodeInput(1, 0, 0.4, -0.4, 12.5);
    assert.ok(!frame.includes(0xcb) && !frame.includes(0xca), `frame ${Buffer.from(frame).toString('hex')}`);
  });
});

const ship0 = [0, 3, 8000, 6400, -29, 58, 127, 0, 100, 3, 1, 0, 1234, 5];
const ship1 = [1, 1, 2000, 3000, 0, 0, -128, -90, 0, 0, 2, 60, 17, 0];
const keyframe = [17, 70000, 3, [ship0, ship1], [[7, 0, 8100, 6400, 160, 0, 36, 41], [9, 1, 500, 500, -160, 3, 10, 0]]];

describe('decode', () => {
  test('welcome', () => {
    assert.deepEqual(decode(encode([16, 2, token, 30, 'arena', 4, 'k3x9q', 10, 5400])), {
      type: 'welcome', seat: 2, token, tickRate: 30, map: 'arena', seats: 4, room: 'k3x9q', fragLimit: 10, timeLimit: 5400,
    });
  });

  test('keyframe', () => {
    const m = decode(encode(keyframe));
    assert.equal(m.type, 'snapshot');
    assert.equal(m.tick, 70000);
    assert.deepEqual(m.ships[0], {
      seat: 0, flags: 3, x: 8000, y: 6400, vx: -29, vy: 58, aimX: 127, aimY: 0,
      health: 100, frags: 3, deaths: 1, respawnIn: 0, lastSeq: 1234, cooldown: 5,
    });
    assert.deepEqual(m.projectiles[1], { id: 9, owner: 1, x: 500, y: 500, vx: -160, vy: 3, ttl: 10, seq: 0 });
  });

  test('status', () => {
    const m = decode(encode([20, 4, 59000, [[0, 'ada', false, true, 4, 2], [2, 'grace', false, false, 1, 5]], [2], []]));
    assert.equal(m.state, 4);
    assert.equal(m.stateEnds, 59000);
    assert.deepEqual(m.players[1], { seat: 2, name: 'grace', bot: false, connected: false, frags: 1, deaths: 5 });
    assert.deepEqual(m.missing, [2]);
  });

  test('events', () => {
    const m = decode(encode([19, [[1, 900, 0, 1, ''], [4, 901, 0, 0, 'wow'], [3, 903, -1, 0, '']]]));
    assert.deepEqual(m.events.map((e) => [e.kind, e.a, e.text]), [[1, 0, ''], [4, 0, 'wow'], [3, -1, '']]);
  });

  test('pong and error', () => {
    assert.deepEqual(decode(encode([21, 123456, 4242])), { type: 'pong', clientTime: 123456, tick: 4242 });
    assert.deepEqual(decode(encode([22, 4505, 'room k3x9q has no free seat'])), { type: 'error', code: 4505, message: 'room k3x9q has no free seat' });
  });

  test('ignores fields a later version appends', () => {
    const m = decode(encode([21, 1, 2, 'new', [1, 2]]));
    assert.deepEqual(m, { type: 'pong', clientTime: 1, tick: 2 });
    const k = decode(encode([17, 1, 3, [[...ship0, 99]], [[7, 0, 1, 2, 3, 4, 5, 6, 7]], 'more']));
    assert.equal(k.ships[0].cooldown, 5);
    assert.equal(k.projectiles[0].seq, 6);
  });

  test('a server message type of a later version is passed on as unknown', () => {
    assert.deepEqual(decode(encode([99, 'whatever'])), { type: 'unknown', tag: 99 });
  });

  const bad = [
    { name: 'not msgpack', frame: new Uint8Array([0xc1]), want: /not msgpack/ },
    { name: 'not an array', frame: encode({ a: 1 }), want: /want an array/ },
    { name: 'empty array', frame: encode([]), want: /at least 1/ },
    { name: 'client type', frame: encode([2, 1, 0, 0, 0]), want: /unknown message type 2/ },
    { name: 'tag not a number', frame: encode(['x']), want: /unknown message type x/ },
    { name: 'short welcome', frame: encode([16, 2, token]), want: /welcome/ },
    { name: 'string for an integer', frame: encode([21, 'x', 1]), want: /clientTime/ },
    { name: 'float for an integer', frame: encode([21, 1.5, 1]), want: /clientTime/ },
    { name: 'short ship', frame: encode([17, 1, 3, [[0, 3, 1]], []]), want: /ship/ },
    { name: 'a projectile without the seq that fired it', frame: encode([17, 1, 3, [], [[7, 0, 1, 2, 3, 4, 5]]]), want: /projectile/ },
    ...[
      { name: 'a delta ship entry with no mask', entry: [0], want: /ship delta: 1 elements/ },
      { name: 'a delta ship mask of 0', entry: [0, 0], want: /mask 0 out of range/ },
      { name: 'a delta ship mask past field 13', entry: [0, 8192, 1], want: /mask 8192 out of range/ },
      { name: 'a float delta ship mask', entry: [0, 1.5, 1], want: /ship delta mask/ },
      { name: 'fewer changes than the mask has bits', entry: [0, 5, 1], want: /3 elements, mask 5 wants 4/ },
      { name: 'more changes than the mask has bits', entry: [0, 5, 1, 2, 3], want: /5 elements, mask 5 wants 4/ },
      { name: 'a delta ship change of 0', entry: [0, 3, 1, 0], want: /x marked changed by 0/ },
      { name: 'a delta ship entry listing all 13 changes', entry: [0, 0, -29, 58, 0, 0, 0, 0, -25, 0, 0, 0, 1, -1], want: /mask 0/ },
    ].map((c) => ({ ...c, frame: encode([18, 2, 1, 3, [c.entry], [], []]) })),
    { name: 'delta ships out of seat order', frame: encode([18, 2, 1, 3, [[1, 1, 1], [0, 1, 1]], [], []]), want: /ascending/ },
  ];
  for (const c of bad) {
    test(`refuses ${c.name}`, () => assert.throws(() => decode(c.frame), (err) => err instanceof ProtocolError && c.want.test(err.message)));
  }
});

describe('RoomState', () => {
  const base = RoomState.fromKeyframe(decode(encode(keyframe)));

  test('a delta adds each changed field to its base and leaves the rest', () => {
    // Mask 6278 has bits 1, 2, 7, 11 and 12: x, y, health, lastSeq and cooldown changed.
    const next = base.applyDelta(decode(encode([18, 70001, 70000, 3, [[0, 6278, -29, 58, -25, 1, -1]], [], []])));
    assert.equal(next.tick, 70001);
    const s = next.ship(0);
    assert.deepEqual([s.x, s.y, s.health, s.lastSeq, s.cooldown], [7971, 6458, 75, 1235, 4]);
    assert.deepEqual([s.flags, s.vx, s.vy, s.aimX, s.frags, s.deaths], [3, -29, 58, 127, 3, 1]);
    assert.deepEqual(next.ship(1), base.ship(1));
    assert.equal(base.ship(0).x, 8000, 'the base state is left as it was');
  });

  test('shots fly on, spawn, change course and end', () => {
    const next = base.applyDelta(decode(encode([18, 70001, 70000, 3, [],
      [[9, 1, 0, 0, 5, 5, 4, 0], [10, 0, 8000, 6400, 160, 0, 36, 42]], [7]])));
    assert.deepEqual(next.projectiles, [
      { id: 9, owner: 1, x: 0, y: 0, vx: 5, vy: 5, ttl: 4, seq: 0 },
      { id: 10, owner: 0, x: 8000, y: 6400, vx: 160, vy: 0, ttl: 36, seq: 42 },
    ]);
    const later = next.applyDelta(decode(encode([18, 70002, 70001, 3, [], [], []])));
    assert.deepEqual(later.projectiles.map((p) => [p.id, p.x, p.y, p.ttl]), [[9, 5, 5, 3], [10, 8160, 6400, 35]]);
  });

  test('the room state travels with every delta', () => {
    assert.equal(base.applyDelta(decode(encode([18, 70001, 70000, 4, [], [], []]))).state, 4);
  });

  const mismatched = [
    { name: 'another base', delta: [18, 70002, 70001, 3, [], [], []] },
    { name: 'a skipped tick', delta: [18, 70002, 70000, 3, [], [], []] },
    { name: 'an unknown seat', delta: [18, 70001, 70000, 3, [[5, 1, 1]], [], []] },
  ];
  for (const c of mismatched) {
    test(`refuses a delta for ${c.name}`, () => assert.throws(() => base.applyDelta(decode(encode(c.delta))), ProtocolError));
  }
});

describe('golden messages from the Go encoder', () => {
  const golden = JSON.parse(repoFile('game/protocol/testdata/messages.json'));
  const hex = (bytes) => Buffer.from(bytes).toString('hex');
  const bytes = (h) => new Uint8Array(Buffer.from(h, 'hex'));
  // Each client message is rebuilt through this page's encoder from its fields.
  const encoders = {
    1: ([, , name, room, token]) => encodeHello(name, room, token),
    2: ([, seq, buttons, aimX, aimY, view]) => encodeInput(seq, buttons, aimX, aimY, view),
    3: ([, clientTime]) => encodePing(clientTime),
    4: () => encodeBye(),
    5: () => encodeStart(),
  };
  assert.ok(golden.length > 0);

  for (const g of golden) {
    const tag = g.value[0];
    if (tag < 16) {
      test(`encodes ${g.name} as Go does`, () => {
        assert.ok(encoders[tag], `no encoder for tag ${tag}`);
        assert.equal(hex(encoders[tag](g.value)), g.hex);
      });
    } else {
      test(`decodes ${g.name}`, () => {
        const m = decode(bytes(g.hex));
        assert.deepEqual(msgpack(bytes(g.hex)), g.value);
        assert.equal(m.type, { 16: 'welcome', 17: 'snapshot', 18: 'delta', 19: 'events', 20: 'status', 21: 'pong', 22: 'error' }[tag]);
      });
    }
  }

  const find = (name) => decode(bytes(golden.find((g) => g.name === name).hex));

  test('a golden delta ship mask names the same fields as in Go', () => {
    assert.deepEqual(find('delta every field').ships, [[7, -3, 1, -1, 200, -200, -255, 255, -65535, 65535, 1, 60, -4294967295, -2]]);
    assert.deepEqual(find('delta').ships[0], [0, 0, -29, 58, 0, 0, 0, 0, 0, 0, 0, 0, 1, -1]);
  });

  test('the golden delta applies to the golden keyframe', () => {
    const next = RoomState.fromKeyframe(find('snapshot')).applyDelta(find('delta'));
    assert.equal(next.tick, 70001);
    assert.deepEqual([next.ship(0).x, next.ship(0).y, next.ship(0).lastSeq, next.ship(0).cooldown], [7971, 6458, 1235, 4]);
    assert.deepEqual([next.ship(2).flags, next.ship(2).x, next.ship(2).y, next.ship(2).health], [3, 4294967295, -4294967295, 100]);
    assert.deepEqual(next.projectiles.map((p) => [p.id, p.x, p.y, p.ttl]), [[9, -2147483648 - 160, 3, 65534], [10, 8000, 6400, 36]]);
  });
});
