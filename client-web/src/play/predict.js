// predict.js moves the player's own ship ahead of the server with a port of game.MoveShip and
// reconciles with every snapshot: inputs the server has applied (up to the echoed lastSeq) are
// dropped, the rest are replayed on top of the authoritative ship.
import { SubPixel } from '../shared/map.js';
import { Buttons, isAlive } from './protocol.js';

/** Tuning of game/config.go that movement depends on. */
const shipSpeedPx = 220; // game.ShipSpeed, pixels per second
const shipHalfPx = 12; // game.ShipHalf
const diagonal = 181; // game.diagonal, 1/sqrt(2) in 256ths

/** moveConfig derives the per-tick movement constants of a room running at tickRate Hz. */
export function moveConfig(tickRate) {
  return {
    shipSpeed: Math.trunc((shipSpeedPx * SubPixel) / tickRate),
    shipAccel: Math.min(256, Math.trunc(2048 / tickRate)),
  };
}

// Every division below is Go's integer division, which truncates towards zero. All values stay
// far below 2^53, so plain numbers hold them exactly; adding zero turns a -0 into the 0 an
// integer would be.
const div = (a, b) => Math.trunc(a / b) + 0;

function isqrt(n) {
  let x = n;
  let y = div(x + 1, 2);
  while (y < x) {
    x = y;
    y = div(x + div(n, x), 2);
  }
  return x;
}

function approach(v, target, accel) {
  const step = div((target - v) * accel, 256);
  return step === 0 ? target : v + step;
}

function collide(walls, s, horizontal) {
  const h = shipHalfPx * SubPixel;
  const dir = horizontal ? s.vx : s.vy;
  if (dir === 0) return;
  for (const r of walls) {
    if (s.x - h >= r.maxX || s.x + h <= r.minX || s.y - h >= r.maxY || s.y + h <= r.minY) continue;
    if (horizontal && dir > 0) {
      s.x = r.minX - h;
      s.vx = 0;
    } else if (horizontal) {
      s.x = r.maxX + h;
      s.vx = 0;
    } else if (dir > 0) {
      s.y = r.minY - h;
      s.vy = 0;
    } else {
      s.y = r.maxY + h;
      s.vy = 0;
    }
  }
}

/**
 * moveShip is game.MoveShip: one tick of input on a live ship (a ship record as protocol.js
 * decodes it), aim, then velocity, then position with wall collision, one axis at a time. It
 * mutates ship and must give the Go integers exactly; the test vectors check that.
 */
export function moveShip(map, cfg, ship, input) {
  if (!isAlive(ship)) return;
  if (input.aimX !== 0 || input.aimY !== 0) {
    const x = input.aimX;
    const y = input.aimY;
    const n = isqrt(x * x + y * y);
    ship.aimX = div(x * 127, n);
    ship.aimY = div(y * 127, n);
  }
  let tx = 0;
  let ty = 0;
  if (input.buttons & Buttons.left) tx -= cfg.shipSpeed;
  if (input.buttons & Buttons.right) tx += cfg.shipSpeed;
  if (input.buttons & Buttons.up) ty -= cfg.shipSpeed;
  if (input.buttons & Buttons.down) ty += cfg.shipSpeed;
  if (tx !== 0 && ty !== 0) {
    tx = div(tx * diagonal, 256);
    ty = div(ty * diagonal, 256);
  }
  ship.vx = approach(ship.vx, tx, cfg.shipAccel);
  ship.vy = approach(ship.vy, ty, cfg.shipAccel);
  ship.x += ship.vx;
  collide(map.walls, ship, true);
  ship.y += ship.vy;
  collide(map.walls, ship, false);
}

/** maxPending bounds the unacknowledged inputs kept for replay (a few seconds of play). */
const maxPending = 256;

/**
 * Predictor keeps the player's own ship ahead of the server. apply runs each input the client
 * sends at once; reconcile restarts from the server's ship and replays what it has not applied.
 */
export class Predictor {
  constructor(map, tickRate) {
    this.map = map;
    this.cfg = moveConfig(tickRate);
    this.pending = [];
    this.ship = null;
  }

  /** apply predicts one input (with its seq) the client is sending now. */
  apply(input) {
    this.pending.push(input);
    if (this.pending.length > maxPending) this.pending.shift();
    if (this.ship !== null) moveShip(this.map, this.cfg, this.ship, input);
  }

  /**
   * reconcile takes the authoritative record of the own ship from the newest snapshot and
   * returns the predicted ship: the server's, moved by every input after its lastSeq.
   */
  reconcile(serverShip) {
    while (this.pending.length > 0 && this.pending[0].seq <= serverShip.lastSeq) this.pending.shift();
    const ship = { ...serverShip };
    for (const input of this.pending) moveShip(this.map, this.cfg, ship, input);
    this.ship = ship;
    return ship;
  }

  /** reset forgets every pending input, for a resync whose keyframe replaces local state. */
  reset() {
    this.pending = [];
    this.ship = null;
  }
}
