// render.js draws an arena on a 2D canvas: the map (drawn once into an offscreen layer), the
// ships in their seat colours with health and names, and the projectiles. It knows nothing of
// the network: the pages hand it a view of what to show, already interpolated.
import { SubPixel, TileSize } from './map.js';

const fallbackPalette = {
  seats: ['#e6194b', '#3cb4ff', '#ffe119', '#3cdc64', '#f58231', '#b45aff', '#46f0f0', '#f032e6'],
  background: '#10141c',
  floor: '#1b2130',
  wall: '#5a6478',
  text: '#e8ecf4',
};

/** shipDrawSize is the edge, in arena pixels, of a drawn ship. */
const shipDrawSize = 40;

/** minShipCss is the smallest edge, in CSS pixels, a ship is drawn with on a small screen. */
const minShipCss = 22;

/** turnGain is how much larger a turned arena must be drawn before it is worth turning. */
const turnGain = 1.15;

/** seatColor returns the colour of seat from palette as "#rrggbb". */
export function seatColor(palette, seat) {
  const seats = (palette ?? fallbackPalette).seats;
  return seats[seat % seats.length];
}

/**
 * Renderer draws views of one map on a canvas that it keeps at the canvas's CSS size times the
 * device pixel ratio, the arena scaled to fit and centred (turned a quarter when that fills the
 * canvas much better).
 *
 * A view is `{ships, projectiles, effects, t}`:
 * - ships: `{seat, x, y, angle, alive, health, name, own}`, position in world units (fractions
 *   allowed), angle in radians (0 points right), health 0..100, own true for the viewer's ship;
 * - projectiles: `{x, y, vx, vy, owner}` in world units (velocity per tick, for the trail);
 * - effects: an Effects (effects.js), drawn at the render tick t; optional.
 */
export class Renderer {
  /** art is `{palette, sprites}` from loadArt; missing sprites are drawn as shapes. */
  constructor(canvas, art = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.palette = art.palette ?? fallbackPalette;
    this.sprites = art.sprites ?? {};
    this.map = null;
    this.layer = null;
    this.scale = 1;
    this.ox = 0;
    this.oy = 0;
    this.turned = false;
    this.dpr = 1;
    this.whites = new Map(); // each ship sprite as a white silhouette, for hit flashes
  }

  /** setMap switches to map (from parseMap) and redraws its layer. */
  setMap(map) {
    this.map = map;
    const w = map.width * TileSize;
    const h = map.height * TileSize;
    const layer = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(w, h) : Object.assign(document.createElement('canvas'), { width: w, height: h });
    const g = layer.getContext('2d');
    for (let ty = 0; ty < map.height; ty++) {
      for (let tx = 0; tx < map.width; tx++) {
        const wall = map.solid[ty * map.width + tx];
        const sprite = this.sprites[wall ? 'wall' : 'floor'];
        if (sprite) {
          g.drawImage(sprite, tx * TileSize, ty * TileSize, TileSize, TileSize);
        } else {
          g.fillStyle = wall ? this.palette.wall : this.palette.floor;
          g.fillRect(tx * TileSize, ty * TileSize, TileSize, TileSize);
        }
      }
    }
    this.layer = layer;
  }

  // fit sizes the canvas to its box and works out how the arena sits in it: the scale, the
  // offset and whether it is turned a quarter clockwise, which a box of the other orientation
  // than the map (a phone held upright) fills much better.
  fit() {
    const dpr = globalThis.devicePixelRatio || 1;
    const cw = Math.max(1, Math.round(this.canvas.clientWidth * dpr));
    const ch = Math.max(1, Math.round(this.canvas.clientHeight * dpr));
    if (this.canvas.width !== cw || this.canvas.height !== ch) {
      this.canvas.width = cw;
      this.canvas.height = ch;
    }
    const mw = this.map.width * TileSize;
    const mh = this.map.height * TileSize;
    const straight = Math.min(cw / mw, ch / mh);
    const turned = Math.min(cw / mh, ch / mw);
    this.turned = turned > straight * turnGain;
    this.scale = this.turned ? turned : straight;
    const [w, h] = this.turned ? [mh, mw] : [mw, mh];
    this.ox = (cw - w * this.scale) / 2;
    this.oy = (ch - h * this.scale) / 2;
    this.dpr = dpr;
  }

