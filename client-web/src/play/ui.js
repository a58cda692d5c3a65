// ui.js is the lobby: quick play, the live room list (from the SSE lobby feed, GET /events),
// creating a room, joining one by its code, and the player's name. It hands the choice to its
// onJoin.
import { el } from '../shared/dom.js';
import { applyChanges, replaceRooms } from '../shared/lobby.js';
import { movedTo } from '../shared/moved.js';
import { MaxName } from './protocol.js';

const nameKey = 'skirmish.name';
const pollMs = 3000;

/** cleanName trims a name and cuts it to the MaxName characters the server accepts. */
export function cleanName(name) {
  return [...name.trim()].slice(0, MaxName).join('');
}

/** defaultName returns the remembered name, or a fresh one for a first visit. */
export function defaultName() {
  const saved = cleanName(globalThis.localStorage?.getItem(nameKey) ?? '');
  return saved || `pilot-${Math.floor(Math.random() * 9000 + 1000)}`;
}

async function apiError(res) {
  try {
    const body = await res.json();
    return body.error || `${res.status} ${res.statusText}`;
  } catch {
    return `${res.status} ${res.statusText}`;
  }
}

/**
 * Lobby owns the lobby screen. show and hide switch it on and off; while shown it follows the
 * lobby feed, and falls back to polling GET /api/rooms if the feed is not available.
 */
export class Lobby {
  constructor(root, onJoin) {
    this.root = root;
    this.onJoin = onJoin;
    this.rooms = new Map();
    this.feed = null;
    this.poll = 0;
    this.notice = root.querySelector('#notice');
    this.list = root.querySelector('#rooms tbody');
    this.empty = root.querySelector('#no-rooms');
    this.nameInput = root.querySelector('#name');
    this.codeInput = root.querySelector('#code');
    root.querySelector('#join-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const code = this.codeInput.value.trim();
      if (code) this.join(code);
    });
    root.querySelector('#create-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const seats = Number(root.querySelector('#seats').value);
      // Unless the creator waits for friends, bots hold every other seat and the match starts
      // as the creator joins; they give the seats up to whoever joins later.
      this.create({
        seats,
        bots: root.querySelector('#wait').checked ? 0 : seats - 1,
        map: root.querySelector('#map').value,
        timeLimit: Number(root.querySelector('#length').value),
        botLevel: root.querySelector('#level').value,
      });
    });
    root.querySelector('[data-action=quick-play]').addEventListener('click', () => this.quickPlay());
  }

  /** show displays the lobby with an optional notice (why the player is back here). */
  show(notice = '', code = '') {
    document.body.dataset.state = 'lobby';
    delete document.body.dataset.room;
    this.root.hidden = false;
    this.nameInput.value = defaultName();
    if (code) this.codeInput.value = code;
    this.say(notice);
    this.follow();
  }

  hide() {
    this.root.hidden = true;
    this.feed?.close();
    this.feed = null;
    clearInterval(this.poll);
    this.poll = 0;
  }

  say(text) {
    this.notice.textContent = text;
    this.notice.hidden = text === '';
  }

  name() {
    const name = cleanName(this.nameInput.value);
    if (name === '') {
      this.say('Choose a name first (1 to 16 characters).');
      this.nameInput.focus();
      return '';
    }
    globalThis.localStorage?.setItem(nameKey, name);
    return name;
  }

  join(room) {
    const name = this.name();
    if (name) this.onJoin(room, name);
  }

  /** quickPlay asks the server for a match to play at once and joins it. */
  async quickPlay() {
    const name = this.name();
    if (!name) return;
    const res = await this.post('/api/play', {}, 200, 'Cannot find a match');
    if (res) this.onJoin(res.room, name, res.url);
  }

  /** create makes a room of the given settings (the body of POST /api/rooms) and joins it. */
  async create(settings) {
    const name = this.name();
    if (!name) return;
    const res = await this.post('/api/rooms', settings, 201, 'Cannot create the room');
    if (res) this.onJoin(res.id, name);
  }

  // post sends a JSON request and returns the answer's JSON, or says why there is none.
  async post(path, body, want, failure) {
    try {
      const res = await fetch(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.status !== want) {
        this.say(`${failure}: ${await apiError(res)}`);
        return null;
      }
      return await res.json();
    } catch (err) {
      this.say(`Cannot reach the server: ${err.message}`);
      return null;
    }
  }

  // follow subscribes to the lobby feed. EventSource reconnects by itself after a network
  // error; only when the server refuses the feed outright does the lobby poll instead.
  follow() {
    if (this.feed !== null || this.poll !== 0) return;
    const feed = new EventSource('/events');
    this.feed = feed;
    feed.addEventListener('rooms', (e) => {
      replaceRooms(this.rooms, JSON.parse(e.data));
      this.draw();
    });
    feed.addEventListener('changes', (e) => {
      applyChanges(this.rooms, JSON.parse(e.data));
      this.draw();
    });
    // The lobby's ids are this server's own: the page starts afresh on the next one.
    feed.addEventListener('moved', (e) => {
      feed.close();
      location.replace(movedTo(JSON.parse(e.data).url, location, ''));
    });
    feed.onerror = () => {
      if (feed.readyState !== EventSource.CLOSED || this.feed !== feed) return;
      this.feed = null;
      this.refresh();
      this.poll = setInterval(() => this.refresh(), pollMs);
    };
  }

  async refresh() {
    try {
      const res = await fetch('/api/rooms');
      if (!res.ok) return;
      replaceRooms(this.rooms, await res.json());
      this.draw();
    } catch {
      // The next poll tries again; the list shows the last rooms it knew meanwhile.
    }
  }

  draw() {
    const rooms = [...this.rooms.values()].sort((a, b) => a.id.localeCompare(b.id));
    this.empty.hidden = rooms.length > 0;
    this.list.replaceChildren(...rooms.map((r) => {
      const players = r.players ?? [];
      const humans = players.filter((p) => !p.bot).map((p) => p.name);
      const bots = players.filter((p) => p.bot).length;
      const who = humans.join(', ') + (bots > 0 ? `${humans.length > 0 ? ' + ' : ''}${bots} bot${bots > 1 ? 's' : ''}` : '');
      // A newcomer takes a free seat or a bot's, in any state: only a room of players is full.
      const open = players.filter((p) => !p.bot).length < r.seats;
      const join = el('button', { type: 'button', textContent: 'Join', disabled: !open });
      join.addEventListener('click', () => this.join(r.id));
      const watch = el('a', { href: `/watch/${encodeURIComponent(r.id)}`, textContent: 'Watch' });
      const tr = el('tr', {},
        el('td', { className: 'code', textContent: r.id }),
        el('td', { textContent: r.state }),
        el('td', { textContent: `${players.length}/${r.seats}` }),
        el('td', { textContent: who || '—' }),
        el('td', {}, join, ' ', watch));
      tr.dataset.room = r.id;
      return tr;
    }));
  }
}
