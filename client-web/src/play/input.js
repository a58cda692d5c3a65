// input.js samples the player's controls once per simulation tick: movement from WASD or the
// arrow keys, aim from the mouse, fire from the left button or the space bar.
import { Buttons } from './protocol.js';

const keyButtons = {
  KeyW: Buttons.up,
  ArrowUp: Buttons.up,
  KeyS: Buttons.down,
  ArrowDown: Buttons.down,
  KeyA: Buttons.left,
  ArrowLeft: Buttons.left,
  KeyD: Buttons.right,
  ArrowRight: Buttons.right,
  Space: Buttons.fire,
};

/**
 * InputSampler listens to the keyboard and the pointer while attached. Keys are kept as
 * held, not as events, so a tick sees what is down at that moment; losing focus releases
 * everything, so a ship does not run on with a key nobody holds. onFire, if set, is called at
 * each press of fire (a click on the arena or the space bar), with the event's time, so that
 * the shot need not wait for the next tick.
 */
export class InputSampler {
  constructor(canvas) {
    this.canvas = canvas;
    this.onFire = null;
    this.held = 0;
    this.mouseFire = false;
    this.mouse = null; // last pointer position in CSS pixels relative to the canvas
    this.handlers = {
      keydown: (e) => this.key(e, true),
      keyup: (e) => this.key(e, false),
      blur: () => {
        this.held = 0;
        this.mouseFire = false;
      },
      pointermove: (e) => this.point(e),
      pointerdown: (e) => {
        this.point(e);
        if (e.button === 0) {
          this.mouseFire = true;
          this.onFire?.(e.timeStamp);
        }
      },
      pointerup: (e) => {
        if (e.button === 0) this.mouseFire = false;
      },
      contextmenu: (e) => e.preventDefault(),
    };
  }

  attach() {
    window.addEventListener('keydown', this.handlers.keydown);
    window.addEventListener('keyup', this.handlers.keyup);
    window.addEventListener('blur', this.handlers.blur);
    window.addEventListener('pointerup', this.handlers.pointerup);
    // The pointer aims wherever it is, also over the scoreboard or the HUD; only a press on
    // the arena itself fires.
    window.addEventListener('pointermove', this.handlers.pointermove);
    for (const t of ['pointerdown', 'contextmenu']) this.canvas.addEventListener(t, this.handlers[t]);
  }

  detach() {
    window.removeEventListener('keydown', this.handlers.keydown);
    window.removeEventListener('keyup', this.handlers.keyup);
    window.removeEventListener('blur', this.handlers.blur);
    window.removeEventListener('pointerup', this.handlers.pointerup);
    window.removeEventListener('pointermove', this.handlers.pointermove);
    for (const t of ['pointerdown', 'contextmenu']) this.canvas.removeEventListener(t, this.handlers[t]);
    this.handlers.blur();
  }

  key(e, down) {
    const b = keyButtons[e.code];
    if (b === undefined || e.target instanceof HTMLInputElement || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    this.held = down ? this.held | b : this.held & ~b;
    if (down && b === Buttons.fire && !e.repeat) this.onFire?.(e.timeStamp);
  }

  point(e) {
    const r = this.canvas.getBoundingClientRect();
    this.mouse = { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  /**
   * sample returns `{buttons, aimX, aimY}` for this tick. toArena converts a canvas point into
   * arena pixels; ship is the own ship's position in arena pixels, or null if there is none,
   * in which case the aim (0, 0) keeps the previous one.
   */
  sample(toArena, ship) {
    let aimX = 0;
    let aimY = 0;
    if (this.mouse !== null && ship !== null) {
      const p = toArena(this.mouse.x, this.mouse.y);
      aimX = Math.round(p.x - ship.x);
      aimY = Math.round(p.y - ship.y);
    }
    return { buttons: this.held | (this.mouseFire ? Buttons.fire : 0), aimX, aimY };
  }
}

/**
 * turnButtons maps the movement buttons of a player who sees the arena turned a quarter
 * clockwise (turned true) from directions on the screen to directions in the arena: up on
 * the screen is left in the arena, right is up, and so on. Fire passes through.
 */
export function turnButtons(buttons, turned) {
  if (!turned) return buttons;
  const map = [[Buttons.up, Buttons.left], [Buttons.down, Buttons.right], [Buttons.left, Buttons.down], [Buttons.right, Buttons.up]];
  let out = buttons & Buttons.fire;
  for (const [screen, arena] of map) if (buttons & screen) out |= arena;
  return out;
}
