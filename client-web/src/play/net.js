// net.js keeps a player connected: one WebSocket at a time, the hello that opens (or resumes)
// the seat, keepalive pings, silence detection, and reconnection with exponential backoff and
// jitter until the server gives a final refusal. The decisions live in Reconnector, a plain
// state machine with no timers or sockets, so they can be tested on their own; Session wires it
// to a real WebSocket.
import { decode, encodeBye, encodeHello, encodePing } from './protocol.js';

/** Close codes of the protocol (protocol.Code). */
export const Code = Object.freeze({
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  noStatus: 1005,
  abnormal: 1006,
  badData: 1007,
  policy: 1008,
  tooBig: 1009,
  internal: 1011,
  replaced: 4000,
  stuck: 4001,
  keepalive: 4002,
  busy: 4003,
  moved: 4310,
  badMessage: 4500,
  unknownType: 4501,
  textFrame: 4502,
  badVersion: 4503,
  unknownRoom: 4504,
  roomFull: 4505,
  badToken: 4506,
  badName: 4507,
  seatLost: 4508,
  roomClosed: 4509,
  removed: 4510,
});

const finalWords = {
  [Code.normal]: 'The server closed the connection.',
  [Code.protocolError]: 'The server refused a malformed frame from this page.',
  [Code.badData]: 'The server refused text from this page that was not UTF-8.',
  [Code.policy]: 'The server refused the connection (policy).',
  [Code.tooBig]: 'The server refused a message that was too big.',
  [Code.replaced]: 'This seat was taken over by another window or client.',
  [Code.badVersion]: 'This page is out of date: reload it to play.',
  [Code.unknownRoom]: 'There is no room with that code.',
  [Code.roomFull]: 'That room is full.',
  [Code.badToken]: 'Your seat in this room is no longer valid.',
  [Code.badName]: 'That name is not allowed: use 1 to 16 characters.',
  [Code.seatLost]: 'Another player took your seat while you were away.',
  [Code.roomClosed]: 'An operator closed this room.',
  [Code.removed]: 'An operator removed you from this room.',
};

const retryWords = {
  [Code.goingAway]: 'The server is going away; trying to reconnect…',
  [Code.stuck]: 'The connection fell behind; reconnecting…',
  [Code.keepalive]: 'The server heard nothing from us; reconnecting…',
  [Code.busy]: 'The server is full right now; trying again shortly…',
  [Code.moved]: 'The match moved to another server; following it…',
  [Code.internal]: 'The server had an internal error; reconnecting…',
};

/**
 * verdict says what a closed connection means for the seat: `{final, message, forgetToken}`.
 * A normal close, codes 4500-4999, protocol, data, policy and size refusals are final
 * (retrying the same request cannot help); so is 4000, because another connection now holds
 * the seat and taking it back automatically would make two clients fight over it forever.
 * Everything else (a lost connection, a server going away or full, 4001-4499) is worth
 * retrying with the same token.
 */
export function verdict(code) {
  const refused = [Code.normal, Code.protocolError, Code.badData, Code.policy, Code.tooBig, Code.replaced];
  const final = refused.includes(code) || (code >= 4500 && code <= 4999);
  if (final) {
    return {
      final,
      message: finalWords[code] ?? `The server refused to continue (code ${code}).`,
      forgetToken: [Code.badToken, Code.seatLost, Code.unknownRoom, Code.roomClosed, Code.removed].includes(code),
    };
  }
  return { final, message: retryWords[code] ?? 'Connection lost; reconnecting…', forgetToken: false };
}

/**
 * backoff returns the delay in ms before reconnection attempt n (0-based): exponential from
 * base up to max, with "equal jitter" (a random half on top of a fixed half) so that clients
 * dropped together by one failure do not all come back in the same instant.
 */
export function backoff(n, { base = 250, max = 3000 } = {}, random = Math.random) {
  const cap = Math.min(max, base * 2 ** Math.min(n, 30));
  return cap / 2 + random() * (cap / 2);
}

/** TokenStore keeps session tokens per room in a Storage (localStorage in the page). */
export class TokenStore {
  constructor(storage) {
    this.storage = storage;
  }

