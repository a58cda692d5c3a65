// interpolate.js renders remote entities a little in the past, between two states the client
// has already received, so that they move smoothly despite network jitter: the Playout (or, for
// the spectator page, the TickClock) says which server tick to draw now, and the StateBuffer
// blends the two states around it.

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

/** The bounds of the Playout's delay and of its extrapolation, in ms (interp.Playout's). */
export const PlayoutBounds = Object.freeze({ floorMs: 100, capMs: 250, maxExtrapolationMs: 100 });

const playoutWindowSeconds = 3; // how long arrivals count for the jitter
const playoutMargin = 0.25; // ticks added to the measured jitter
const playoutSlew = 0.1; // the most the drawn tick runs faster or slower than real time
const playoutSnapTicks = 8; // a distance to the target that is jumped at once
const playoutResyncMs = 1000; // a silence after which arrivals start afresh

/**
 * Playout decides which server tick to draw at each moment: as little behind the newest
 * snapshot as the network's jitter allows (a jitter buffer). It is the desktop client's
 * interp.Playout line for line.
 *
 * Each snapshot's arrival, less the time its tick was due on a steady clock, is its offset. The
 * earliest offsets over the last few seconds say when a snapshot arrives at best; how much
 * later the 95th percentile comes is the jitter. The delay behind the earliest arrivals is the
 * widest gap between two snapshots' ticks plus that jitter plus a margin, between a floor and a
 * cap. The drawn tick follows the target at between 0.9 and 1.1 times real speed, so a change
 * of delay is never a jump; when a snapshot is later than that, the picture carries the ships
 * on for at most maxExtrapolationMs, then holds still (a stall). stats counts
 * `{extrapolatedMs, stalls, frozenMs}`: how long the drawn tick was past the newest snapshot
 * (stalls included), how often it held still, and for how long.
 */
export class Playout {
  constructor(tickRate) {
    this.tickMs = 1000 / tickRate;
    this.floor = PlayoutBounds.floorMs / this.tickMs;
    this.cap = PlayoutBounds.capMs / this.tickMs;
    this.window = playoutWindowSeconds * tickRate;
    this.live = true;
    this.delay = this.floor;
    this.stats = { extrapolatedMs: 0, stalls: 0, frozenMs: 0 };
    this.reset();
  }

  /** reset forgets every arrival and the drawn tick, for a new match or a resync. */
  reset() {
    this.offsets = [];
    this.gaps = [];
    this.ring = 0;
    this.synced = false;
    this.drawing = false;
    this.stalled = false;
  }

  /**
   * setLive says whether the room is running. Only then do snapshots keep coming, so only
   * then is a missing one late: otherwise the picture holds at the newest. A room that starts
   * running again has been silent: the clock waits for its next snapshot.
   */
  setLive(live) {
    if (live && !this.live) this.synced = false;
    this.live = live;
  }

  /** delayMs returns the current delay behind the earliest arrivals. */
  get delayMs() {
    return this.delay * this.tickMs;
  }

  /** arrive records that the snapshot of tick arrived at local time at (ms). */
  arrive(tick, at) {
    if (!this.synced || tick <= this.newest || at - this.lastAt > playoutResyncMs) {
      this.offsets = [];
      this.gaps = [];
      this.ring = 0;
      this.origin = at - tick * this.tickMs;
      this.newest = tick - 1;
      this.synced = true;
    }
    const off = (at - this.origin) / this.tickMs - tick;
    const gap = tick - this.newest;
    if (this.offsets.length < this.window) {
      this.offsets.push(off);
      this.gaps.push(gap);
    } else {
      this.offsets[this.ring] = off;
      this.gaps[this.ring] = gap;
      this.ring = (this.ring + 1) % this.window;
    }
    this.newest = tick;
    this.lastAt = at;
    const sorted = [...this.offsets].sort((a, b) => a - b);
    this.earliest = sorted[0];
    const jitter = sorted[Math.trunc(((sorted.length - 1) * 95) / 100)] - this.earliest;
    this.delay = Math.min(Math.max(Math.max(...this.gaps) + jitter + playoutMargin, this.floor), this.cap);
  }

  /**
   * draw returns the tick to draw at local time now (ms), between oldest and newest, the ticks
   * of the states held, or a little past the newest. Calls must not go back in time.
   */
  draw(now, oldest, newest) {
    if (!this.synced) return newest;
    const want = (now - this.origin) / this.tickMs - this.earliest - this.delay;
    let elapsed = 0;
    if (!this.drawing || now - this.drawnAt > playoutResyncMs || Math.abs(want - this.drawn) > playoutSnapTicks) {
      this.drawn = want;
      this.drawing = true;
    } else {
      elapsed = now - this.drawnAt;
      const dt = elapsed / this.tickMs;
      const next = this.drawn + dt;
      this.drawn = next + Math.max(-playoutSlew * dt, Math.min(playoutSlew * dt, want - next));
    }
    this.drawnAt = now;
    const limit = newest + (this.live ? PlayoutBounds.maxExtrapolationMs / this.tickMs : 0);
    if (this.drawn >= limit) {
      if (this.live && !this.stalled) this.stats.stalls++;
      if (this.stalled) this.stats.frozenMs += elapsed;
      // Held here, the picture goes on from here when snapshots come again.
      this.stalled = this.live;
      this.drawn = limit;
    } else {
      this.stalled = false;
    }
    if (this.drawn > newest && this.live) this.stats.extrapolatedMs += elapsed;
    // Before the oldest state (only just started) the picture waits for the clock.
    return Math.max(this.drawn, oldest);
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

  /** oldest returns the earliest state or undefined. */
  oldest() {
    return this.states[0];
  }

  /**
   * at returns `{from, to, alpha, ahead}` for the fractional tick t: the states just before
   * and after t and how far t is between them (0..1). Before the oldest state it holds the
   * oldest; after the newest it holds the newest (alpha 0, from === to) and says by how many
   * ticks t is past it (ahead), for shipsAt to carry the ships on.
   */
  at(t) {
    const s = this.states;
    if (s.length === 0) return undefined;
    if (t <= s[0].tick) return { from: s[0], to: s[0], alpha: 0, ahead: 0 };
    const last = s[s.length - 1];
    if (t >= last.tick) return { from: last, to: last, alpha: 0, ahead: t - last.tick };
    let i = s.length - 1;
    while (s[i - 1].tick > t) i--;
    const from = s[i - 1];
    const to = s[i];
    return { from, to, alpha: (t - from.tick) / (to.tick - from.tick), ahead: 0 };
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
 * arena: it stays as it was in the earlier frame until the later one is reached. Past the
 * newest frame, ships with a velocity (vx, vy, per tick) carry on along it.
 */
export function shipsAt({ from, to, alpha, ahead = 0 }) {
  return to.ships.map((b) => {
    const a = from.ships.find((s) => s.seat === b.seat) ?? b;
    const jump = a.alive !== b.alive || Math.abs(b.x - a.x) + Math.abs(b.y - a.y) > teleport;
    if (jump || a === b) {
      const s = alpha < 1 && jump ? a : b;
      return { ...s, x: s.x + (s.vx ?? 0) * ahead, y: s.y + (s.vy ?? 0) * ahead, angle: Math.atan2(s.aimY, s.aimX) };
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
