import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Code, Reconnector, TokenStore, backoff, verdict } from '../../src/play/net.js';

// memoryStorage is the part of the Web Storage API that TokenStore uses, kept in a Map as
// localStorage keeps it in the browser.
function memoryStorage() {
  const m = new Map();
  return {
    getItem: (k) => (m.has(k) ? m.get(k) : null),
    setItem: (k, v) => m.set(k, String(v)),
    removeItem: (k) => m.delete(k),
  };
}

function reconnector(opts = {}) {
  return new Reconnector({ room: 'r1', name: 'ada', tokens: new TokenStore(memoryStorage()), random: () => 0.5, ...opts });
}

describe('backoff', () => {
  test('doubles from the base up to the cap', () => {
    const mid = (n) => backoff(n, { base: 100, max: 2000 }, () => 1);
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 30].map(mid), [100, 200, 400, 800, 1600, 2000, 2000, 2000]);
  });

  test('jitters within the upper half of each step', () => {
    for (const n of [0, 3, 10]) {
      const cap = Math.min(3000, 250 * 2 ** n);
      assert.equal(backoff(n, {}, () => 0), cap / 2);
      assert.equal(backoff(n, {}, () => 0.999999).toFixed(0), String(cap));
    }
  });

  test('spreads clients dropped together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => Math.round(backoff(4))));
    assert.ok(delays.size > 25, `only ${delays.size} distinct delays in 50`);
  });
});

describe('verdict', () => {
  const cases = [
    { code: Code.abnormal, final: false },
    { code: Code.goingAway, final: false, words: /going away/ },
    { code: Code.internal, final: false },
    { code: Code.stuck, final: false },
    { code: Code.keepalive, final: false },
    { code: Code.busy, final: false, words: /full right now/ },
    { code: 4499, final: false },
    { code: Code.moved, final: false, words: /moved/ },
    { code: Code.replaced, final: true, words: /taken over/ },
    { code: Code.policy, final: true },
    { code: Code.protocolError, final: true, words: /malformed/ },
    { code: Code.badData, final: true, words: /UTF-8/ },
    { code: Code.tooBig, final: true },
    { code: Code.unknownRoom, final: true, forget: true, words: /no room/ },
    { code: Code.roomFull, final: true, words: /full/ },
    { code: Code.badToken, final: true, forget: true, words: /no longer valid/ },
    { code: Code.seatLost, final: true, forget: true, words: /took your seat/ },
    { code: Code.badVersion, final: true, words: /reload/ },
    { code: Code.roomClosed, final: true, forget: true, words: /operator closed this room/ },
    { code: Code.removed, final: true, forget: true, words: /operator removed you/ },
    { code: 4999, final: true },
  ];
  for (const c of cases) {
    test(`close ${c.code}`, () => {
      const v = verdict(c.code);
      assert.equal(v.final, c.final);
      assert.equal(v.forgetToken, c.forget ?? false);
      if (c.words) assert.match(v.message, c.words);
    });
  }
});

