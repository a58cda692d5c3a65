// shots.js draws the player's own shots in the predicted present, where the own ship is, not
// in the interpolated past where the other ships are: a shot leaves the ship the moment the
// input that fires it is made. Shots of inputs the server has not applied come from the
// Predictor; the server's records of the others, from the newest snapshot, are carried on by
// as many ticks as the prediction runs ahead of it. Both fly straight, so a predicted shot and
// the server's record of it are drawn at the same spot and the swap cannot be seen. A shot
// stops at the first wall on its way (flight), and at the first ship it meets on the screen,
// before the server says so a round trip later.
import { flight } from './predict.js';

/** hitRadius is game.HitRadius in world units: a shot this close to a ship's centre hits it. */
const hitRadius = 16 * 8;

/** spentMax bounds the shots remembered as having met a ship, far more than fly at once. */
const spentMax = 16;

/**
 * OwnShots places one player's shots. A shot is `{x, y, vx, vy, ttl, seq}` in world units; the
 * shots it returns are `{id, owner, seq, x, y, vx, vy}`, id 0 while the server has not
 * confirmed one.
 */
export class OwnShots {
  constructor(map, seat) {
    this.map = map;
    this.seat = seat;
    this.spent = new Set(); // seqs of shots seen meeting a ship, oldest first
  }

  /**
   * place returns the own shots to draw. records are the projectile records of the newest
   * snapshot (other owners' are skipped), predictor the Predictor after reconciling with it,
   * ahead how many ticks past that snapshot the own ship is drawn (fractions allowed), and
   * ships the ships as drawn, `{seat, x, y, alive}`.
   */
  place(records, predictor, ahead, ships) {
    const out = [];
    for (const r of records) {
      if (r.owner === this.seat) this.add(out, r, flight(this.map, r), ahead, ships);
    }
    // A predicted shot is where it was before the tick that fired it: one tick behind the
    // newest snapshot's records of the inputs before it.
    const n = predictor.newestSeq();
    const base = ahead + 1 - predictor.pending.length;
    for (const s of predictor.shots) this.add(out, { ...s, id: 0, owner: this.seat }, s.flight, base + n - s.seq, ships);
    return out;
  }

  // add puts shot p, age ticks after its record, into out unless it has met a wall (it flies
  // fl more ticks) or a ship on the screen by then. The age of a record may be down to -1: the
  // own ship is drawn up to a tick behind the newest prediction, and a shot is a tick out of
  // the ship in the snapshot of the tick that fired it.
  add(out, p, fl, age, ships) {
    if (age >= fl + 1 || this.spent.has(p.seq)) return;
    const x = p.x + p.vx * age;
    const y = p.y + p.vy * age;
    for (const s of ships) {
      if (s.seat !== this.seat && s.alive && Math.hypot(s.x - x, s.y - y) < hitRadius) {
        this.spend(p.seq);
        return;
      }
    }
    out.push({ id: p.id, owner: this.seat, seq: p.seq, x, y, vx: p.vx, vy: p.vy });
  }

  // spend remembers that the shot of input seq met a ship on the screen, so that the server's
  // record of it is not drawn flying on until the server reports the hit. Shots no input of
  // this client fired (seq 0) cannot be told apart and are not remembered.
  spend(seq) {
    if (seq === 0) return;
    this.spent.add(seq);
    if (this.spent.size > spentMax) this.spent.delete(this.spent.values().next().value);
  }
}