  // transform sets ctx to draw in arena pixels.
  transform() {
    const s = this.scale;
    if (this.turned) {
      this.ctx.setTransform(0, s, -s, 0, this.ox + this.map.height * TileSize * s, this.oy);
    } else {
      this.ctx.setTransform(s, 0, 0, s, this.ox, this.oy);
    }
  }

  /** toScreen converts a point in arena pixels into canvas pixels. */
  toScreen(x, y) {
    const s = this.scale;
    if (this.turned) return { x: this.ox + (this.map.height * TileSize - y) * s, y: this.oy + x * s };
    return { x: this.ox + x * s, y: this.oy + y * s };
  }

  /**
   * screenToWorld converts a point in CSS pixels relative to the canvas's top-left corner into
   * arena pixels (not world units), for aiming.
   */
  screenToWorld(cssX, cssY) {
    const dpr = this.dpr || 1;
    const sx = (cssX * dpr - this.ox) / this.scale;
    const sy = (cssY * dpr - this.oy) / this.scale;
    if (this.turned) return { x: sy, y: this.map.height * TileSize - sx };
    return { x: sx, y: sy };
  }

  /**
   * screenToArena turns a direction on the screen into the same direction in the arena, which
   * differs when the arena is drawn turned.
   */
  screenToArena(dx, dy) {
    return this.turned ? { x: dy, y: -dx } : { x: dx, y: dy };
  }