describe('Reconnector', () => {
  test('the first hello asks for a new seat, every later one resumes it with the token', () => {
    const rc = reconnector();
    assert.deepEqual(rc.hello(), { name: 'ada', room: 'r1', token: '' });
    rc.welcomed('0123456789abcdef0123456789abcdef');
    assert.equal(rc.state, 'open');
    assert.ok(rc.lost(Code.abnormal).retryIn > 0);
    assert.equal(rc.state, 'reconnecting');
    assert.deepEqual(rc.hello(), { name: 'ada', room: 'r1', token: '0123456789abcdef0123456789abcdef' });
  });

  test('a token outlives the page: a new Reconnector on the same storage resumes the seat', () => {
    const storage = memoryStorage();
    new Reconnector({ room: 'r1', name: 'ada', tokens: new TokenStore(storage) }).welcomed('feed');
    const after = new Reconnector({ room: 'r1', name: 'ada', tokens: new TokenStore(storage) });
    assert.equal(after.hello().token, 'feed');
    const other = new Reconnector({ room: 'r2', name: 'ada', tokens: new TokenStore(storage) });
    assert.equal(other.hello().token, '', 'tokens are per room');
  });

  test('waits longer after each failed attempt and starts over once welcomed', () => {
    const rc = reconnector({ backoffOpts: { base: 100, max: 100_000 } });
    rc.welcomed('t');
    const delays = [1, 2, 3, 4].map(() => rc.lost(Code.abnormal).retryIn);
    assert.deepEqual(delays, [75, 150, 300, 600]);
    rc.welcomed('t');
    assert.equal(rc.lost(Code.abnormal).retryIn, 75);
  });

  test('a final refusal stops retrying and says why', () => {
    const rc = reconnector();
    rc.welcomed('t');
    rc.refused(Code.roomFull, 'room r1 is full');
    assert.deepEqual(rc.lost(Code.roomFull), { final: true });
    assert.equal(rc.state, 'closed');
    assert.match(rc.message, /full/);
    assert.deepEqual(rc.lost(Code.abnormal), { final: true }, 'closed stays closed');
  });

  test('the refusal the server sent decides over a close code lost on the way', () => {
    const rc = reconnector();
    rc.refused(Code.unknownRoom, 'no room r1');
    assert.deepEqual(rc.lost(Code.abnormal), { final: true });
    assert.match(rc.message, /no room/);
  });

  test('a token the server no longer accepts is forgotten', () => {
    const rc = reconnector();
    rc.welcomed('t');
    rc.refused(Code.seatLost, 'grace period over');
    rc.lost(Code.seatLost);
    assert.equal(rc.hello().token, '');
  });

  test("an operator's reason is shown with the close", () => {
    const rc = reconnector();
    rc.welcomed('t');
    rc.refused(Code.removed, 'spamming the chat');
    assert.deepEqual(rc.lost(Code.removed), { final: true });
    assert.equal(rc.message, 'An operator removed you from this room. (spamming the chat)');
    assert.equal(rc.hello().token, '');
  });

  test('a passing error does not poison the next attempt', () => {
    const rc = reconnector();
    rc.welcomed('t');
    rc.refused(Code.keepalive, 'keepalive timeout');
    assert.ok(rc.lost(Code.keepalive).retryIn > 0);
    assert.ok(rc.lost(Code.abnormal).retryIn > 0);
    assert.equal(rc.state, 'reconnecting');
  });

  test('keeps the reason for a loss in view while later attempts fail to connect', () => {
    const rc = reconnector();
    rc.welcomed('t');
    rc.refused(Code.goingAway, 'server shutting down');
    rc.lost(Code.goingAway);
    rc.lost(Code.abnormal);
    rc.lost(Code.abnormal);
    assert.match(rc.message, /going away/);
    rc.lost(Code.keepalive);
    assert.match(rc.message, /heard nothing/);
  });

  test('gives up after too many attempts', () => {
    const rc = reconnector({ maxAttempts: 3 });
    for (let i = 0; i < 3; i++) assert.ok(rc.lost(Code.abnormal).retryIn > 0);
    assert.deepEqual(rc.lost(Code.abnormal), { final: true });
    assert.match(rc.message, /Cannot reach/);
  });

  test('leaving on purpose ends the session and drops the token', () => {
    const rc = reconnector();
    rc.welcomed('t');
    rc.leave();
    assert.equal(rc.state, 'closed');
    assert.equal(rc.hello().token, '');
    assert.deepEqual(rc.lost(Code.normal), { final: true });
  });

  test('4310 sends the next attempts to the owner at once, then with backoff until a welcome', () => {
    const rc = reconnector();
    rc.welcomed('0123456789abcdef0123456789abcdef');
    rc.refused(Code.moved, 'ws://b.example:8082/ws');
    assert.deepEqual(rc.lost(Code.moved, 'ws://b.example:8082/ws'), { retryIn: 0, url: 'ws://b.example:8082/ws' });
    assert.equal(rc.state, 'reconnecting');
    assert.equal(rc.hello().token, '0123456789abcdef0123456789abcdef', 'the token goes along');
    const again = rc.lost(Code.moved, 'ws://c.example:8083/ws');
    assert.equal(again.url, 'ws://c.example:8083/ws', 'the close reason names the owner without an error message too');
    assert.ok(again.retryIn > 0, 'a second move without a welcome backs off');
    rc.welcomed('0123456789abcdef0123456789abcdef');
    assert.equal(rc.lost(Code.moved, 'ws://a.example:8081/ws').retryIn, 0);
    assert.deepEqual(Object.keys(rc.lost(Code.abnormal)), ['retryIn'], 'other losses keep the URL');
  });
});
