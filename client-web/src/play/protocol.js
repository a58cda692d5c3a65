// protocol.js is the browser side of the player wire protocol
// (game/protocol/PROTOCOL.md): one msgpack array per binary WebSocket frame, tagged by its
// first element. decode turns a frame into a plain object; the encode* functions build the
// frames a client sends; RoomState holds the state a stream of keyframes and deltas describes.
import { Decoder, Encoder } from '@msgpack/msgpack';

/** Version is the protocol version a hello announces. */
export const Version = 1;

/** MaxName is the longest player name the server accepts, in characters (protocol.MaxName). */
export const MaxName = 16;

/** Tag numbers the message types on the wire. */
export const Tag = Object.freeze({
  hello: 1,
  input: 2,
  ping: 3,
  bye: 4,
  start: 5,
  welcome: 16,
  snapshot: 17,
  delta: 18,
  events: 19,
  status: 20,
  pong: 21,
  error: 22,
});

/** Buttons is the bit set of controls an input carries. */
export const Buttons = Object.freeze({ up: 1, down: 2, left: 4, right: 8, fire: 16 });

/** RoomStateCode names the room states of a snapshot or status. */
export const RoomStateCode = Object.freeze({ waiting: 1, countdown: 2, running: 3, paused: 4, ended: 5 });

/** EventKind names the kinds of an events message. */
export const EventKind = Object.freeze({ frag: 1, respawn: 2, matchOver: 3, cheer: 4, joined: 5, left: 6 });

/** ShipFlags are the bits of a ship record's flags field. */
export const ShipFlags = Object.freeze({ active: 1, alive: 2 });

/**
 * ShipFields lists a ship record's fields in wire order. Bit N-1 of a delta ship entry's mask
 * stands for ShipFields[N], which is why the order here is the wire order and nothing else.
 */
export const ShipFields = Object.freeze([
  'seat', 'flags', 'x', 'y', 'vx', 'vy', 'aimX', 'aimY',
  'health', 'frags', 'deaths', 'respawnIn', 'lastSeq', 'cooldown',
]);

const projectileFields = Object.freeze(['id', 'owner', 'x', 'y', 'vx', 'vy', 'ttl', 'seq']);

/** ProtocolError is thrown for a frame that does not follow the protocol. */
export class ProtocolError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ProtocolError';
  }
}

const decoder = new Decoder();
const encoder = new Encoder();

function need(cond, what) {
  if (!cond) throw new ProtocolError(what);
}

function int(v, what) {
  need(Number.isInteger(v), `${what}: want an integer, got ${typeof v === 'number' ? v : typeof v}`);
  return v;
}

function str(v, what) {
  need(typeof v === 'string', `${what}: want a string, got ${typeof v}`);
  return v;
}

function arr(v, what, min = 0) {
  need(Array.isArray(v), `${what}: want an array, got ${typeof v}`);
  need(v.length >= min, `${what}: ${v.length} elements, want at least ${min}`);
  return v;
}

function bool(v, what) {
  need(typeof v === 'boolean', `${what}: want a boolean, got ${typeof v}`);
  return v;
}

function record(fields, a, what) {
  arr(a, what, fields.length);
  const r = {};
  for (let i = 0; i < fields.length; i++) r[fields[i]] = int(a[i], `${what} ${fields[i]}`);
  return r;
}

/** decodeShip turns a ship record into an object keyed by ShipFields. */
function decodeShip(a) {
  return record(ShipFields, a, 'ship');
}

function decodeProjectile(a) {
  return record(projectileFields, a, 'projectile');
}

/** shipMaskAll is the mask of a delta ship entry that changes every field after the seat. */
const shipMaskAll = 2 ** (ShipFields.length - 1) - 1;

/**
 * decodeShipChange turns a delta ship entry [seat, mask, changes...] into [seat, d1, ..., d13],
 * where dN is the change of ShipFields[N]: the next change if bit N-1 of mask is set, else 0.
 * The entry must be exact, as the Go decoder requires: a mask of 1..shipMaskAll, one change
 * per set bit and no more, and no change of 0.
 */
