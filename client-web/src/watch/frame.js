// frame.js turns the spectator feed's JSON (server/internal/spectate, in pixels) into the
// frames the shared interpolation and renderer work with (world units), and the status into
// what the scoreboard and the overlays show.
import { SubPixel } from '../shared/map.js';

/** aimLength is the length of a ship's aim vector in frames (protocol ShipAimX/Y). */
const aimLength = 127;

/**
 * toFrame converts a snapshot event's data into a frame for StateBuffer:
 * `{tick, ships: [{seat, x, y, aimX, aimY, alive, health}], projectiles: [{id, owner, x, y, vx, vy}]}`.
 */
export function toFrame(snap) {
  return {
    tick: snap.tick,
    ships: snap.ships.map((s) => ({
      seat: s.seat,
      x: s.x * SubPixel,
      y: s.y * SubPixel,
      aimX: Math.cos(s.aim) * aimLength,
      aimY: Math.sin(s.aim) * aimLength,
      alive: s.alive,
      health: s.hp,
    })),
    projectiles: snap.shots.map((p) => ({
      id: p.id,
      owner: p.owner,
      x: p.x * SubPixel,
      y: p.y * SubPixel,
      vx: p.vx * SubPixel,
      vy: p.vy * SubPixel,
    })),
  };
}

/**
 * scoreRows merges the roster of the latest status with the scores of the latest snapshot
 * (fresher: a status comes only on roster changes) into the HUD's scoreboard rows.
 */
export function scoreRows(status, snap) {
  const scores = new Map((snap?.ships ?? []).map((s) => [s.seat, s]));
  return (status?.players ?? []).map((p) => ({
    seat: p.seat,
    name: p.name,
    bot: p.bot,
    connected: p.connected,
    own: false,
    frags: scores.get(p.seat)?.frags ?? p.frags,
    deaths: scores.get(p.seat)?.deaths ?? p.deaths,
  }));
}

/** nameOf returns the name of a seat in a status, or "seat N". */
export function nameOf(status, seat) {
  return status?.players?.find((p) => p.seat === seat)?.name ?? `seat ${seat}`;
}

/**
 * msLeft returns how long the state of a status has left when the server's clock reads
 * serverNow (Unix ms). Status and snapshots carry server times, so a page whose own clock is
 * off still counts down right.
 */
export function msLeft(status, serverNow) {
  return status?.ends ? Math.max(0, status.ends - serverNow) : 0;
}

/** ClockOffset follows how far the server's clock is ahead of this page's Date.now(). */
export class ClockOffset {
  constructor() {
    this.offset = 0;
  }

  /** observe takes a server time (Unix ms) just received at local time local. */
  observe(server, local) {
    this.offset = server - local;
  }

  /** serverNow returns the server's clock now, as far as this page knows. */
  serverNow(local) {
    return local + this.offset;
  }
}
