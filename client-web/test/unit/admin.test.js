// The operators' dashboard's logic: reading an event stream in chunks as EventSource would,
// and keeping the figures the plots show.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SSEParser } from '../../src/admin/stream.js';
import { Series, keepSeconds } from '../../src/admin/series.js';

describe('SSEParser', () => {
  const stream = 'retry: 2000\n\nid: 7\nevent: history\ndata: [1,\ndata: 2]\n\n: ping\n\r\nevent: figures\r\ndata:{"t":1}\r\n\r\ndata: plain\n\n';
  const want = [
    { type: 'history', data: '[1,\n2]', id: '7' },
    { type: 'figures', data: '{"t":1}', id: '7' },
    { type: 'message', data: 'plain', id: '7' },
  ];

  test('reads a whole stream', () => {
    assert.deepEqual(new SSEParser().push(stream), want);
  });

  test('reads the same stream cut anywhere, even between a CR and its LF', () => {
    for (let size = 1; size < 12; size++) {
      const p = new SSEParser();
      const got = [];
      for (let i = 0; i < stream.length; i += size) got.push(...p.push(stream.slice(i, i + size)));
      assert.deepEqual(got, want, `in chunks of ${size}`);
    }
  });
});

describe('Series', () => {
  const figures = (s, rooms = []) => ({ t: s * 1000, tickP50: 0.1, tickP99: s, players: 1, table: rooms });
  const room = (id, p99, local = true) => ({ id, local, tickP99: p99 });

  test('keeps each figure by time and ignores one that is not newer', () => {
    const s = new Series();
    assert.ok(s.add(figures(10)));
    assert.ok(s.add(figures(11)));
    assert.equal(s.add(figures(11)), false);
    assert.deepEqual(s.data('tickP99', 'players'), [[10, 11], [10, 11], [1, 1]]);
  });

  test("a room's line has gaps where the room did not run here, and goes with its last value", () => {
    const s = new Series();
    s.add(figures(1, [room('a', 1)]));
    s.add(figures(2, [room('a', 2), room('b', 5), room('far', 9, false)]));
    s.add(figures(3, [room('b', 6)]));
    assert.deepEqual(s.roomIDs(), ['a', 'b']);
    assert.deepEqual(s.roomData(), [[1, 2, 3], [1, 2, null], [null, 5, 6]]);
    for (let t = 4; t < 4 + keepSeconds; t++) s.add(figures(t, [room('b', 1)]));
    assert.deepEqual(s.roomIDs(), ['b'], 'a room gone for longer than the plots show leaves them');
    assert.equal(s.times[0] >= s.times[s.times.length - 1] - keepSeconds, true);
  });
});
