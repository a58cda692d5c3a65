// room.js is the spectator page of one room: the arena drawn from the feed's snapshots with
// interpolation, the scoreboard, the feed of frags and cheers, the overlays for countdown,
// pause and results, the connection line, and the reaction buttons.
import { el } from '../shared/dom.js';
import { Effects, detect } from '../shared/effects.js';
import { loadMap } from '../shared/assets.js';
import { StateBuffer, TickClock, projectilesAt, shipsAt } from '../shared/interpolate.js';
import { Renderer } from '../shared/render.js';
import { HUD } from '../play/hud.js';
import { resumeFrom } from '../shared/moved.js';
import { Feed } from './feed.js';
import { ClockOffset, msLeft, nameOf, scoreRows, toFrame } from './frame.js';

/** interpolationMs is how far behind the newest snapshot the arena is drawn: snapshots come
 * at 10 Hz, so this spans one late or lost one. */
const interpolationMs = 150;

/** Reactions are the cheer buttons; the server accepts these (and short text). */
export const Reactions = ['👏', '🔥', '😮', '😂', '💀', '🎯', 'gg', 'nice shot', 'wow'];

/** Watch shows one room to a spectator. */
export class Watch {
  constructor(root, room, art) {
    this.root = root;
    this.room = room;
    this.hud = new HUD(root, art.palette);
    this.renderer = new Renderer(root.querySelector('#arena'), art);
    this.effects = null; // made with the first snapshot, which gives the tick rate
    this.buffer = new StateBuffer();
    this.clock = null;
    this.serverClock = new ClockOffset();
    this.mapName = '';
    this.mapReady = false;
    this.status = null; // the latest status event's data
    this.snap = null; // the latest snapshot event's data
    this.roomState = ''; // the room's state as the feed last told it
    this.connected = false;
    this.feed = null;
  }

