// replays.js is the index of finished matches at /watch/replay (?room=ID for one room's), each
// a link to its replay, newest first.
import { el } from '../shared/dom.js';
import { clockText } from '../play/hud.js';

/** matchLength returns a match's length as m:ss. */
export function matchLength(m) {
  return clockText((m.ticks * 1000) / m.tickRate);
}

/** showReplays fills root's table from GET /api/matches. */
export async function showReplays(root, room) {
  root.hidden = false;
  document.body.dataset.state = 'loading';
  const body = root.querySelector('#matches tbody');
  const empty = root.querySelector('#no-matches');
  const title = root.querySelector('#replays-of');
  if (room) title.textContent = `of room ${room}`;
  const res = await fetch(`/api/matches${room ? `?room=${encodeURIComponent(room)}` : ''}`);
  if (!res.ok) {
    empty.textContent = `The matches cannot be listed: ${(await res.json().catch(() => ({}))).error ?? res.statusText}`;
    document.body.dataset.state = 'error';
    return;
  }
  const list = await res.json();
  body.replaceChildren(...list.map((m) => {
    const row = el('tr', {},
      el('td', { textContent: new Date(m.started).toLocaleString() }),
      el('td', { className: 'code', textContent: m.room }),
      el('td', { textContent: m.map }),
      el('td', { textContent: matchLength(m) }),
      el('td', { textContent: m.winner || '–' }),
      el('td', { textContent: m.players.join(', ') }),
      el('td', {}, el('a', { href: `/watch/replay/${encodeURIComponent(m.id)}`, textContent: 'Watch' })));
    row.dataset.match = m.id;
    return row;
  }));
  empty.hidden = list.length > 0;
  document.body.dataset.state = 'index';
}
