// match.js plays one room: it connects through a Session, rebuilds the room's state from
// keyframes and deltas, sends one input per simulation tick, predicts the own ship, draws the
// others interpolated a little in the past, and keeps the HUD and the page's test hooks
// (document.body.dataset.state, .room, .tick, .seat) current.
import { loadMap } from '../shared/assets.js';
import { Effects, detect } from '../shared/effects.js';
import { Playout, StateBuffer, lerp, projectilesAt, shipsAt } from '../shared/interpolate.js';
import { SubPixel } from '../shared/map.js';
import { Renderer } from '../shared/render.js';
import { HUD } from './hud.js';
import { InputSampler, turnButtons } from './input.js';
import { Code, Reconnector, Session } from './net.js';
import { Buttons, EventKind, RoomState, RoomStateCode, encodeInput, encodeStart, isActive, isAlive } from './protocol.js';
import { Predictor } from './predict.js';
import { OwnShots } from './shots.js';
import { Sound } from './sound.js';
import { TouchSticks } from './touch.js';

/** snapDistance is the prediction error (world units) that is corrected at once, not smoothed. */
const snapDistance = 4 * 32 * 8;

/** smoothingMs is the time constant with which a prediction error fades from view. */
const smoothingMs = 80;

/**
 * quietMs is how long the server may be silent, by room state, before the bar says the
 * connection is unstable: a running room sends a snapshot every tick, any other room answers
 * the ping the page sends every second. The connection is given up only after five seconds.
 */
const quietMs = { running: 600, other: 1600 };

/** calloutMs is how long a frag of the player's own is called out beside the arena. */
const calloutMs = 2500;

const pageStates = {
  [RoomStateCode.waiting]: 'waiting',
  [RoomStateCode.countdown]: 'countdown',
  [RoomStateCode.running]: 'playing',
  [RoomStateCode.paused]: 'paused',
  [RoomStateCode.ended]: 'ended',
};

/** toFrame turns a RoomState into the frame the interpolation buffer and renderer share. */
function toFrame(rs) {
  return {
    tick: rs.tick,
    ships: rs.ships.filter(isActive).map((s) => ({
      seat: s.seat, x: s.x, y: s.y, vx: s.vx, vy: s.vy, aimX: s.aimX, aimY: s.aimY, alive: isAlive(s), health: s.health,
    })),
    projectiles: rs.projectiles,
  };
}

/**
 * copyLink puts the room's link (without the player's name) on the clipboard for a friend, and
 * says so on the button.
 */
async function copyLink(button) {
  const url = new URL(location.href);
  url.searchParams.delete('name');
  try {
    await navigator.clipboard.writeText(url.href);
    button.textContent = 'Link copied';
  } catch {
    // Without clipboard access (an insecure origin), show the link to copy by hand.
    button.textContent = url.href;
  }
}

/**
 * Match is one player's session in one room, from the first hello to leaving or a final
 * refusal, after which onExit is called with the reason in words ('' for a chosen leave).
 */
