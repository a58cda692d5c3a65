// feel.mjs replays a player's traffic, as the play-feel harness wrote it down
// (client-desktop/internal/feel, trace.go), through the page's own modules: the codec, the
// Predictor and the Playout, frame by frame at 60 Hz as the page would. It prints what they made
// of it as JSON: reconciles and corrections of the own ship (the largest in pixels), and the
// Playout's stalls and extrapolation, with the time spent in a running match.
//
//   node feel.mjs TRACE.jsonl
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMap, SubPixel, TileSize } from './src/shared/map.js';
import { Playout } from './src/shared/interpolate.js';
import { Predictor } from './src/play/predict.js';
import { RoomState, RoomStateCode, decode } from './src/play/protocol.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * snapDistance is the desktop client's (predict.snap), so that both count the same: a move of
 * the own ship farther than this is a respawn, not a correction.
 */
const snapDistance = 2 * TileSize * SubPixel;

const frameMs = 1000 / 60;

function replay(events) {
  const out = { reconciles: 0, corrections: 0, largest: 0, stalls: 0, extrapolatedMs: 0, frozenMs: 0, playingMs: 0, delayMs: 0 };
  let seat = 0;
  let predictor = null;
  let playout = null;
  let state = 0;
  let newest = null;
  let frame = events.length > 0 ? events[0].t : 0;
  const draw = (until) => {
    for (; frame <= until; frame += frameMs) {
      if (state === RoomStateCode.running) out.playingMs += frameMs;
      if (playout !== null && newest !== null) {
        playout.setLive(state === RoomStateCode.running);
        playout.draw(frame, Math.max(1, newest - 31), newest);
      }
    }
  };
  for (const e of events) {
    draw(e.t);
    if (e.welcome) {
      seat = e.welcome.seat;
      const map = parseMap(e.welcome.map, readFileSync(join(root, 'assets', 'maps', `${e.welcome.map}.txt`), 'utf8'));
      predictor ??= new Predictor(map, e.welcome.tickRate);
      if (playout === null) playout = new Playout(e.welcome.tickRate);
      else playout.reset();
    } else if (e.state !== undefined) {
      state = e.state;
    } else if (e.snap !== undefined && predictor !== null) {
      const rs = RoomState.fromKeyframe(decode(Buffer.from(e.snap, 'base64')));
      if (newest !== null && rs.tick < newest) predictor.reset();
      newest = rs.tick;
      state = rs.state;
      playout.arrive(rs.tick, e.t);
      const server = rs.ship(seat);
      if (server === undefined) continue;
      const before = predictor.ship;
      const after = predictor.reconcile(server);
      if (before === null) continue;
      out.reconciles++;
      const d = Math.hypot(after.x - before.x, after.y - before.y);
      if (d > 0 && d <= snapDistance) {
        out.corrections++;
        out.largest = Math.max(out.largest, d / SubPixel);
      }
    } else if (e.in !== undefined && predictor !== null) {
      const [seq, buttons, aimX, aimY] = e.in;
      predictor.apply({ seq, buttons, aimX, aimY });
    }
  }
  if (playout !== null) {
    Object.assign(out, { stalls: playout.stats.stalls, extrapolatedMs: playout.stats.extrapolatedMs, frozenMs: playout.stats.frozenMs, delayMs: playout.delayMs });
  }
  return out;
}

const [path] = process.argv.slice(2);
if (!path) {
  console.error('usage: node feel.mjs TRACE.jsonl');
  process.exit(2);
}
const events = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
console.log(JSON.stringify(replay(events)));