  get(room) {
    return this.storage?.getItem(`skirmish.token.${room}`) ?? '';
  }

  set(room, token) {
    this.storage?.setItem(`skirmish.token.${room}`, token);
  }

  forget(room) {
    this.storage?.removeItem(`skirmish.token.${room}`);
  }
}

/**
 * Reconnector is the connection state machine. Its state is `connecting` (first attempt),
 * `open` (welcomed), `reconnecting` (waiting for or making another attempt) or `closed`
 * (final: a refusal, a bye, or too many attempts). It remembers the session token so every
 * hello after the first welcome resumes the same seat.
 */
export class Reconnector {
  constructor({ room, name, tokens, maxAttempts = 40, backoffOpts = {}, random = Math.random }) {
    this.room = room;
    this.name = name;
    this.tokens = tokens;
    this.maxAttempts = maxAttempts;
    this.backoffOpts = backoffOpts;
    this.random = random;
    this.state = 'connecting';
    this.attempts = 0;
    this.moves = 0; // 4310s since the last welcome
    this.refusal = null; // the last error message the server sent, if any
    this.message = '';
    this.left = false; // the player left on purpose (leave)
  }

  /** hello returns the fields of the next hello: a new seat, or the stored token's seat. */
  hello() {
    return { name: this.name, room: this.room, token: this.tokens.get(this.room) };
  }

  /** welcomed records an accepted hello: the token to resume with and a fresh backoff. */
  welcomed(token) {
    this.tokens.set(this.room, token);
    this.state = 'open';
    this.attempts = 0;
    this.moves = 0;
    this.refusal = null;
    this.message = '';
  }

  /** refused records an error message from the server, which a close usually follows. */
  refused(code, message) {
    this.refusal = { code, message };
  }

  /**
   * lost takes the close code and reason of the connection that ended and returns what to do
   * next: `{retryIn}` (ms) or `{final: true}`. A refusal the server sent before closing decides
   * over the close code, because proxies and dying TCP connections lose close frames. After
   * 4310 (another node runs the room) it is `{retryIn, url}`: the owner's URL, for this and
   * every later attempt; the first move goes at once, and moves without a welcome between them
   * back off, so that nodes which disagree for a moment cannot make the page spin.
   */
  lost(closeCode, reason = '') {
    if (this.state === 'closed') return { final: true };
    const code = this.refusal?.code ?? closeCode;
    const url = code === Code.moved ? this.refusal?.message || reason : '';
    const v = verdict(code);
    if (v.forgetToken) this.tokens.forget(this.room);
    if (v.final) {
      this.state = 'closed';
      this.message = this.refusal?.message ? `${v.message} (${this.refusal.message})` : v.message;
      return { final: true };
    }
    this.refusal = null;
    if (this.attempts >= this.maxAttempts) {
      this.state = 'closed';
      this.message = 'Cannot reach the server.';
      return { final: true };
    }
    // Attempts that fail to connect at all say nothing new: keep the reason for the loss
    // (say, a server going away) in view until the seat is back.
    if (this.state !== 'reconnecting' || closeCode !== Code.abnormal) this.message = v.message;
    this.state = 'reconnecting';
    const retryIn = backoff(this.attempts++, this.backoffOpts, this.random);
    if (url) return { retryIn: this.moves++ === 0 ? 0 : retryIn, url };
    return { retryIn };
  }

  /** leave ends the session on purpose: no more attempts, and the token is useless now. */
  leave() {
    this.state = 'closed';
    this.left = true;
    this.tokens.forget(this.room);
    this.message = 'You left the room.';
  }
}

/** How often the session pings, and how long a silent server is trusted. */
const pingEveryMs = 1000;
const silenceMs = 5000;

/** maxBuffered is the send backlog (bytes) beyond which inputs are dropped. */
const maxBuffered = 16 << 10;

/**
 * Session runs one player's connection to a room on a browser WebSocket: it says hello, pings,
 * decodes every frame for onMessage, notices silence and reconnects through its Reconnector.
 * onState is called with the Reconnector's state whenever it changes; onPing with each
 * round-trip time in ms.
 */