export class Match {
  constructor({ root, art, room, name, tokens, url, onExit }) {
    this.root = root;
    this.art = art;
    this.onExit = onExit;
    this.canvas = root.querySelector('canvas');
    this.renderer = new Renderer(this.canvas, art);
    this.effects = new Effects({
      tickRate: 30,
      palette: art.palette,
      reducedMotion: globalThis.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false,
    });
    this.callout = null; // {text, until}: the player's latest frag
    this.sound = new Sound({ sounds: art.sounds });
    this.beep = 0; // the countdown second last beeped
    this.muteKey = (e) => {
      if (e.code === 'KeyM' && !(e.target instanceof HTMLInputElement) && !e.ctrlKey && !e.metaKey && !e.altKey) this.toggleMute();
    };
    this.hud = new HUD(root, art.palette);
    this.input = new InputSampler(this.canvas);
    this.input.onFire = (at) => this.firePressed(at);
    this.sticks = new TouchSticks(root);
    this.rc = new Reconnector({ room, name, tokens });
    this.session = new Session({
      url,
      reconnector: this.rc,
      onMessage: (m) => this.handle(m),
      onState: () => this.refresh(),
      onPing: (ms) => this.hud.setPing(ms),
    });
    // When the browser says the network is back, a waiting reconnection need not wait.
    this.online = () => this.session.retryNow();
    this.welcome = null;
    this.map = null;
    this.predictor = null;
    this.shots = null; // OwnShots, with the predictor
    this.playout = null; // which tick to draw the others at, for the room's tick rate
    this.buffer = new StateBuffer();
    this.rs = null; // the newest RoomState
    this.roomCode = 0; // the newest room state code, from a snapshot or a status
    this.status = null;
    this.statusAt = 0;
    this.names = new Map();
    this.nextSeq = 1;
    this.nextInputAt = 0;
    this.own = null; // {prev, cur, at, offX, offY}: the own ship's predicted motion on screen
    this.frameAt = 0;
    this.frames = 0; // animation frames drawn
    this.view = 0; // the tick the other ships were last drawn at, which inputs tell the server
    this.press = null; // {at, frame, seq}: the last press of fire that sent an input at once
    this.exited = false;
    // After a match ends the next one starts from nothing: until its first snapshot the old
    // positions and scores are not shown.
    this.worldEnded = false;
    this.resultsDone = false; // the player chose to play again while the results show
    // stats counts how well prediction agrees with the server, for people and tests:
    // snapshots reconciled, how many of them moved the own ship, and the largest move
    // (world units, not counting respawns); for the last press of fire that fired, the
    // frames and milliseconds until its shot was drawn, and where on the canvas (device
    // pixels); and the Playout's counts of extrapolation and stalls.
    this.stats = { reconciled: 0, corrected: 0, maxError: 0, welcomes: 0, shot: null, playout: null };
    // The effects shown so far by kind, and those on the canvas in the last frame with their
    // age in seconds and their place in canvas pixels.
    this.stats.effects = this.effects.counts;
    this.stats.showing = [];
    this.stats.sounds = 0;
  }

