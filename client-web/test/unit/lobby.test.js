import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyChanges, replaceRooms } from '../../src/shared/lobby.js';

test('a rooms event replaces the list and a changes batch updates it', () => {
  const rooms = new Map([['old', { id: 'old' }]]);
  replaceRooms(rooms, [{ id: 'a', state: 'waiting' }, { id: 'b', state: 'running' }]);
  assert.deepEqual([...rooms.keys()], ['a', 'b']);
  applyChanges(rooms, { rooms: [{ id: 'a', state: 'running' }, { id: 'c', state: 'waiting' }], closed: ['b'] });
  assert.deepEqual(Object.fromEntries([...rooms].map(([id, r]) => [id, r.state])), { a: 'running', c: 'waiting' });
  applyChanges(rooms, { rooms: [], closed: ['gone already'] });
  assert.equal(rooms.size, 2);
});
