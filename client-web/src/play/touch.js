// touch.js is the twin stick of a touch screen: a thumb on the left zone moves the ship, a thumb
// on the right zone aims and fires, each stick centred where its thumb came down. The zones are
// the elements [data-control=move] and [data-control=aim]; the page shows them on touch screens
// only, keyboard and mouse work as ever. Directions are on the screen: the match turns them
// into the arena's.
import { Buttons } from './protocol.js';

/** reach is how far (CSS pixels) a thumb travels for a full deflection. */
const reach = 48;

/** moveDead and aimDead are the deflections (0..1) below which a stick does nothing. */
const moveDead = 0.3;
const aimDead = 0.35;

/**
 * stickButtons turns a move deflection (x right, y down, length up to 1) into movement buttons:
 * eight directions, a component counting once it is a good part of the deflection.
 */
export function stickButtons(x, y) {
  const len = Math.hypot(x, y);
  if (len < moveDead) return 0;
  const cut = 0.38 * len; // about 22.5 degrees off an axis
  return (y < -cut ? Buttons.up : 0) | (y > cut ? Buttons.down : 0) | (x < -cut ? Buttons.left : 0) | (x > cut ? Buttons.right : 0);
}

/** Stick follows one thumb on one zone, and draws its base and knob there. */
class Stick {
  constructor(zone) {
    this.zone = zone;
    this.id = null;
    this.x = 0;
    this.y = 0;
    this.base = document.createElement('span');
    this.base.className = 'stick';
    this.knob = document.createElement('span');
    this.knob.className = 'knob';
    this.base.append(this.knob);
    zone.append(this.base);
    this.handlers = {
      pointerdown: (e) => this.down(e),
      pointermove: (e) => this.move(e),
      pointerup: (e) => this.up(e),
      pointercancel: (e) => this.up(e),
      lostpointercapture: (e) => this.up(e),
    };
  }

  attach() {
    for (const [t, h] of Object.entries(this.handlers)) this.zone.addEventListener(t, h);
  }

  detach() {
    for (const [t, h] of Object.entries(this.handlers)) this.zone.removeEventListener(t, h);
    this.release();
  }

  down(e) {
    if (this.id !== null) return;
    e.preventDefault();
    this.id = e.pointerId;
    this.zone.setPointerCapture?.(e.pointerId);
    const r = this.zone.getBoundingClientRect();
    this.ox = e.clientX;
    this.oy = e.clientY;
    this.base.style.left = `${e.clientX - r.left}px`;
    this.base.style.top = `${e.clientY - r.top}px`;
    this.zone.dataset.active = 'true';
    this.move(e);
  }

  move(e) {
    if (e.pointerId !== this.id) return;
    e.preventDefault();
    let dx = (e.clientX - this.ox) / reach;
    let dy = (e.clientY - this.oy) / reach;
    const len = Math.hypot(dx, dy);
    if (len > 1) {
      dx /= len;
      dy /= len;
    }
    this.x = dx;
    this.y = dy;
    this.knob.style.transform = `translate(${dx * reach}px, ${dy * reach}px)`;
  }

  up(e) {
    if (e.pointerId === this.id) this.release();
  }

  release() {
    this.id = null;
    this.x = 0;
    this.y = 0;
    this.knob.style.transform = '';
    delete this.zone.dataset.active;
  }
}

/**
 * TouchSticks reads the two thumb zones under root. sample returns the buttons the move stick
 * holds, in screen directions, and the aim stick's direction (x right, y down) or null while
 * it rests; an aim stick held out also fires.
 */
export class TouchSticks {
  constructor(root) {
    const move = root.querySelector('[data-control=move]');
    const aim = root.querySelector('[data-control=aim]');
    this.sticks = move && aim ? [new Stick(move), new Stick(aim)] : [];
  }

  attach() {
    for (const s of this.sticks) s.attach();
  }

  detach() {
    for (const s of this.sticks) s.detach();
  }

  /** sample returns `{buttons, aim}` for this tick (buttons 0 and aim null without touch). */
  sample() {
    if (this.sticks.length === 0) return { buttons: 0, aim: null };
    const [move, aim] = this.sticks;
    let buttons = stickButtons(move.x, move.y);
    let dir = null;
    if (Math.hypot(aim.x, aim.y) >= aimDead) {
      dir = { x: aim.x, y: aim.y };
      buttons |= Buttons.fire;
    }
    return { buttons, aim: dir };
  }
}
