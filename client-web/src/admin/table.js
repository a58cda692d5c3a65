// table.js is the dashboard's room table: every room of the directory (in a fleet, every
// node's) with its state, players, tick times and spectators, and the operator's actions on
// the rooms this node runs: close the room, remove a player, each with a reason the players
// are shown.
import { el } from '../shared/dom.js';
import { ms } from './plots.js';

/**
 * RoomTable keeps one row per room, updating rows in place so that a reason being typed or a
 * button under the pointer survives the updates that come every second.
 */
export class RoomTable {
  constructor(root, act) {
    this.body = root.querySelector('tbody');
    this.empty = root.querySelector('.empty');
    this.act = act; // act(path, body) posts an operator request
    this.rows = new Map();
  }

  update(rooms) {
    const seen = new Set();
    for (const r of rooms) {
      seen.add(r.id);
      const row = this.rows.get(r.id) ?? this.add(r);
      row.state.textContent = r.state;
      row.tick.textContent = r.local ? `${ms(r.tickP50)} / ${ms(r.tickP99)}` : `on ${r.node || 'another node'}`;
      row.spectators.textContent = String(r.spectators);
      const key = JSON.stringify([r.local, r.players]);
      if (key !== row.playersKey) {
        row.playersKey = key;
        row.players.replaceChildren(...r.players.map((p) => this.player(r, p, row)));
      }
      row.close.disabled = !r.local;
    }
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) {
        row.tr.remove();
        this.rows.delete(id);
      }
    }
    this.empty.hidden = this.rows.size > 0;
  }

  add(r) {
    const reason = el('input', { className: 'reason', placeholder: 'reason shown to the players', maxLength: 100 });
    const close = el('button', { type: 'button', textContent: 'Close room' });
    close.dataset.action = 'close';
    const row = {
      state: el('td'), tick: el('td'), spectators: el('td'), players: el('td', { className: 'players' }), playersKey: '', close, reason,
    };
    close.onclick = () => this.act(`/api/admin/rooms/${encodeURIComponent(r.id)}/close`, { reason: reason.value });
    row.tr = el('tr', {}, el('td', { className: 'code', textContent: r.id }), row.state, row.players, row.tick, row.spectators,
      el('td', { className: 'actions' }, reason, close));
    row.tr.dataset.room = r.id;
    this.body.append(row.tr);
    this.rows.set(r.id, row);
    return row;
  }

  // player is one seat in the players cell: a player of a room here can be removed.
  player(room, p, row) {
    const span = el('span', { className: 'seat', textContent: p.bot ? `${p.name} (bot)` : p.name });
    if (!p.bot && room.local) {
      const remove = el('button', { type: 'button', className: 'secondary', textContent: 'Remove', title: `remove ${p.name} from the room` });
      remove.dataset.action = 'kick';
      remove.dataset.seat = String(p.seat);
      remove.onclick = () => this.act(`/api/admin/rooms/${encodeURIComponent(room.id)}/kick`, { seat: p.seat, reason: row.reason.value });
      span.append(' ', remove);
    }
    return span;
  }
}