function decodeShipChange(e) {
  arr(e, 'ship delta', 2);
  const seat = int(e[0], 'ship delta seat');
  const mask = int(e[1], 'ship delta mask');
  need(mask >= 1 && mask <= shipMaskAll, `ship delta for seat ${seat}: mask ${mask} out of range [1, ${shipMaskAll}]`);
  let want = 2;
  for (let f = 1; f < ShipFields.length; f++) if (mask & (1 << (f - 1))) want++;
  need(e.length === want, `ship delta for seat ${seat}: ${e.length} elements, mask ${mask} wants ${want}`);
  const d = [seat];
  let k = 2;
  for (let f = 1; f < ShipFields.length; f++) {
    if ((mask & (1 << (f - 1))) === 0) {
      d.push(0);
      continue;
    }
    const v = int(e[k++], `ship delta ${ShipFields[f]}`);
    need(v !== 0, `ship delta for seat ${seat}: ${ShipFields[f]} marked changed by 0`);
    d.push(v);
  }
  return d;
}

function decodeShipChanges(a) {
  const ships = a.map(decodeShipChange);
  for (let i = 1; i < ships.length; i++) need(ships[i][0] > ships[i - 1][0], 'delta ships: seats not in ascending order');
  return ships;
}

const decoders = {
  [Tag.welcome](m) {
    arr(m, 'welcome', 9);
    return {
      type: 'welcome',
      seat: int(m[1], 'welcome seat'),
      token: str(m[2], 'welcome token'),
      tickRate: int(m[3], 'welcome tickRate'),
      map: str(m[4], 'welcome map'),
      seats: int(m[5], 'welcome seats'),
      room: str(m[6], 'welcome room'),
      fragLimit: int(m[7], 'welcome fragLimit'),
      timeLimit: int(m[8], 'welcome timeLimit'),
    };
  },
  [Tag.snapshot](m) {
    arr(m, 'snapshot', 5);
    return {
      type: 'snapshot',
      tick: int(m[1], 'snapshot tick'),
      state: int(m[2], 'snapshot state'),
      ships: arr(m[3], 'snapshot ships').map(decodeShip),
      projectiles: arr(m[4], 'snapshot projectiles').map(decodeProjectile),
    };
  },
  [Tag.delta](m) {
    arr(m, 'delta', 7);
    return {
      type: 'delta',
      tick: int(m[1], 'delta tick'),
      baseTick: int(m[2], 'delta baseTick'),
      state: int(m[3], 'delta state'),
      ships: decodeShipChanges(arr(m[4], 'delta ships')),
      spawned: arr(m[5], 'delta spawned').map(decodeProjectile),
      removed: arr(m[6], 'delta removed').map((v) => int(v, 'removed id')),
    };
  },
  [Tag.events](m) {
    arr(m, 'events', 2);
    return {
      type: 'events',
      events: arr(m[1], 'events list').map((e) => {
        arr(e, 'event', 5);
        return {
          kind: int(e[0], 'event kind'),
          tick: int(e[1], 'event tick'),
          a: int(e[2], 'event a'),
          b: int(e[3], 'event b'),
          text: str(e[4], 'event text'),
        };
      }),
    };
  },
  [Tag.status](m) {
    arr(m, 'status', 6);
    return {
      type: 'status',
      state: int(m[1], 'status state'),
      stateEnds: int(m[2], 'status stateEnds'),
      players: arr(m[3], 'status players').map((p) => {
        arr(p, 'player', 6);
        return {
          seat: int(p[0], 'player seat'),
          name: str(p[1], 'player name'),
          bot: bool(p[2], 'player bot'),
          connected: bool(p[3], 'player connected'),
          frags: int(p[4], 'player frags'),
          deaths: int(p[5], 'player deaths'),
        };
      }),
      missing: arr(m[4], 'status missing').map((v) => int(v, 'missing seat')),
      results: arr(m[5], 'status results').map((r) => {
        arr(r, 'result', 3);
        return { seat: int(r[0], 'result seat'), frags: int(r[1], 'result frags'), deaths: int(r[2], 'result deaths') };
      }),
    };
  },
  [Tag.pong](m) {
    arr(m, 'pong', 3);
    return { type: 'pong', clientTime: int(m[1], 'pong clientTime'), tick: int(m[2], 'pong tick') };
  },
  [Tag.error](m) {
    arr(m, 'error', 3);
    return { type: 'error', code: int(m[1], 'error code'), message: str(m[2], 'error message') };
  },
};

/**
 * decode parses one server frame (an ArrayBuffer or a byte view) into a message object whose
 * `type` names it (`unknown` for a server message type this page does not know). Extra
 * trailing elements, which later protocol versions may append, are ignored; anything else
 * malformed throws a ProtocolError.
 */
