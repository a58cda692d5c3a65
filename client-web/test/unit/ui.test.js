import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanName } from '../../src/play/ui.js';

test('cleanName trims and keeps at most 16 characters, as the server counts them', () => {
  const cases = [
    ['  ada  ', 'ada'],
    ['Grace B. Hopper!', 'Grace B. Hopper!'],
    ['abcdefghijklmnopqrstuvwxyz', 'abcdefghijklmnop'],
    ['☄'.repeat(20), '☄'.repeat(16)],
    ['🚀'.repeat(17), '🚀'.repeat(16)],
    ['   ', ''],
  ];
  for (const [input, want] of cases) assert.equal(cleanName(input), want, JSON.stringify(input));
});
