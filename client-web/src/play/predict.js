// predict.js moves the player's own ship and fires its gun ahead of the server with ports of
// game.MoveShip, game.Trigger and game.NewShot, and reconciles with every snapshot: inputs the
// server has applied (up to the echoed lastSeq) are dropped, the rest are replayed on top of
// the authoritative ship. The shots those inputs fire are the predicted shots; the server's
// record of each comes in the snapshot that acknowledges its input.
import { SubPixel, TileSize, isSolid } from '../shared/map.js';
import { Buttons, isAlive } from './protocol.js';

/** Tuning of game/config.go that movement and firing depend on. */
const shipSpeedPx = 220; // game.ShipSpeed, pixels per second
const shipHalfPx = 12; // game.ShipHalf
const projectileSpeedPx = 600; // game.ProjectileSpeed
const projectileLifeMs = 1200; // game.ProjectileLifeMS
const fireCooldownMs = 250; // game.FireCooldownMS
const diagonal = 181; // game.diagonal, 1/sqrt(2) in 256ths
const substep = 8 * SubPixel; // game.substep
const tileUnits = TileSize * SubPixel;

/** ticks is game.Config.Ticks: a duration in ms as whole ticks, rounded up, at least one. */
function ticks(ms, tickRate) {
  return Math.max(1, Math.trunc((ms * tickRate + 999) / 1000));
}

/** moveConfig derives the per-tick constants of movement and firing at tickRate Hz. */
export function moveConfig(tickRate) {
  return {
    shipSpeed: Math.trunc((shipSpeedPx * SubPixel) / tickRate),
    shipAccel: Math.min(256, Math.trunc(2048 / tickRate)),
    projectileSpeed: Math.trunc((projectileSpeedPx * SubPixel) / tickRate),
    cooldownTicks: ticks(fireCooldownMs, tickRate),
    lifeTicks: ticks(projectileLifeMs, tickRate),
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

/**
 * trigger is game.Trigger: one tick of input on a live ship's gun. The cooldown runs down, and
 * a held fire button with the gun ready fires and starts it again. It mutates ship and reports
 * whether the ship fired; newShot is the shot.
 */
export function trigger(cfg, ship, input) {
  if (!isAlive(ship)) return false;
  if (ship.cooldown > 0) ship.cooldown--;
  if ((input.buttons & Buttons.fire) === 0 || ship.cooldown > 0) return false;
  ship.cooldown = cfg.cooldownTicks;
  return true;
}

/**
 * newShot is game.NewShot: `{x, y, vx, vy, ttl}`, the shot a ship fires from its centre along
 * its aim with a full life, before the tick that fires it moves it.
 */
export function newShot(cfg, ship) {
  return {
    x: ship.x,
    y: ship.y,
    vx: div(ship.aimX * cfg.projectileSpeed, 127),
    vy: div(ship.aimY * cfg.projectileSpeed, 127),
    ttl: cfg.lifeTicks,
  };
}

function wallAt(map, x, y) {
  return x < 0 || y < 0 || isSolid(map, div(x, tileUnits), div(y, tileUnits));
}

/**
 * flight is game.Map.Flight: how many more ticks the shot p (`{x, y, vx, vy, ttl}`) survives
 * when nothing but walls is in its way; it is gone in the tick after them.
 */
export function flight(map, p) {
  const n = Math.max(div(Math.max(Math.abs(p.vx), Math.abs(p.vy)) + substep - 1, substep), 1);
  let { x, y, ttl } = p;
  for (let t = 0; ; t++) {
    for (let i = 1; i <= n; i++) {
      if (wallAt(map, x + div(p.vx * i, n), y + div(p.vy * i, n))) return t;
    }
    x += p.vx;
    y += p.vy;
    if (ttl <= 1) return t;
    ttl--;
  }
}

/** maxPending bounds the unacknowledged inputs kept for replay (a few seconds of play). */
const maxPending = 256;

/**
 * Predictor keeps the player's own ship ahead of the server. apply runs each input the client
 * sends at once; reconcile restarts from the server's ship and replays what it has not applied.
 * shots holds the shots of the inputs not yet applied, `{seq, x, y, vx, vy, ttl, flight}` as
 * newShot and flight give them, oldest first.
 */
export class Predictor {
  constructor(map, tickRate) {
    this.map = map;
    this.cfg = moveConfig(tickRate);
    this.pending = [];
    this.shots = [];
    this.ship = null;
  }

  /** apply predicts one input (with its seq) the client is sending now. */
  apply(input) {
    this.pending.push(input);
    if (this.pending.length > maxPending) this.pending.shift();
    while (this.shots.length > 0 && this.shots[0].seq < this.pending[0].seq) this.shots.shift();
    if (this.ship !== null) this.step(this.ship, input);
  }

  // step runs one input on ship as game.Step does: move, then the gun.
  step(ship, input) {
    moveShip(this.map, this.cfg, ship, input);
    if (trigger(this.cfg, ship, input)) {
      const shot = newShot(this.cfg, ship);
      this.shots.push({ seq: input.seq, ...shot, flight: flight(this.map, shot) });
    }
  }

  /** newestSeq returns the seq of the newest input the server has not applied, 0 if none. */
  newestSeq() {
    return this.pending.length > 0 ? this.pending[this.pending.length - 1].seq : 0;
  }

  /**
   * reconcile takes the authoritative record of the own ship from the newest snapshot and
   * returns the predicted ship: the server's, moved by every input after its lastSeq.
   */
  reconcile(serverShip) {
    while (this.pending.length > 0 && this.pending[0].seq <= serverShip.lastSeq) this.pending.shift();
    const ship = { ...serverShip };
    this.shots = [];
    for (const input of this.pending) this.step(ship, input);
    this.ship = ship;
    return ship;
  }

  /** reset forgets every pending input, for a resync whose keyframe replaces local state. */
  reset() {
    this.pending = [];
    this.shots = [];
    this.ship = null;
  }
}
