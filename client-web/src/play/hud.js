// hud.js shows the match's words around the arena, never on it while it is played: the bar
// (match clock, frag limit, room, connection, ping, tick), the scoreboard and the feed of frags
// and cheers beside the arena, a banner there for what concerns the player alone (fragged,
// a frag of one's own), and the overlays for the countdown, a pause (who is missing and for how
// long), the results with the player's choice, and a refusal.
import { el } from '../shared/dom.js';
import { seatColor } from '../shared/render.js';

const feedLifeMs = 6000;
const feedMax = 6;

function swatch(palette, seat) {
  const s = el('span', { className: 'swatch' });
  s.style.background = seatColor(palette, seat);
  return s;
}

function seconds(ms) {
  return Math.max(0, Math.ceil(ms / 1000));
}

/** clockText formats a time left in ms as m:ss, rounding up so that 0:00 means over. */
export function clockText(ms) {
  const s = seconds(ms);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * sortScores orders scoreboard rows best first: most frags, then fewest deaths, then seat.
 */
export function sortScores(rows) {
  return [...rows].sort((a, b) => b.frags - a.frags || a.deaths - b.deaths || a.seat - b.seat);
}

/**
 * HUD owns the match screen's DOM apart from the canvas. The elements it looks for under root
 * are optional, so the spectator page uses it with fewer of them.
 */
export class HUD {
  constructor(root, palette) {
    this.palette = palette;
    this.scoreboard = root.querySelector('#scoreboard');
    this.room = root.querySelector('#roomcode');
    this.conn = root.querySelector('#conn');
    this.ping = root.querySelector('#ping');
    this.tick = root.querySelector('#tickno');
    this.clock = root.querySelector('#clock');
    this.goal = root.querySelector('#goal');
    this.bannerEl = root.querySelector('#banner');
    this.feed = root.querySelector('#feed');
    this.overlay = root.querySelector('#overlay');
    this.overlayTitle = this.overlay.querySelector('h2');
    this.overlayText = this.overlay.querySelector('p');
    this.results = this.overlay.querySelector('ol');
    this.actions = this.overlay.querySelector('.choices');
    this.lastScores = '';
    this.lastResults = '';
    this.lastActions = '';
  }

  /** clear empties the scoreboard, the feed and the bar's match figures, for the next room. */
  clear() {
    this.scoreboard.replaceChildren();
    this.feed.replaceChildren();
    this.lastScores = '';
    this.setClock(null);
    this.setGoal(0);
    this.banner('');
  }

  /** setRoom shows the room's code, which others need to join it. */
  setRoom(code) {
    this.room.textContent = `room ${code}`;
  }

  /**
   * setConnection shows the connection state in words; unstable marks a connection that has
   * gone quiet but is not yet given up.
   */
  setConnection(text, unstable = false) {
    if (this.conn.textContent !== text) this.conn.textContent = text;
    this.conn.dataset.quality = unstable ? 'unstable' : '';
  }

  /** setPing shows the latest round-trip time. */
  setPing(ms) {
    this.ping.textContent = `${Math.round(ms)} ms`;
  }

  /** setTick shows the newest server tick. */
  setTick(tick) {
    this.tick.textContent = `tick ${tick}`;
  }

  /** setClock shows the match time left in ms, or nothing for null (no time limit). */
  setClock(ms) {
    if (this.clock === null) return;
    const text = ms === null ? '' : clockText(ms);
    if (this.clock.textContent !== text) this.clock.textContent = text;
  }

  /** setGoal shows the frags that win the match, or nothing for 0. */
  setGoal(frags) {
    if (this.goal !== null) this.goal.textContent = frags > 0 ? `first to ${frags}` : '';
  }

  /**
   * setScores lists the seats best first: rows of `{seat, name, frags, deaths, bot,
   * connected, own}`. The names are the server's; a bot gets a small tag beside its name. The
   * DOM is rebuilt only when something shown changed.
   */
  setScores(rows) {
    const sorted = sortScores(rows);
    const key = JSON.stringify(sorted);
    if (key === this.lastScores) return;
    this.lastScores = key;
    this.scoreboard.replaceChildren(...sorted.map((r) => {
      const li = el('li', { className: [r.own ? 'own' : '', r.connected ? '' : 'away'].join(' ').trim() },
        swatch(this.palette, r.seat), el('span', { className: 'name', textContent: r.name, title: r.name }),
        ...(r.bot ? [el('span', { className: 'tag', textContent: 'bot' })] : []),
        el('span', { className: 'score', textContent: `${r.frags} / ${r.deaths}` }));
      li.dataset.seat = r.seat;
      return li;
    }));
  }

  /** say adds a line to the feed that fades after a few seconds. */
  say(text, seat = -1) {
    const li = el('li', {}, ...(seat >= 0 ? [swatch(this.palette, seat)] : []), text);
    this.feed.append(li);
    while (this.feed.children.length > feedMax) this.feed.firstElementChild.remove();
    setTimeout(() => li.remove(), feedLifeMs);
  }

  /** banner shows a line for the player beside the arena, of a kind (respawn, frag); '' hides it. */
  banner(text, kind = '') {
    const b = this.bannerEl;
    if (b === null) return;
    b.hidden = text === '';
    if (b.textContent !== text) b.textContent = text;
    b.dataset.kind = kind;
  }

  /** hideOverlay removes any overlay. */
  hideOverlay() {
    this.overlay.hidden = true;
    this.overlay.dataset.kind = '';
    this.setActions([]);
  }

  /**
   * showOverlay shows a titled overlay of a kind (countdown, paused, ended, next, notice) over
   * the arena, with results rows `{seat, name, frags, deaths, own}` and action buttons
   * `{label, run, secondary}`. It is called every frame while a countdown runs, so lists and
   * buttons are rebuilt only when they change: a button replaced under the pointer would
   * swallow its click.
   */
  showOverlay(kind, title, text = '', results = [], actions = []) {
    this.overlay.hidden = false;
    this.overlay.dataset.kind = kind;
    if (this.overlayTitle.textContent !== title) this.overlayTitle.textContent = title;
    if (this.overlayText.textContent !== text) this.overlayText.textContent = text;
    const key = JSON.stringify(results);
    if (key !== this.lastResults) {
      this.lastResults = key;
      this.results.replaceChildren(...results.map((r) =>
        el('li', { className: r.own ? 'own' : '' }, swatch(this.palette, r.seat), el('span', { className: 'name', textContent: r.name }),
          el('span', { className: 'score', textContent: resultText(r) }))));
    }
    this.setActions(actions);
  }

  setActions(actions) {
    if (this.actions == null) return;
    const key = actions.map((a) => a.label).join('\n');
    if (key === this.lastActions) return;
    this.lastActions = key;
    this.actions.replaceChildren(...actions.map((a) =>
      el('button', { type: 'button', textContent: a.label, className: a.secondary ? 'secondary' : '', onclick: a.run })));
  }

  /** countdown shows the seconds left before play starts or resumes. */
  countdown(msLeft) {
    this.showOverlay('countdown', String(Math.max(1, seconds(msLeft))), 'Get ready');
  }

  /** paused names the missing players and the time they have left to come back. */
  paused(names, msLeft) {
    const who = names.length > 0 ? names.join(', ') : 'A player';
    this.showOverlay('paused', 'Paused', `Waiting for ${who} to reconnect: ${seconds(msLeft)} s left.`);
  }

  /**
   * ended shows the results, best first, the time to the next match, and the actions the
   * player can choose from (none for a spectator).
   */
  ended(results, msLeft, actions = []) {
    const winner = results[0];
    const title = winner ? `${winner.name} wins` : 'Match over';
    this.showOverlay('ended', title, nextMatch(msLeft), results, actions);
  }

  /** waitNext shows only the time to the next match, for a player done with the results. */
  waitNext(msLeft, actions = []) {
    this.showOverlay('next', nextMatch(msLeft), '', [], actions);
  }
}

/** resultText is a results row's score in words: "1 frag, 3 deaths". */
export function resultText({ frags, deaths }) {
  const counted = (n, noun) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  return `${counted(frags, 'frag')}, ${counted(deaths, 'death')}`;
}

function nextMatch(msLeft) {
  return msLeft > 0 ? `Next match in ${seconds(msLeft)} s` : 'Next match soon';
}
