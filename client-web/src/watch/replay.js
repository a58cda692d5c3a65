// replay.js plays a finished match again on the spectator page: the server re-simulates it and
// streams it like a live room (GET /replays/{match}/events), and the page draws it with the
// spectator's renderer. Play, pause, speed and the seek bar each open the stream afresh at the
// tick wanted; the server starts it from its nearest keyframe, so a seek is cheap.
import { clockText } from '../play/hud.js';
import { nameOf } from './frame.js';
import { Watch } from './room.js';

/** Speeds the server plays a replay at. */
export const Speeds = [1, 2, 4];

/**
 * replayURL is the stream of match from tick from at speed.
 */
export function replayURL(match, { speed = 1, from = 0 } = {}) {
  return `/replays/${encodeURIComponent(match)}/events?speed=${speed}&from=${Math.max(0, Math.floor(from))}`;
}

/**
 * Replay shows a recorded match with play, pause, speed and a seek bar. Its test hooks are
 * `document.body.dataset.replay` (`loading`, `playing`, `paused` or `ended`), `dataset.tick`
 * (the newest tick received) and `dataset.speed`.
 */
export class Replay extends Watch {
  constructor(root, match, art) {
    super(root, match, art);
    this.match = match;
    this.controls = root.querySelector('#replay-controls');
    this.button = this.controls.querySelector('[data-action=play-pause]');
    this.seekBar = this.controls.querySelector('#seek');
    this.speedChoice = this.controls.querySelector('#speed');
    this.position = this.controls.querySelector('#replay-time');
    this.ticks = 0; // the match's last tick, from the stream's replay event
    this.rate = 0; // the match's tick rate
    this.speed = 1;
    this.tick = 0; // the newest tick received
    this.playing = false;
    this.holdAfterKeyframe = false; // a seek while paused shows the tick and pauses again
  }

  start() {
    this.root.hidden = false;
    this.root.querySelector('#roomcode').textContent = `replay of ${this.match}`;
    this.hud.setConnection('loading…');
    this.controls.hidden = false;
    Object.assign(this.root.querySelector('#all'), { href: '/watch/replay', textContent: 'All replays' });
    this.speedChoice.replaceChildren(...Speeds.map((s) => new Option(`×${s}`, String(s))));
    this.button.onclick = () => (this.playing ? this.pause() : this.play());
    this.speedChoice.onchange = () => this.setSpeed(Number(this.speedChoice.value));
    // The bar follows the replay while it plays; a drag only says where to go once let go.
    this.seekBar.oninput = () => this.showPosition(Number(this.seekBar.value));
    this.seekBar.onchange = () => this.seek(Number(this.seekBar.value));
    this.setReplay('loading');
    this.play(0);
    const frame = (now) => {
      this.draw(now);
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }

  handlers() {
    return {
      ...super.handlers(),
      replay: (r) => {
        this.ticks = r.ticks;
        this.rate = r.rate;
        this.seekBar.max = String(r.ticks);
      },
      closed: () => this.finished(),
    };
  }

  /** play streams the replay from tick from (where it is, by default). */
  play(from = this.tick) {
    this.playing = true;
    this.holdAfterKeyframe = false;
    if (this.roomState === 'ended' && from >= this.ticks) from = 0;
    this.roomState = '';
    this.open(replayURL(this.match, { speed: this.speed, from }));
    this.setReplay('playing');
  }

  /** pause stops the stream; the arena keeps the last tick received. */
  pause() {
    this.playing = false;
    this.feed?.close();
    this.setReplay('paused');
  }

  /** seek moves to tick, playing on if the replay played. */
  seek(tick) {
    if (this.playing) {
      this.play(tick);
      return;
    }
    this.open(replayURL(this.match, { speed: this.speed, from: tick }));
    this.holdAfterKeyframe = true;
  }

  setSpeed(speed) {
    this.speed = speed;
    document.body.dataset.speed = String(speed);
    if (this.playing) this.play();
  }

  snapshot(s) {
    super.snapshot(s);
    this.tick = s.tick;
    if (document.activeElement !== this.seekBar) this.seekBar.value = String(s.tick);
    this.showPosition(s.tick);
    if (this.holdAfterKeyframe) {
      this.holdAfterKeyframe = false;
      this.feed.close();
      this.setReplay('paused');
    }
  }

  // finished is the end of the stream: the match is over, its results on show.
  finished() {
    this.feed?.close();
    this.playing = false;
    this.setReplay('ended');
  }

  // gone is a replay the server cannot play (a 404 or a refusal ends the stream for good).
  gone() {
    super.gone('This replay is not available');
    this.setReplay('ended');
  }

  // connection says the replay's speed once it streams.
  connection(state) {
    super.connection(state);
    if (state === 'open') this.hud.setConnection(`replay ×${this.speed}`);
  }

  setReplay(state) {
    document.body.dataset.replay = state;
    document.body.dataset.speed = String(this.speed);
    this.button.textContent = state === 'playing' ? 'Pause' : state === 'ended' ? 'Watch again' : 'Play';
  }

  showPosition(tick) {
    if (this.rate === 0) return;
    const ms = (t) => (t * 1000) / this.rate;
    this.position.textContent = `${clockText(ms(tick))} / ${clockText(ms(this.ticks))}`;
  }

  // overlay shows the results at the end, with no next match to wait for.
  overlay() {
    if (this.status?.state !== 'ended' || this.roomState !== 'ended') {
      super.overlay();
      return;
    }
    const s = this.status;
    const results = s.results.map((r) => ({ ...r, name: nameOf(s, r.seat) }));
    const winner = results[0];
    this.hud.showOverlay('ended', winner ? `${winner.name} wins` : 'Match over', 'End of the replay', results);
  }
}
