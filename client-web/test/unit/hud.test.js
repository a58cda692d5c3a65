// The match screen's pure pieces: the clock's words, the scoreboard's order, movement on an
// arena drawn turned, and the move stick of a touch screen.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clockText, resultText, sortScores } from '../../src/play/hud.js';
import { turnButtons } from '../../src/play/input.js';
import { stickButtons } from '../../src/play/touch.js';
import { Buttons } from '../../src/play/protocol.js';

test('clockText counts down in minutes and seconds, rounding up', () => {
  const cases = [[180_000, '3:00'], [179_001, '3:00'], [61_000, '1:01'], [9_500, '0:10'], [1, '0:01'], [0, '0:00'], [-5, '0:00']];
  for (const [ms, want] of cases) assert.equal(clockText(ms), want, `${ms} ms`);
});

test('resultText counts one frag and one death in the singular', () => {
  assert.equal(resultText({ frags: 1, deaths: 1 }), '1 frag, 1 death');
  assert.equal(resultText({ frags: 5, deaths: 0 }), '5 frags, 0 deaths');
  assert.equal(resultText({ frags: 0, deaths: 2 }), '0 frags, 2 deaths');
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

test('stickButtons gives eight directions and nothing near the centre', () => {
  const { up, down, left, right } = Buttons;
  const cases = [
    [0, 0, 0], [0.2, 0.1, 0], [1, 0, right], [-1, 0, left], [0, -1, up], [0, 0.9, down],
    [0.7, -0.7, up | right], [-0.6, 0.6, down | left], [1, 0.2, right], [0.9, -0.5, up | right],
  ];
  for (const [x, y, want] of cases) assert.equal(stickButtons(x, y), want, `stick at (${x}, ${y})`);
});
