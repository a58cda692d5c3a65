// interpolate.js renders remote entities a little in the past, between two states the client
// has already received, so that they move smoothly despite network jitter: the TickClock
// estimates the server's current tick from arrivals, and the StateBuffer blends the two states
// around "now minus the interpolation delay".

/**
 * TickClock estimates which (fractional) server tick it is now on the local clock. Each
 * received tick is a sample; the estimate follows the samples gently so that jitter does not
 * make rendered motion stutter, and jumps when it is far off (after a pause or a resync).
 */
export class TickClock {
  /** tickRate is the room's rate in Hz; snapAfter is how many ticks of error force a jump. */
  constructor(tickRate, snapAfter = 8) {
    this.tickMs = 1000 / tickRate;
    this.snapAfter = snapAfter;
    this.base = null; // {tick, at}: the estimate is base.tick + (now - base.at) / tickMs
  }

  /** now returns the estimated server tick at local time t (ms), or null before any sample. */
  now(t) {
    if (this.base === null) return null;
    return this.base.tick + (t - this.base.at) / this.tickMs;
  }

  /**
   * observe takes a tick received at local time t. Samples arrive late by a varying delay, so
   * a late one pulls the estimate back only a little while an early one (the least delayed
   * so far) pulls it forward at once: the estimate tracks the lower envelope of the delay.
   */
  observe(tick, t) {
    const est = this.now(t);
    if (est === null || Math.abs(tick - est) > this.snapAfter) {
      this.base = { tick, at: t };
      return;
    }
    const err = tick - est;
    const gain = err > 0 ? 1 : 0.05;
    this.base = { tick: est + err * gain, at: t };
  }

  /** reset forgets the estimate, for a room that paused or a connection that resynced. */
  reset() {
    this.base = null;
  }
}

/**
 * StateBuffer keeps the recent room states by tick and samples them at fractional ticks. A
 * state is anything with a numeric `tick`; blend decides how two of them mix.
 */
export class StateBuffer {
  constructor(capacity = 64) {
    this.capacity = capacity;
    this.states = [];
  }

  /** push adds a state newer than every other; an older or repeated tick clears the buffer. */
  push(state) {
    const last = this.states[this.states.length - 1];
    if (last !== undefined && state.tick <= last.tick) this.states = [];
    this.states.push(state);
    if (this.states.length > this.capacity) this.states.shift();
  }

  /** clear drops every state, for a resync whose keyframe replaces local state. */
  clear() {
    this.states = [];
  }

  /** newest returns the latest state or undefined. */
  newest() {
    return this.states[this.states.length - 1];
  }

  /**
   * at returns `{from, to, alpha}` for the fractional tick t: the states just before and after
   * t and how far t is between them (0..1). Before the oldest state it holds the oldest; after
   * the newest it holds the newest (alpha 0, from === to), never guessing ahead.
   */
  at(t) {
    const s = this.states;
    if (s.length === 0) return undefined;
    if (t <= s[0].tick) return { from: s[0], to: s[0], alpha: 0 };
    const last = s[s.length - 1];
    if (t >= last.tick) return { from: last, to: last, alpha: 0 };
    let i = s.length - 1;
    while (s[i - 1].tick > t) i--;
    const from = s[i - 1];
    const to = s[i];
    return { from, to, alpha: (t - from.tick) / (to.tick - from.tick) };
  }
}

/** lerp mixes a and b by alpha. */
export function lerp(a, b, alpha) {
  return a + (b - a) * alpha;
}

/**
 * lerpAim mixes two aim directions by angle rather than by component, so that a turn through
 * the opposite direction does not shrink the aim to nothing half-way.
 */
export function lerpAim(ax, ay, bx, by, alpha) {
  const a = Math.atan2(ay, ax);
  let d = Math.atan2(by, bx) - a;
  if (d > Math.PI) d -= 2 * Math.PI;
  if (d < -Math.PI) d += 2 * Math.PI;
  return a + d * alpha;
}

/**
 * A frame is what the pages buffer per tick, whatever feed it came from:
 * `{tick, ships: [{seat, x, y, aimX, aimY, alive, health}], projectiles: [{id, owner, x, y, vx, vy}]}`
 * with positions in world units and velocities in world units per tick.
 */

/** teleport is the distance (world units) beyond which a move between two ticks is a jump. */
const teleport = 4 * 32 * 8;

/** maxExtrapolation bounds how far past the newest frame projectiles are carried on, in ticks. */
const maxExtrapolation = 3;

/**
 * shipsAt blends the ships of a sample from StateBuffer.at into render positions with an
 * angle. A ship that died, respawned or jumped between the two frames is not slid across the
 * arena: it stays as it was in the earlier frame until the later one is reached.
 */
export function shipsAt({ from, to, alpha }) {
  return to.ships.map((b) => {
    const a = from.ships.find((s) => s.seat === b.seat) ?? b;
    const jump = a.alive !== b.alive || Math.abs(b.x - a.x) + Math.abs(b.y - a.y) > teleport;
    if (jump || a === b) {
      const s = alpha < 1 && jump ? a : b;
      return { ...s, angle: Math.atan2(s.aimY, s.aimX) };
    }
    return {
      ...b,
      x: lerp(a.x, b.x, alpha),
      y: lerp(a.y, b.y, alpha),
      angle: lerpAim(a.aimX, a.aimY, b.aimX, b.aimY, alpha),
    };
  });
}

/**
 * projectilesAt places the projectiles of a sample at the fractional tick t: each shot flies
 * in a straight line, so its position is its record's plus its velocity times the ticks since.
 * Past the newest frame shots are carried on for a few ticks at most, so that they keep moving
 * through a late packet without flying through walls for long.
 */
export function projectilesAt({ from }, t) {
  const dt = Math.min(t - from.tick, maxExtrapolation);
  return from.projectiles.map((p) => ({ ...p, x: p.x + p.vx * dt, y: p.y + p.vy * dt }));
}