export class Session {
  constructor({ url, reconnector, onMessage, onState, onPing = () => {} }) {
    this.url = url;
    this.home = url; // where the page started: a 4310 may send it elsewhere
    this.rc = reconnector;
    this.onMessage = onMessage;
    this.onState = onState;
    this.onPing = onPing;
    this.ws = null;
    this.timers = new Set();
    this.lastHeard = 0;
  }

  /** start makes the first connection attempt. */
  start() {
    this.connect();
  }

  /**
   * retryNow makes the next reconnection attempt at once instead of after its backoff, for
   * when the browser reports that the network is back.
   */
  retryNow() {
    if (this.rc.state !== 'reconnecting' || this.ws !== null) return;
    this.teardown(Code.normal);
    this.connect();
  }

  /**
   * send passes a frame on if the session is welcomed, and drops it otherwise, or when the
   * socket has stalled with a backlog: the server would trim stale inputs anyway, and a
   * connection that does not drain is about to be declared dead.
   */
  send(frame) {
    const ws = this.ws;
    if (this.rc.state === 'open' && ws?.readyState === WebSocket.OPEN && ws.bufferedAmount < maxBuffered) ws.send(frame);
  }

  /** leave says bye and ends the session for good. */
  leave() {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(encodeBye());
    this.rc.leave();
    this.teardown(Code.normal);
    this.onState(this.rc.state, this.rc.message);
  }

  connect() {
    const ws = new WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.lastHeard = performance.now();
    let opened = false;
    ws.onopen = () => {
      opened = true;
      const h = this.rc.hello();
      ws.send(encodeHello(h.name, h.room, h.token));
    };
    ws.onmessage = (ev) => {
      if (ws !== this.ws) return;
      this.lastHeard = performance.now();
      if (!(ev.data instanceof ArrayBuffer)) {
        this.fail(Code.textFrame);
        return;
      }
      let msg;
      try {
        msg = decode(ev.data);
      } catch (err) {
        console.error('skirmish: bad frame from server:', err);
        this.fail(Code.badMessage);
        return;
      }
      this.handle(msg);
    };
    ws.onclose = (ev) => {
      if (ws !== this.ws) return;
      console.warn(`skirmish: connection closed (${ev.code}${ev.reason ? `: ${ev.reason}` : ''})`);
      // The node a 4310 named may be gone (it died, and its rooms went on elsewhere): the
      // URL the page started from sends it on again.
      if (!opened) this.url = this.home;
      this.closed(ev.code, ev.reason);
    };
    this.every(pingEveryMs, () => {
      if (ws !== this.ws) return;
      if (performance.now() - this.lastHeard > silenceMs) {
        console.warn(`skirmish: nothing heard from the server for ${silenceMs} ms`);
        this.closed(Code.keepalive);
        return;
      }
      this.send(encodePing(performance.now()));
    });
  }

  handle(msg) {
    switch (msg.type) {
      case 'welcome':
        this.rc.welcomed(msg.token);
        this.onState(this.rc.state, '');
        break;
      case 'error':
        this.rc.refused(msg.code, msg.message);
        break;
      case 'pong':
        this.onPing(performance.now() - msg.clientTime, msg.tick);
        break;
      default:
    }
    this.onMessage(msg);
  }

  // fail ends the connection after a protocol violation by the server, as if it had closed
  // with code.
  fail(code) {
    this.rc.refused(code, 'the server sent a frame this page cannot read');
    this.closed(code);
  }

  closed(code, reason = '') {
    this.teardown(code);
    const next = this.rc.lost(code, reason);
    if (next.url) this.url = next.url;
    this.onState(this.rc.state, this.rc.message);
    if (!next.final) this.after(next.retryIn, () => this.connect());
  }

  teardown(code) {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const ws = this.ws;
    this.ws = null;
    if (ws !== null) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) {
        ws.close(code >= 4000 || code === Code.normal ? code : Code.normal);
      }
    }
  }

  after(ms, fn) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  every(ms, fn) {
    this.after(ms, () => {
      fn();
      if (this.ws !== null) this.every(ms, fn);
    });
  }
}
