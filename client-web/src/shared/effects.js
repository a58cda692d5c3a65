// effects.js makes hits, deaths, respawns and shots felt: detect finds them in two consecutive
// frames of the room (no message says "hit"), and Effects keeps them and draws them on the
// arena at the moment the drawn picture reaches their tick: a flash on the struck ship and a
// marker for its shooter, an explosion, a respawn shimmer, a muzzle flash, and a shake of the
// arena when the player's own ship dies (not for someone who asked for reduced motion).
import { SubPixel } from './map.js';

/** How long each effect lasts, in seconds. */
export const Lifetime = Object.freeze({ hit: 0.16, marker: 0.3, death: 0.85, respawn: 0.6, shot: 0.09, shake: 0.35 });

/** flashHold is how long (seconds) a struck ship stays fully white before it fades back. */
const flashHold = 0.06;

// flashAt returns the whiteness of a ship struck age seconds ago.
function flashAt(age) {
  return age < flashHold ? 1 : 1 - (age - flashHold) / (Lifetime.hit - flashHold);
}

/** shooterRange is how far (world units) from a struck ship a vanished shot may have been. */
const shooterRange = 48 * SubPixel;

/** The explosion: particles, their top speed (arena px/s) and the ring's final radius (px). */
const particles = 30;
const burstSpeed = 230;
const ringRadius = 60;
const blastRadius = 40;

/**
 * detect compares two consecutive frames of the room (see interpolate.js) and returns what
 * happened between them, each `{kind, tick, seat, x, y}` with the position in world units:
 * `hit` (a living ship lost health; `by` is the seat whose shot vanished nearest it, or -1),
 * `death` (also with `by`), `respawn`, and `shot` (a new shot; `angle` is its heading).
 */
export function detect(prev, next) {
  const out = [];
  const tick = next.tick;
  const nextIDs = new Set(next.projectiles.map((p) => p.id));
  const vanished = prev.projectiles.filter((p) => !nextIDs.has(p.id));
  const before = new Map(prev.ships.map((s) => [s.seat, s]));
  for (const s of next.ships) {
    const a = before.get(s.seat);
    if (a === undefined) continue;
    if (a.alive && s.alive && s.health < a.health) {
      out.push({ kind: 'hit', tick, seat: s.seat, by: shooter(vanished, s), x: s.x, y: s.y });
    } else if (a.alive && !s.alive) {
      out.push({ kind: 'death', tick, seat: s.seat, by: shooter(vanished, a), x: a.x, y: a.y });
    } else if (!a.alive && s.alive) {
      out.push({ kind: 'respawn', tick, seat: s.seat, x: s.x, y: s.y });
    }
  }
  const known = new Set(prev.projectiles.map((p) => p.id));
  for (const p of next.projectiles) {
    if (known.has(p.id)) continue;
    const ship = next.ships.find((s) => s.seat === p.owner);
    out.push({ kind: 'shot', tick, seat: p.owner, x: ship?.x ?? p.x, y: ship?.y ?? p.y, angle: Math.atan2(p.vy, p.vx) });
  }
  return out;
}

// shooter returns the owner of the vanished shot that ended nearest ship, or -1.
function shooter(vanished, ship) {
  let best = -1;
  let bestD = shooterRange;
  for (const p of vanished) {
    const d = Math.hypot(p.x + p.vx - ship.x, p.y + p.vy - ship.y);
    if (d < bestD) {
      bestD = d;
      best = p.owner;
    }
  }
  return best;
}

// spread returns n fixed pseudo-random numbers in [0, 1) for seed, so an explosion looks the
// same in every frame it is drawn.
function spread(seed, n) {
  let x = (seed * 2654435761) >>> 0 || 1;
  const out = [];
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.push(x / 4294967296);
  }
  return out;
}

/**
 * Effects holds the effects of one room and draws them at render tick t (fractional ticks, the
 * clock the ships are drawn at). own is the viewer's seat (-1 for a spectator).
 */
export class Effects {
  constructor({ tickRate, own = -1, palette, reducedMotion = false }) {
    this.tickRate = tickRate;
    this.own = own;
    this.palette = palette;
    this.reducedMotion = reducedMotion;
    this.list = [];
    // counts says how many of each kind were shown, for people and tests.
    this.counts = { hit: 0, marker: 0, death: 0, respawn: 0, shot: 0 };
  }

  /** add takes events from detect; lead (ticks) shows them that much earlier. */
  add(events, lead = 0) {
    for (const e of events) {
      this.list.push({ ...e, tick: e.tick - lead });
      this.counts[e.kind]++;
      if (e.kind === 'hit' && e.by === this.own && e.seat !== this.own) this.counts.marker++;
    }
  }

  /** clear forgets every effect, for a new match or a resync. */
  clear() {
    this.list = [];
  }

  /** age returns how long e has shown at render tick t, in seconds (negative before it shows). */
  age(e, t) {
    return (t - e.tick) / this.tickRate;
  }

  /** live returns the effects showing at t, dropping those that are over. */
  live(t) {
    this.list = this.list.filter((e) => this.age(e, t) < Lifetime[e.kind] + Lifetime.marker);
    return this.list.filter((e) => {
      const age = this.age(e, t);
      return age >= 0 && age < Lifetime[e.kind];
    });
  }

  /** flash returns how white seat's ship is drawn at t: 1 at a hit, fading to 0. */
  flash(seat, t) {
    let f = 0;
    for (const e of this.list) {
      const age = this.age(e, t);
      if (e.kind === 'hit' && e.seat === seat && age >= 0 && age < Lifetime.hit) f = Math.max(f, flashAt(age));
    }
    return f;
  }

