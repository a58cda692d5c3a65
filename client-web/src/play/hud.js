// hud.js shows the match's words around the arena: the scoreboard, the connection line (state,
// ping, tick), the feed of frags and cheers, and the overlays for the countdown, a pause (who
// is missing and for how long), the results and a refusal.
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

/** HUD owns the match screen's DOM apart from the canvas. */
export class HUD {
  constructor(root, palette) {
    this.palette = palette;
    this.scoreboard = root.querySelector('#scoreboard');
    this.room = root.querySelector('#roomcode');
    this.conn = root.querySelector('#conn');
    this.ping = root.querySelector('#ping');
    this.tick = root.querySelector('#tickno');
    this.feed = root.querySelector('#feed');
    this.overlay = root.querySelector('#overlay');
    this.overlayTitle = this.overlay.querySelector('h2');
    this.overlayText = this.overlay.querySelector('p');
    this.results = this.overlay.querySelector('ol');
    this.lastScores = '';
  }

  /** clear empties the scoreboard and the feed, for the next room. */
  clear() {
    this.scoreboard.replaceChildren();
    this.feed.replaceChildren();
    this.lastScores = '';
  }

  /** setRoom shows the room's code, which others need to join it. */
  setRoom(code) {
    this.room.textContent = `room ${code}`;
  }

  /** setConnection shows the connection state in words. */
  setConnection(text) {
    this.conn.textContent = text;
  }

  /** setPing shows the latest round-trip time. */
  setPing(ms) {
    this.ping.textContent = `${Math.round(ms)} ms`;
  }

  /** setTick shows the newest server tick. */
  setTick(tick) {
    this.tick.textContent = `tick ${tick}`;
  }

  /**
   * setScores lists the seats best first: rows of `{seat, name, frags, deaths, bot,
   * connected, own}`. The DOM is rebuilt only when something shown changed.
   */
  setScores(rows) {
    const sorted = [...rows].sort((a, b) => b.frags - a.frags || a.deaths - b.deaths || a.seat - b.seat);
    const key = JSON.stringify(sorted);
    if (key === this.lastScores) return;
    this.lastScores = key;
    this.scoreboard.replaceChildren(...sorted.map((r) => {
      const name = el('span', { className: 'name', textContent: r.name + (r.bot ? ' (bot)' : '') });
      const li = el('li', { className: [r.own ? 'own' : '', r.connected ? '' : 'away'].join(' ').trim() },
        swatch(this.palette, r.seat), name, el('span', { className: 'score', textContent: `${r.frags} / ${r.deaths}` }));
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

  /** hideOverlay removes any overlay. */
  hideOverlay() {
    this.overlay.hidden = true;
    this.overlay.dataset.kind = '';
  }

  /** showOverlay shows a titled overlay of a kind (countdown, paused, ended, notice). */
  showOverlay(kind, title, text = '', results = []) {
    this.overlay.hidden = false;
    this.overlay.dataset.kind = kind;
    this.overlayTitle.textContent = title;
    this.overlayText.textContent = text;
    this.results.replaceChildren(...results.map((r) =>
      el('li', {}, swatch(this.palette, r.seat), el('span', { className: 'name', textContent: r.name }),
        el('span', { className: 'score', textContent: `${r.frags} frags, ${r.deaths} deaths` }))));
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

  /** ended shows the results, best first, and when the rematch starts. */
  ended(results, msLeft) {
    const winner = results[0];
    const title = winner ? `${winner.name} wins` : 'Match over';
    const text = msLeft > 0 ? `Rematch in ${seconds(msLeft)} s` : 'Rematch soon';
    this.showOverlay('ended', title, text, results);
  }
}
