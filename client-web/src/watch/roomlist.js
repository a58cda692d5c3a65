// roomlist.js is the spectator index at /watch: the live rooms from the lobby feed, each a link
// to its spectator page.
import { el } from '../shared/dom.js';
import { applyChanges, replaceRooms } from '../shared/lobby.js';
import { Feed } from './feed.js';

/** showRoomList fills root's room table from the lobby feed and keeps it current. */
export function showRoomList(root) {
  root.hidden = false;
  document.body.dataset.state = 'connecting';
  const rooms = new Map();
  const body = root.querySelector('#rooms tbody');
  const empty = root.querySelector('#no-rooms');
  const conn = root.querySelector('#index-conn');

  const render = () => {
    const list = [...rooms.values()].sort((a, b) => a.id.localeCompare(b.id));
    body.replaceChildren(...list.map((r) => {
      const players = (r.players ?? []).map((p) => p.name).join(', ');
      const link = el('a', { href: `/watch/${encodeURIComponent(r.id)}`, textContent: 'Watch' });
      const row = el('tr', {},
        el('td', { className: 'code', textContent: r.id }),
        el('td', { textContent: r.state }),
        el('td', { textContent: `${(r.players ?? []).length}/${r.seats}` }),
        el('td', { textContent: players }),
        el('td', { textContent: String(r.spectators ?? 0) }),
        el('td', {}, link));
      row.dataset.room = r.id;
      return row;
    }));
    empty.hidden = list.length > 0;
  };

  new Feed('/events', {
    rooms: (list) => {
      replaceRooms(rooms, list);
      render();
    },
    changes: (batch) => {
      applyChanges(rooms, batch);
      render();
    },
  }, (state) => {
    document.body.dataset.state = state === 'open' ? 'index' : state;
    conn.textContent = state === 'open' ? 'live' : state;
  });
}