export function decode(frame) {
  const bytes = frame instanceof ArrayBuffer ? new Uint8Array(frame) : frame;
  let m;
  try {
    m = decoder.decode(bytes);
  } catch (err) {
    throw new ProtocolError(`not msgpack: ${err.message}`);
  }
  arr(m, 'message', 1);
  const fn = decoders[m[0]];
  if (fn !== undefined) return fn(m);
  // A later server may add message types; they are of no use to this page, but no reason to
  // drop the connection either. A client-side tag, however, is a message sent the wrong way.
  need(Number.isInteger(m[0]) && m[0] >= 16, `unknown message type ${m[0]}`);
  return { type: 'unknown', tag: m[0] };
}

/** encodeHello builds the first frame of every connection; token '' asks for a new seat. */
export function encodeHello(name, room, token = '') {
  return encoder.encode([Tag.hello, Version, name, room, token]);
}

function clampInt(v, lo, hi) {
  return Math.max(lo, Math.min(hi, Math.round(v)));
}

/**
 * encodeInput builds an input frame. view is the tick at which the page drew the other ships
 * (0 if unknown), for the server's lag compensation. Aim components and view are rounded and
 * clamped to their ranges because the encoder would write any fraction as a float64, which
 * the server refuses.
 */
export function encodeInput(seq, buttons, aimX, aimY, view = 0) {
  return encoder.encode([
    Tag.input, seq, buttons & 0xff, clampInt(aimX, -32768, 32767), clampInt(aimY, -32768, 32767), clampInt(view, 0, 2 ** 32 - 1),
  ]);
}

/** encodePing builds a ping carrying a whole-millisecond client time to be echoed. */
export function encodePing(clientTime) {
  return encoder.encode([Tag.ping, Math.max(0, Math.round(clientTime))]);
}

/** encodeBye builds the frame that leaves the room on purpose. */
export function encodeBye() {
  return encoder.encode([Tag.bye]);
}

/** encodeStart builds the frame that asks a waiting room to start now, with bots. */
export function encodeStart() {
  return encoder.encode([Tag.start]);
}

/** isAlive reports whether a ship record's flags say it is in play and alive. */
export function isAlive(ship) {
  return (ship.flags & (ShipFlags.active | ShipFlags.alive)) === (ShipFlags.active | ShipFlags.alive);
}

/** isActive reports whether a ship record's seat is in play. */
export function isActive(ship) {
  return (ship.flags & ShipFlags.active) !== 0;
}

/**
 * RoomState is the room's state at one tick, as rebuilt from a keyframe and the deltas after
 * it. It is immutable: apply returns a new RoomState, so the interpolation buffer can keep
 * earlier ones.
 */
export class RoomState {
  constructor(tick, state, ships, projectiles) {
    this.tick = tick;
    this.state = state;
    this.ships = ships;
    this.projectiles = projectiles;
    Object.freeze(this);
  }

  /** fromKeyframe builds the state a snapshot message describes. */
  static fromKeyframe(msg) {
    return new RoomState(msg.tick, msg.state, msg.ships.map((s) => ({ ...s })), msg.projectiles.map((p) => ({ ...p })));
  }

  /**
   * applyDelta returns the state at delta.tick. The delta must be based on this state's tick:
   * the server sends deltas only against the tick a connection last received, so a mismatch
   * means a lost frame and the caller must wait for a keyframe.
   */
  applyDelta(delta) {
    if (delta.baseTick !== this.tick || delta.tick !== this.tick + 1) {
      throw new ProtocolError(`delta for tick ${delta.tick} is based on tick ${delta.baseTick}, have tick ${this.tick}`);
    }
    const ships = this.ships.map((s) => ({ ...s }));
    for (const d of delta.ships) {
      const ship = ships.find((s) => s.seat === d[0]);
      if (ship === undefined) throw new ProtocolError(`delta for unknown seat ${d[0]}`);
      for (let i = 1; i < ShipFields.length; i++) ship[ShipFields[i]] += d[i];
    }
    // Shots not mentioned fly on in a straight line; a spawned record replaces the shot with
    // its id (a new shot, or one whose course changed).
    const gone = new Set(delta.removed);
    for (const p of delta.spawned) gone.add(p.id);
    const projectiles = [];
    for (const p of this.projectiles) {
      if (!gone.has(p.id)) projectiles.push({ ...p, x: p.x + p.vx, y: p.y + p.vy, ttl: Math.max(0, p.ttl - 1) });
    }
    for (const p of delta.spawned) projectiles.push({ ...p });
    projectiles.sort((a, b) => a.id - b.id);
    return new RoomState(delta.tick, delta.state, ships, projectiles);
  }

  /** ship returns the record of seat, or undefined. */
  ship(seat) {
    return this.ships.find((s) => s.seat === seat);
  }
}