  start() {
    this.root.hidden = false;
    this.hud.setRoom(this.room);
    this.setState('connecting');
    this.hud.setConnection('connecting…');
    this.buttons();
    this.open(resumeFrom(`/rooms/${encodeURIComponent(this.room)}/events`, location.search));
    const frame = (now) => {
      this.draw(now);
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  /**
   * open follows the feed at url, in place of any other: what was drawn from the last one is
   * forgotten, as its ticks may not follow on.
   */
  open(url) {
    this.feed?.close();
    this.buffer = new StateBuffer();
    this.clock = null;
    this.effects = null;
    this.snap = null;
    this.feed = new Feed(url, this.handlers(), (state) => this.connection(state), { resume: true });
  }

  /** handlers are what the page does with each kind of the feed's events. */
  handlers() {
    return {
      snapshot: (s) => this.snapshot(s),
      status: (s) => this.onStatus(s),
      frag: (e) => this.hud.say(`${nameOf(this.status, e.killer)} fragged ${nameOf(this.status, e.victim)}`, e.killer),
      score: () => {},
      respawn: () => {},
      matchover: (e) => this.hud.say(`${nameOf(this.status, e.winner)} wins the match`, e.winner),
      joined: (e) => this.hud.say(`${e.name} joined`, e.seat),
      left: (e) => this.hud.say(`${nameOf(this.status, e.seat)} left`, e.seat),
      cheer: (e) => this.hud.say(`📣 ${e.text}`),
      reset: () => this.hud.say('Missed too much while away: back to the live game'),
      closed: () => this.gone('The room has closed'),
    };
  }

  // setState keeps the test hook current: the room state while connected, else the link's.
  setState(state) {
    document.body.dataset.state = state;
  }

  connection(state) {
    switch (state) {
      case 'open':
        this.connected = true;
        this.hud.setConnection('live');
        // A resumed stream sends a status only if one was missed; the state is still known.
        this.setState(this.roomState || 'connecting');
        break;
      case 'reconnecting':
        this.connected = false;
        this.hud.setConnection('reconnecting…');
        this.setState('reconnecting');
        break;
      default:
        this.gone('The room is gone');
    }
  }

  gone(text) {
    this.feed?.close();
    this.connected = false;
    this.roomState = 'closed';
    this.hud.setConnection('closed');
    this.hud.showOverlay('notice', 'Room closed', text);
    this.setState('closed');
  }

  snapshot(s) {
    this.snap = s;
    this.serverClock.observe(s.now, Date.now());
    this.seeState(s.state);
    document.body.dataset.tick = String(s.tick);
    this.hud.setTick(s.tick);
    if (s.map !== this.mapName) this.useMap(s.map);
    if (this.clock === null) this.clock = new TickClock(s.rate);
    this.effects ??= new Effects({ tickRate: s.rate });
    const newest = this.buffer.newest();
    // A paused room repeats its tick; the buffer would take a repeat for a rewind.
    if (newest === undefined || newest.tick !== s.tick) {
      const frame = toFrame(s);
      // Snapshots come a few ticks apart here, so an effect may show that much late.
      if (newest !== undefined && frame.tick > newest.tick) this.effects.add(detect(newest, frame));
      this.buffer.push(frame);
      this.clock.observe(s.tick, performance.now());
    }
    this.hud.setScores(scoreRows(this.status, s));
  }

  onStatus(s) {
    this.status = s;
    this.seeState(s.state, true);
    this.hud.setScores(scoreRows(s, this.snap));
  }

  // seeState follows the room's state; the overlay changes with it (not at the next frame),
  // before the test hook says so.
  seeState(state, fresh = false) {
    if (state === this.roomState && !fresh) return;
    this.roomState = state;
    if (state === 'running') this.hud.hideOverlay();
    else this.overlay();
    if (this.connected) this.setState(state);
  }

  useMap(name) {
    this.mapName = name;
    this.mapReady = false;
    loadMap(name).then((map) => {
      if (this.mapName !== name) return;
      this.renderer.setMap(map);
      this.mapReady = true;
    }, (err) => this.hud.say(`Cannot load map ${name}: ${err.message}`));
  }

  // overlay shows what the room is waiting for, with the time left counted down locally.
  overlay() {
    const s = this.status;
    if (s === null || this.roomState !== s.state) return;
    const left = msLeft(s, this.serverClock.serverNow(Date.now()));
    switch (s.state) {
      case 'countdown':
        this.hud.countdown(left);
        break;
      case 'paused':
        this.hud.paused(s.missing.map((seat) => nameOf(s, seat)), left);
        break;
      case 'ended':
        this.hud.ended(s.results.map((r) => ({ ...r, name: nameOf(s, r.seat) })), left);
        break;
      case 'waiting':
        this.hud.showOverlay('notice', 'Waiting for players');
        break;
      default:
    }
  }

  draw(now) {
    if (this.roomState !== 'running' && this.roomState !== 'closed') this.overlay();
    if (!this.mapReady || this.buffer.newest() === undefined) return;
    const delay = (interpolationMs * this.snap.rate) / 1000;
    const t = (this.clock.now(now) ?? this.buffer.newest().tick) - delay;
    const sample = this.buffer.at(t);
    const ships = shipsAt(sample).map((s) => ({ ...s, name: nameOf(this.status, s.seat), own: false }));
    this.renderer.draw({ ships, projectiles: projectilesAt(sample, t), effects: this.effects, t });
  }

  // buttons adds one button per reaction; each POSTs a cheer.
  buttons() {
    const bar = this.root.querySelector('#cheers');
    bar.hidden = false;
    bar.replaceChildren(...Reactions.map((text) => el('button', { type: 'button', textContent: text, onclick: () => this.cheer(text) })));
  }

  async cheer(text) {
    try {
      const res = await fetch(`/api/rooms/${encodeURIComponent(this.room)}/cheers`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ text }),
      });
      if (res.status === 429) this.hud.say('Easy: one cheer at a time');
      else if (!res.ok) this.hud.say(`Cheer refused: ${(await res.json()).error}`);
    } catch (err) {
      this.hud.say(`Cheer failed: ${err.message}`);
    }
  }
}
