// Following a page to the server its feed moved to.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { movedTo, resumeFrom } from '../../src/shared/moved.js';

test('movedTo keeps the page and its query, and resumes from the last id', () => {
  const cases = [
    { name: 'a room, resumed', loc: { pathname: '/watch/ab12', search: '' }, lastId: '812',
      want: 'http://b.example:8082/watch/ab12?lastEventId=812' },
    { name: 'a room moved twice', loc: { pathname: '/watch/ab12', search: '?lastEventId=5' }, lastId: '900',
      want: 'http://b.example:8082/watch/ab12?lastEventId=900' },
    { name: 'the lobby, afresh', loc: { pathname: '/', search: '?room=ab12&name=ada&lastEventId=5' }, lastId: '',
      want: 'http://b.example:8082/?room=ab12&name=ada' },
  ];
  for (const c of cases) {
    assert.equal(movedTo('http://b.example:8082', c.loc, c.lastId), c.want, c.name);
  }
});

test('resumeFrom passes the resume point of a moved page to its feed', () => {
  assert.equal(resumeFrom('/rooms/ab12/events', '?lastEventId=812'), '/rooms/ab12/events?lastEventId=812');
  assert.equal(resumeFrom('/rooms/ab12/events', ''), '/rooms/ab12/events');
});