  /** start connects and starts the input and render loops. */
  start() {
    const body = document.body.dataset;
    body.room = this.rc.room;
    body.tick = '0';
    delete body.seat;
    this.root.hidden = false;
    this.hud.setRoom(this.rc.room);
    this.hud.hideOverlay();
    this.input.attach();
    this.sticks.attach();
    this.root.querySelector('#leave').onclick = () => this.leave();
    this.root.querySelector('[data-action=start-now]').onclick = () => this.session.send(encodeStart());
    this.root.querySelector('[data-action=copy-link]').onclick = (e) => copyLink(e.currentTarget);
    this.muteButton = this.root.querySelector('#mute');
    this.muteButton.onclick = () => this.toggleMute();
    window.addEventListener('keydown', this.muteKey);
    this.sound.listen(window, () => this.showSound());
    this.showSound();
    this.session.start();
    window.addEventListener('online', this.online);
    this.refresh();
    this.pump = setInterval(() => this.sendInputs(), 5);
    const frame = (t) => {
      if (this.exited) return;
      this.draw(t);
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  /** leave says bye to the room and returns to the lobby. */
  leave() {
    this.session.leave();
  }

  stop(message) {
    if (this.exited) return;
    this.exited = true;
    clearInterval(this.pump);
    window.removeEventListener('online', this.online);
    window.removeEventListener('keydown', this.muteKey);
    this.sound.stop();
    this.input.detach();
    this.sticks.detach();
    this.root.hidden = true;
    this.hud.clear();
    delete document.body.dataset.seat;
    this.onExit(message);
  }

  toggleMute() {
    this.sound.setMuted(!this.sound.muted);
  }

  // showSound shows the mute switch, and the audio's state in the test hook dataset.audio.
  showSound() {
    this.muteButton.setAttribute('aria-pressed', String(this.sound.muted));
    this.muteButton.textContent = this.sound.muted ? 'Sound off' : 'Sound on';
    document.body.dataset.audio = this.sound.state;
  }

  // play plays a sound and counts it for the page's statistics.
  play(name, volume) {
    this.sound.play(name, volume);
    this.stats.sounds = this.sound.played;
  }

  handle(m) {
    switch (m.type) {
      case 'welcome':
        this.welcomed(m);
        break;
      case 'snapshot':
        this.advance(RoomState.fromKeyframe(m));
        break;
      case 'delta':
        if (this.rs === null) return;
        try {
          this.advance(this.rs.applyDelta(m));
        } catch (err) {
          // The server sends a delta only against the tick this connection received, so a
          // mismatch means this side lost track: a resync brings a keyframe.
          console.error('skirmish:', err.message);
          this.session.closed(Code.abnormal);
        }
        break;
      case 'status':
        if (this.roomCode === RoomStateCode.ended && m.state !== RoomStateCode.ended) this.endWorld();
        if (this.roomCode === RoomStateCode.countdown && m.state === RoomStateCode.running) this.play('start');
        if (m.state !== RoomStateCode.ended) this.resultsDone = false;
        this.status = m;
        this.statusAt = performance.now();
        this.roomCode = m.state;
        this.names = new Map(m.players.map((p) => [p.seat, p]));
        this.refresh();
        break;
      case 'events':
        for (const e of m.events) this.announce(e);
        break;
      case 'error':
        this.hud.say(`Server: ${m.message}`);
        break;
      default:
    }
  }

  // endWorld forgets the ended match's ships and shots; the room state is kept, for the next
  // delta is still based on it.
  endWorld() {
    this.worldEnded = true;
    this.effects.clear();
    this.buffer.clear();
    this.predictor?.reset();
    this.own = null;
  }

  welcomed(w) {
    this.welcome = w;
    this.stats.welcomes++;
    this.worldEnded = false;
    this.hud.setGoal(w.fragLimit);
    this.effects.clear();
    this.effects.tickRate = w.tickRate;
    this.effects.own = w.seat;
    document.body.dataset.seat = String(w.seat);
    document.body.dataset.room = w.room;
    // A resync replaces everything this side believed: the keyframe that follows is the truth.
    this.rs = null;
    this.buffer.clear();
    this.own = null;
    if (this.playout?.tickMs === 1000 / w.tickRate) {
      this.playout.reset();
    } else {
      this.playout = new Playout(w.tickRate);
      this.stats.playout = this.playout.stats;
    }
    if (this.map === null || this.map.name !== w.map) {
      this.map = null;
      this.predictor = null;
      loadMap(w.map).then((map) => {
        if (this.welcome !== w) return;
        this.map = map;
        this.renderer.setMap(map);
        this.predictor = new Predictor(map, w.tickRate);
        this.shots = new OwnShots(map, w.seat);
      }, (err) => this.hud.say(`Cannot load map ${w.map}: ${err.message}`));
    } else {
      this.predictor = new Predictor(this.map, w.tickRate);
      this.shots = new OwnShots(this.map, w.seat);
    }
  }

  advance(rs) {
    const now = performance.now();
    if (this.rs !== null && rs.tick < this.rs.tick) {
      // A rematch starts a new world: inputs of the last match will never be applied to it.
      this.predictor?.reset();
      this.own = null;
      this.worldEnded = false;
    }
    this.rs = rs;
    this.roomCode = rs.state;
    document.body.dataset.tick = String(rs.tick);
    this.hud.setTick(rs.tick);
    const frame = toFrame(rs);
    const prev = this.buffer.newest();
    if (prev !== undefined && frame.tick > prev.tick) this.feel(detect(prev, frame));
    this.buffer.push(frame);
    this.playout?.arrive(rs.tick, now);
    const server = rs.ship(this.welcome.seat);
    if (server !== undefined) {
      this.nextSeq = Math.max(this.nextSeq, server.lastSeq + 1);
      if (this.predictor !== null) this.correct(this.predictor.reconcile(server), now);
    }
    this.refresh();
  }

  // feel takes what happened in the newest tick to the effects. Others are drawn a little in
  // the past, so their effects wait for the picture to get there; what happens to the own
  // ship, which is drawn in the present, shows at once.
  feel(events) {
    const seat = this.welcome.seat;
    const lead = (this.playout.delayMs * this.welcome.tickRate) / 1000;
    this.effects.add(events.filter((e) => e.seat !== seat));
    this.effects.add(events.filter((e) => e.seat === seat), lead);
    for (const e of events) {
      const mine = e.seat === seat;
      if (e.kind === 'shot') this.play('shot', mine ? 0.8 : 0.3);
      else if (e.kind === 'hit') this.play(e.by === seat ? 'marker' : 'hit', mine || e.by === seat ? 1 : 0.4);
      else if (e.kind === 'death') this.play('death', mine || e.by === seat ? 1 : 0.5);
      else if (e.kind === 'respawn' && mine) this.play('respawn');
    }
  }

  // correct moves the own ship onto a reconciled prediction without a visible jump: the
  // error becomes an offset that fades over smoothingMs, unless it is too big to be an error
  // (a respawn) and is shown at once.
  correct(ship, now) {
    const pos = { x: ship.x, y: ship.y };
    const o = this.own;
    if (o === null || Math.abs(pos.x - o.cur.x) + Math.abs(pos.y - o.cur.y) > snapDistance) {
      this.own = { prev: pos, cur: pos, at: now, offX: 0, offY: 0 };
      return;
    }
    const dx = pos.x - o.cur.x;
    const dy = pos.y - o.cur.y;
    this.stats.reconciled++;
    if (dx !== 0 || dy !== 0) {
      this.stats.corrected++;
      this.stats.maxError = Math.max(this.stats.maxError, Math.abs(dx) + Math.abs(dy));
    }
    o.offX -= dx;
    o.offY -= dy;
    o.prev = { x: o.prev.x + dx, y: o.prev.y + dy };
    o.cur = pos;
  }

  // playing reports whether inputs flow: welcomed, connected, and the match running.
  playing() {
    return this.welcome !== null && this.rc.state === 'open' && this.roomCode === RoomStateCode.running && this.rs !== null;
  }

  // sendInputs sends every input that is due, one per simulation tick, while the match runs.
  sendInputs() {
    const now = performance.now();
    if (!this.playing()) {
      this.nextInputAt = now;
      return;
    }
    const tickMs = 1000 / this.welcome.tickRate;
    if (now - this.nextInputAt > 4 * tickMs) this.nextInputAt = now; // after a stall, do not burst
    while (now >= this.nextInputAt) {
      this.nextInputAt += tickMs;
      this.sendInput(now);
    }
  }

  // firePressed sends the next input at once when fire is pressed with the gun ready, so the
  // shot leaves in the next frame rather than up to a tick later. The input after it keeps
  // its time, so inputs never run more than one ahead of the tick rate and the server's queue
  // does not grow: a second press waits until that input is due.
  firePressed(at) {
    const ship = this.predictor?.ship ?? null;
    if (!this.playing() || ship === null || !isAlive(ship) || ship.cooldown > 1) return;
    const now = performance.now();
    const tickMs = 1000 / this.welcome.tickRate;
    if (this.nextInputAt - now > tickMs) return;
    this.nextInputAt += tickMs;
    const seq = this.sendInput(now);
    this.press = { at, frame: this.frames, seq };
  }

  // sendInput samples the controls (keyboard and mouse, or the touch sticks), sends them as
  // the next input, predicts it, and returns its seq.
  sendInput(now) {
    const ship = this.predictor?.ship ?? null;
    const at = ship !== null ? { x: ship.x / 8, y: ship.y / 8 } : null;
    const input = { seq: this.nextSeq++, ...this.input.sample((x, y) => this.renderer.screenToWorld(x, y), at) };
    const touch = this.sticks.sample();
    input.buttons = turnButtons(input.buttons | touch.buttons, this.renderer.turned);
    if (touch.aim !== null) {
      const a = this.renderer.screenToArena(touch.aim.x, touch.aim.y);
      const len = Math.hypot(a.x, a.y);
      input.aimX = Math.round((a.x / len) * 100);
      input.aimY = Math.round((a.y / len) * 100);
      input.buttons |= Buttons.fire;
    }
    this.session.send(encodeInput(input.seq, input.buttons, input.aimX, input.aimY, this.view));
    if (this.predictor !== null) {
      this.predictor.apply(input);
      if (this.own !== null && this.predictor.ship !== null) {
        this.own.prev = this.own.cur;
        this.own.cur = { x: this.predictor.ship.x, y: this.predictor.ship.y };
        this.own.at = now;
      }
    }
    return input.seq;
  }

  announce(e) {
    const name = (seat) => this.names.get(seat)?.name ?? `Seat ${seat + 1}`;
    switch (e.kind) {
      case EventKind.frag:
        this.hud.say(`${name(e.a)} fragged ${name(e.b)}`, e.a);
        if (e.a === this.welcome?.seat && e.b !== e.a) this.callout = { text: `You fragged ${name(e.b)}!`, until: performance.now() + calloutMs };
        break;
      case EventKind.matchOver:
        this.hud.say(`${name(e.a)} wins the match`, e.a);
        this.play('end');
        break;
      case EventKind.cheer:
        this.hud.say(`Spectators: ${e.text}`);
        this.play('cheer');
        break;
      case EventKind.joined:
        this.hud.say(`${e.text} joined`, e.a);
        break;
      case EventKind.left:
        this.hud.say(`${name(e.a)} left`, e.a);
        break;
      default:
    }
  }

  // refresh brings the page state, the connection line and the overlay up to date.
  refresh() {
    const rc = this.rc;
    if (rc.state === 'closed') {
      this.stop(rc.left ? '' : rc.message);
      return;
    }
    let state = rc.state;
    if (state === 'open') state = this.welcome !== null && this.roomCode !== 0 ? pageStates[this.roomCode] ?? 'connecting' : 'connecting';
    document.body.dataset.state = state;
    this.connection(performance.now());
    this.overlay(performance.now());
    this.scores();
  }

  // connection shows the link's state, and warns as soon as an open link has gone quiet.
  connection(now) {
    const rc = this.rc;
    if (rc.state !== 'open') {
      this.hud.setConnection(rc.message || 'connecting…');
      return;
    }
    const limit = this.roomCode === RoomStateCode.running ? quietMs.running : quietMs.other;
    const quiet = now - this.session.lastHeard > limit;
    this.hud.setConnection(quiet ? 'connection unstable' : 'connected', quiet);
  }

  overlay(now) {
    const st = this.status;
    const left = st === null ? 0 : st.stateEnds - (now - this.statusAt);
    const byName = (seat) => this.names.get(seat)?.name ?? `Seat ${seat + 1}`;
    switch (this.rc.state === 'open' ? this.roomCode : 0) {
      case RoomStateCode.waiting:
        this.hud.showOverlay('waiting', 'Waiting for players', `Room ${this.rc.room}: share the link to invite someone.`);
        break;
      case RoomStateCode.countdown: {
        this.hud.countdown(left);
        const second = Math.max(1, Math.ceil(left / 1000));
        if (second !== this.beep) this.play('countdown');
        this.beep = second;
        break;
      }
      case RoomStateCode.paused:
        this.hud.paused((st?.missing ?? []).map(byName), left);
        break;
      case RoomStateCode.ended: {
        const lobby = { label: 'Lobby', run: () => this.leave(), secondary: true };
        // In a tab of its own: this one stays in the room for the next match.
        const replay = { label: 'Watch the replay', run: () => window.open(`/watch/replay?room=${encodeURIComponent(this.rc.room)}`, '_blank'), secondary: true };
        if (this.resultsDone) {
          this.hud.waitNext(left, [replay, lobby]);
          break;
        }
        const seat = this.welcome?.seat;
        const results = (st?.results ?? []).map((r) => ({ ...r, name: byName(r.seat), own: r.seat === seat }));
        this.hud.ended(results, left, [{ label: 'Play again', run: () => this.playAgain() }, replay, lobby]);
        break;
      }
      case RoomStateCode.running:
        this.hud.hideOverlay();
        break;
      default:
        this.hud.showOverlay('notice', this.rc.state === 'reconnecting' ? `Reconnecting… (attempt ${this.rc.attempts})` : 'Connecting…', this.rc.message);
    }
  }

  /** playAgain puts the results away; the player stays in the room for the next match. */
  playAgain() {
    this.resultsDone = true;
    this.overlay(performance.now());
  }

  // banner tells the player, beside the arena, when a fragged ship is back, or calls out a
  // frag of the player's own.
  banner(now) {
    const own = this.roomCode === RoomStateCode.running && !this.worldEnded ? this.rs?.ship(this.welcome.seat) : undefined;
    if (own !== undefined && !isAlive(own) && own.flags & 1) {
      this.hud.banner(`Fragged: back in ${Math.max(1, Math.ceil(own.respawnIn / this.welcome.tickRate))} s`, 'respawn');
    } else if (this.callout !== null && now < this.callout.until) {
      this.hud.banner(this.callout.text, 'frag');
    } else {
      this.hud.banner('');
    }
  }

  // showClock shows the match time left at tick, the whole match before the first tick.
  showClock(tick) {
    const w = this.welcome;
    if (w === null || w.timeLimit <= 0) {
      this.hud.setClock(null);
      return;
    }
    this.hud.setClock((Math.max(0, w.timeLimit - tick) * 1000) / w.tickRate);
  }

  scores() {
    const own = this.welcome?.seat;
    // During the countdown to the next match the roster's zeros are right, the last
    // snapshot's scores are the old match's.
    const ships = new Map((this.worldEnded ? [] : this.rs?.ships ?? []).map((s) => [s.seat, s]));
    this.hud.setScores([...this.names.values()].map((p) => ({
      seat: p.seat,
      name: p.name,
      bot: p.bot,
      connected: p.connected,
      own: p.seat === own,
      frags: ships.get(p.seat)?.frags ?? p.frags,
      deaths: ships.get(p.seat)?.deaths ?? p.deaths,
    })));
  }

  // draw paints one animation frame: others interpolated, the own ship predicted.
  draw(now) {
    const dt = this.frameAt === 0 ? 0 : now - this.frameAt;
    this.frameAt = now;
    this.frames++;
    if (this.status !== null && this.roomCode !== RoomStateCode.running) this.overlay(now);
    this.connection(now);
    this.banner(now);
    const w = this.welcome;
    if (w === null || this.map === null) return;
    if (this.buffer.newest() === undefined) {
      this.showClock(0);
      this.renderer.draw();
      return;
    }
    // Only a running room sends snapshots: otherwise a missing one is not late.
    this.playout.setLive(this.roomCode === RoomStateCode.running);
    const t = this.playout.draw(now, this.buffer.oldest().tick, this.buffer.newest().tick);
    this.showClock(this.rs?.tick ?? 0);
    const sample = this.buffer.at(t);
    this.view = t;
    const ships = shipsAt(sample).map((s) => ({ ...s, name: this.names.get(s.seat)?.name ?? '', own: s.seat === w.seat }));
    const mine = ships.find((s) => s.own);
    const predicted = this.predictor?.ship;
    const alpha = this.own === null ? 1 : Math.min(1, (now - this.own.at) * w.tickRate / 1000);
    if (mine !== undefined && this.own !== null && predicted != null && isAlive(predicted)) {
      const o = this.own;
      const fade = Math.exp(-dt / smoothingMs);
      o.offX *= fade;
      o.offY *= fade;
      mine.x = lerp(o.prev.x, o.cur.x, alpha) + o.offX;
      mine.y = lerp(o.prev.y, o.cur.y, alpha) + o.offY;
      mine.angle = Math.atan2(predicted.aimY, predicted.aimX);
      mine.alive = true;
    }
    const projectiles = projectilesAt(sample, t).filter((p) => p.owner !== w.seat);
    if (this.shots !== null && this.predictor?.ship != null) {
      // The own ship is drawn between the last two predictions: a tick behind the newest one.
      const own = this.shots.place(this.rs.projectiles, this.predictor, this.predictor.pending.length - 1 + alpha, ships);
      this.timeShot(own);
      projectiles.push(...own);
    }
    this.renderer.draw({ ships, projectiles, effects: this.effects, t });
    this.stats.showing = this.effects.live(t).map((e) => ({ kind: e.kind, seat: e.seat, age: this.effects.age(e, t), ...this.renderer.toScreen(e.x / SubPixel, e.y / SubPixel) }));
  }

  // timeShot notes, the first time the shot of the last press of fire is drawn, how long
  // after the press that was, in frames and milliseconds, and where it is on the canvas.
  timeShot(own) {
    const press = this.press;
    const shot = press === null ? undefined : own.find((p) => p.seq === press.seq);
    if (shot === undefined) return;
    this.press = null;
    const at = this.renderer.toScreen(shot.x / SubPixel, shot.y / SubPixel);
    this.stats.shot = { seq: shot.seq, frames: this.frames - press.frame, ms: performance.now() - press.at, x: at.x, y: at.y };
  }
}