  /** draw paints one frame of view; without ships or projectiles it paints the bare arena. */
  draw(view = {}) {
    const ctx = this.ctx;
    if (this.map === null) return;
    this.fit();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = this.palette.background;
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    const fx = view.effects;
    const shake = fx?.shake(view.t) ?? { x: 0, y: 0 };
    this.ox += shake.x * this.scale;
    this.oy += shake.y * this.scale;
    this.transform();
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.layer, 0, 0);
    ctx.imageSmoothingEnabled = true;
    const ships = view.ships ?? [];
    fx?.drawUnder(ctx, view.t, (seat) => seatColor(this.palette, seat));
    for (const s of ships) if (s.alive) this.drawShip(s, fx?.flash(s.seat, view.t) ?? 0);
    // Shots over ships: a shot leaving its ship is seen at once, not from under the sprite.
    for (const p of view.projectiles ?? []) this.drawProjectile(p);
    fx?.drawOver(ctx, view.t);
    // Words and bars are drawn upright and at a readable size, however small the arena is.
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    for (const s of ships) if (s.alive) this.drawLabel(s);
    this.ox -= shake.x * this.scale;
    this.oy -= shake.y * this.scale;
  }

  // white returns sprite as a white silhouette, made once.
  white(name, sprite) {
    let w = this.whites.get(name);
    if (w === undefined) {
      w = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(sprite.width, sprite.height) : Object.assign(document.createElement('canvas'), { width: sprite.width, height: sprite.height });
      const g = w.getContext('2d');
      g.drawImage(sprite, 0, 0);
      g.globalCompositeOperation = 'source-in';
      g.fillStyle = '#ffffff';
      g.fillRect(0, 0, sprite.width, sprite.height);
      this.whites.set(name, w);
    }
    return w;
  }

  // shipSize is the edge, in arena pixels, at which ships are drawn: larger than their 24 px
  // collision square so they read at a glance, and never under minShipCss on screen.
  shipSize() {
    return Math.max(shipDrawSize, (minShipCss * this.dpr) / this.scale);
  }

  // drawShip draws a ship, turned white by flash (0..1) just after a hit.
  drawShip(s, flash = 0) {
    const ctx = this.ctx;
    const x = s.x / SubPixel;
    const y = s.y / SubPixel;
    const size = this.shipSize();
    const color = seatColor(this.palette, s.seat);
    if (s.own) {
      ctx.strokeStyle = color;
      ctx.globalAlpha = 0.55;
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.arc(x, y, size * 0.68, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
    ctx.save();
    ctx.translate(x, y);
    ctx.rotate(s.angle);
    const name = `ship${s.seat % 8}`;
    const sprite = this.sprites[name];
    if (sprite) {
      ctx.drawImage(sprite, -size / 2, -size / 2, size, size);
      if (flash > 0) {
        ctx.globalAlpha = 0.85 * flash;
        ctx.drawImage(this.white(name, sprite), -size / 2, -size / 2, size, size);
        ctx.globalAlpha = 1;
      }
    } else {
      const k = size / 32;
      ctx.fillStyle = color;
      ctx.beginPath();
      ctx.moveTo(14 * k, 0);
      ctx.lineTo(-12 * k, -11 * k);
      ctx.lineTo(-7 * k, 0);
      ctx.lineTo(-12 * k, 11 * k);
      ctx.closePath();
      ctx.fill();
    }
    ctx.restore();
  }

  // drawLabel draws a ship's health bar above it and its name below, in canvas pixels.
  drawLabel(s) {
    const ctx = this.ctx;
    const d = this.dpr;
    const c = this.toScreen(s.x / SubPixel, s.y / SubPixel);
    const half = (this.shipSize() * this.scale) / 2;
    const w = 34 * d;
    const h = 4 * d;
    const health = Math.max(0, Math.min(100, s.health)) / 100;
    const top = c.y - half - h - 3 * d;
    ctx.fillStyle = 'rgba(0,0,0,0.65)';
    ctx.fillRect(c.x - w / 2 - d, top - d, w + 2 * d, h + 2 * d);
    ctx.fillStyle = health > 0.5 ? '#3cdc64' : health > 0.25 ? '#ffe119' : '#e6194b';
    ctx.fillRect(c.x - w / 2, top, w * health, h);
    if (s.name) {
      ctx.font = `${s.own ? 700 : 500} ${Math.round(13 * d)}px system-ui, sans-serif`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      ctx.lineWidth = 3 * d;
      ctx.strokeStyle = 'rgba(0,0,0,0.75)';
      // A name by the arena's edge stays whole on the canvas.
      const edge = ctx.measureText(s.name).width / 2 + 2 * d;
      const x = Math.max(edge, Math.min(this.canvas.width - edge, c.x));
      ctx.strokeText(s.name, x, c.y + half + 2 * d);
      ctx.fillStyle = this.palette.text;
      ctx.fillText(s.name, x, c.y + half + 2 * d);
    }
  }

  drawProjectile(p) {
    const ctx = this.ctx;
    const x = p.x / SubPixel;
    const y = p.y / SubPixel;
    const color = seatColor(this.palette, p.owner);
    if (p.vx !== undefined) {
      // A trail of the last few ticks of flight, fading out behind the shot.
      const tx = x - (p.vx * 2.5) / SubPixel;
      const ty = y - (p.vy * 2.5) / SubPixel;
      const g = ctx.createLinearGradient(tx, ty, x, y);
      g.addColorStop(0, 'rgba(255,255,255,0)');
      g.addColorStop(1, color);
      ctx.strokeStyle = g;
      ctx.lineWidth = 4;
      ctx.lineCap = 'round';
      ctx.globalAlpha = 0.7;
      ctx.beginPath();
      ctx.moveTo(tx, ty);
      ctx.lineTo(x, y);
      ctx.stroke();
    }
    ctx.fillStyle = color;
    ctx.globalAlpha = 0.45;
    ctx.beginPath();
    ctx.arc(x, y, 6, 0, 2 * Math.PI);
    ctx.fill();
    ctx.globalAlpha = 1;
    const sprite = this.sprites.projectile;
    if (sprite) {
      ctx.drawImage(sprite, x - 4, y - 4, 8, 8);
    } else {
      ctx.fillStyle = '#ffffff';
      ctx.beginPath();
      ctx.arc(x, y, 3, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
}