  /** shake returns the arena's offset in arena pixels at t: a jolt when the own ship dies. */
  shake(t) {
    if (this.reducedMotion || this.own < 0) return { x: 0, y: 0 };
    for (const e of this.list) {
      const age = this.age(e, t);
      if (e.kind === 'death' && e.seat === this.own && age >= 0 && age < Lifetime.shake) {
        const k = 9 * (1 - age / Lifetime.shake);
        return { x: Math.sin(age * 95) * k, y: Math.cos(age * 70) * k };
      }
    }
    return { x: 0, y: 0 };
  }

  /** drawUnder paints, in arena pixels, what lies under the ships: blasts, shimmers, flashes. */
  drawUnder(ctx, t, seatColor) {
    for (const e of this.live(t)) {
      const age = this.age(e, t);
      const x = e.x / SubPixel;
      const y = e.y / SubPixel;
      const color = seatColor(e.seat);
      if (e.kind === 'death') this.explosion(ctx, e, x, y, age, color);
      else if (e.kind === 'respawn') shimmer(ctx, x, y, age, color);
      else if (e.kind === 'shot') muzzle(ctx, x, y, e.angle, age);
    }
    ctx.globalAlpha = 1;
    ctx.globalCompositeOperation = 'source-over';
  }

  /** drawOver paints what lies over the ships: the marker of a hit the viewer made. */
  drawOver(ctx, t) {
    for (const e of this.live(t)) {
      if (e.kind !== 'hit' || e.by !== this.own || e.seat === this.own) continue;
      const age = this.age(e, t);
      const k = 1 - age / Lifetime.marker;
      const x = e.x / SubPixel;
      const y = e.y / SubPixel;
      const r0 = 10 + 6 * (1 - k);
      ctx.globalAlpha = k;
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 3;
      ctx.beginPath();
      for (const [dx, dy] of [[1, 1], [1, -1], [-1, 1], [-1, -1]]) {
        ctx.moveTo(x + dx * r0, y + dy * r0);
        ctx.lineTo(x + dx * (r0 + 9), y + dy * (r0 + 9));
      }
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
  }

  explosion(ctx, e, x, y, age, color) {
    const k = age / Lifetime.death;
    const r = spread(e.seat * 7919 + e.tick, particles * 2);
    ctx.globalCompositeOperation = 'lighter';
    // The blast: a white-hot core that cools through orange.
    const radius = blastRadius * (0.55 + 0.8 * k);
    const core = ctx.createRadialGradient(x, y, 0, x, y, radius);
    core.addColorStop(0, `rgba(255,255,230,${0.95 * (1 - k)})`);
    core.addColorStop(0.35, `rgba(255,170,60,${0.8 * (1 - k)})`);
    core.addColorStop(1, 'rgba(255,80,20,0)');
    ctx.fillStyle = core;
    ctx.beginPath();
    ctx.arc(x, y, radius, 0, 2 * Math.PI);
    ctx.fill();
    // Sparks and debris in the ship's colour, flying out and slowing down.
    const travel = burstSpeed * age * (1 - k / 2);
    for (let i = 0; i < particles; i++) {
      const a = r[2 * i] * 2 * Math.PI;
      const d = travel * (0.35 + 0.65 * r[2 * i + 1]);
      ctx.globalAlpha = Math.max(0, 1 - k * (0.8 + 0.4 * r[2 * i + 1]));
      ctx.fillStyle = i % 3 === 0 ? '#ffd27a' : color;
      const size = 2.5 + 3.5 * r[2 * i + 1] * (1 - k);
      ctx.fillRect(x + Math.cos(a) * d - size / 2, y + Math.sin(a) * d - size / 2, size, size);
    }
    // A shock ring.
    ctx.globalAlpha = Math.max(0, 0.7 * (1 - k));
    ctx.strokeStyle = color;
    ctx.lineWidth = 3 * (1 - k) + 1;
    ctx.beginPath();
    ctx.arc(x, y, ringRadius * Math.sqrt(k), 0, 2 * Math.PI);
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.globalCompositeOperation = 'source-over';
  }
}

// shimmer draws a respawn: a ring of the seat's colour closing in on the ship, with a glow.
function shimmer(ctx, x, y, age, color) {
  const k = age / Lifetime.respawn;
  ctx.globalAlpha = 0.8 * (1 - k);
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  for (const r of [34 * (1 - k) + 14, 22 * (1 - k) + 10]) {
    ctx.beginPath();
    ctx.arc(x, y, r, 0, 2 * Math.PI);
    ctx.stroke();
  }
  ctx.globalAlpha = 0.3 * (1 - k);
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.arc(x, y, 24, 0, 2 * Math.PI);
  ctx.fill();
  ctx.globalAlpha = 1;
}

// muzzle draws the flash at a ship's nose as it fires.
function muzzle(ctx, x, y, angle, age) {
  const k = age / Lifetime.shot;
  const nx = x + Math.cos(angle) * 22;
  const ny = y + Math.sin(angle) * 22;
  ctx.globalCompositeOperation = 'lighter';
  const g = ctx.createRadialGradient(nx, ny, 0, nx, ny, 12);
  g.addColorStop(0, `rgba(255,250,220,${1 - k})`);
  g.addColorStop(1, 'rgba(255,200,90,0)');
  ctx.fillStyle = g;
  ctx.beginPath();
  ctx.arc(nx, ny, 12, 0, 2 * Math.PI);
  ctx.fill();
  ctx.globalCompositeOperation = 'source-over';
}
