// The match screen's pure pieces: the clock's words, the scoreboard's order, and movement on
// an arena drawn turned.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clockText, sortScores } from '../../src/play/hud.js';
import { turnButtons } from '../../src/play/input.js';
import { Buttons } from '../../src/play/protocol.js';

test('clockText counts down in minutes and seconds, rounding up', () => {
  const cases = [[180_000, '3:00'], [179_001, '3:00'], [61_000, '1:01'], [9_500, '0:10'], [1, '0:01'], [0, '0:00'], [-5, '0:00']];
  for (const [ms, want] of cases) assert.equal(clockText(ms), want, `${ms} ms`);
});

test('sortScores puts most frags first, then fewest deaths, then the lower seat', () => {
  const rows = [
    { seat: 0, frags: 2, deaths: 5 },
    { seat: 1, frags: 7, deaths: 1 },
    { seat: 2, frags: 2, deaths: 3 },
    { seat: 3, frags: 2, deaths: 3 },
  ];
  assert.deepEqual(sortScores(rows).map((r) => r.seat), [1, 2, 3, 0]);
  assert.deepEqual(rows.map((r) => r.seat), [0, 1, 2, 3], 'the rows given are left as they were');
});

test('turnButtons maps screen directions onto an arena turned a quarter clockwise', () => {
  const { up, down, left, right, fire } = Buttons;
  const cases = [
    [up, left], [down, right], [left, down], [right, up],
    [up | right, left | up], [down | left | fire, right | down | fire], [fire, fire], [0, 0],
  ];
  for (const [screen, arena] of cases) assert.equal(turnButtons(screen, true), arena, `buttons ${screen}`);
  assert.equal(turnButtons(up | fire, false), up | fire);
});
