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

/** seatColor returns the colour of seat from palette as "#rrggbb". */
export function seatColor(palette, seat) {
  const seats = (palette ?? fallbackPalette).seats;
  return seats[seat % seats.length];
}

/**
 * Renderer draws views of one map on a canvas that it keeps at the canvas's CSS size times the
 * device pixel ratio, the arena scaled to fit and centred.
 *
 * A view is `{ships, projectiles}`:
 * - ships: `{seat, x, y, angle, alive, health, name, own}`, position in world units (fractions
 *   allowed), angle in radians (0 points right), health 0..100, own true for the viewer's ship;
 * - projectiles: `{x, y, owner}` in world units.
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

  // fit sizes the canvas to its box and works out the arena's scale and offset.
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
    this.scale = Math.min(cw / mw, ch / mh);
    this.ox = (cw - mw * this.scale) / 2;
    this.oy = (ch - mh * this.scale) / 2;
    this.dpr = dpr;
  }

  /**
   * screenToWorld converts a point in CSS pixels relative to the canvas's top-left corner into
   * arena pixels (not world units), for aiming.
   */
  screenToWorld(cssX, cssY) {
    const dpr = this.dpr || 1;
    return { x: (cssX * dpr - this.ox) / this.scale, y: (cssY * dpr - this.oy) / this.scale };
  }

  /** draw paints one frame of view. */
  draw(view) {
    const ctx = this.ctx;
    if (this.map === null) return;
    this.fit();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = this.palette.background;
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.setTransform(this.scale, 0, 0, this.scale, this.ox, this.oy);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.layer, 0, 0);
    ctx.imageSmoothingEnabled = true;
    for (const p of view.projectiles) this.drawProjectile(p);
    for (const s of view.ships) if (s.alive) this.drawShip(s);
    for (const s of view.ships) if (s.alive) this.drawLabel(s);
  }

  drawShip(s) {
    const ctx = this.ctx;
    const x = s.x / SubPixel;
    const y = s.y / SubPixel;
    const color = seatColor(this.palette, s.seat);
    if (s.own) {
      ctx.strokeStyle = color;
      ctx.globalAlpha = 0.5;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x, y, 20, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
    ctx.save();
    ctx.translate(x, y);
    ctx.rotate(s.angle);
    const sprite = this.sprites[`ship${s.seat % 8}`];
    if (sprite) {
      ctx.drawImage(sprite, -16, -16, 32, 32);
    } else {
      ctx.fillStyle = color;
      ctx.beginPath();
      ctx.moveTo(14, 0);
      ctx.lineTo(-12, -11);
      ctx.lineTo(-7, 0);
      ctx.lineTo(-12, 11);
      ctx.closePath();
      ctx.fill();
    }
    ctx.restore();
  }

  drawLabel(s) {
    const ctx = this.ctx;
    const x = s.x / SubPixel;
    const y = s.y / SubPixel;
    const health = Math.max(0, Math.min(100, s.health)) / 100;
    ctx.fillStyle = 'rgba(0,0,0,0.6)';
    ctx.fillRect(x - 14, y - 24, 28, 4);
    ctx.fillStyle = health > 0.5 ? '#3cdc64' : health > 0.25 ? '#ffe119' : '#e6194b';
    ctx.fillRect(x - 14, y - 24, 28 * health, 4);
    if (s.name) {
      ctx.font = '11px system-ui, sans-serif';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      ctx.fillStyle = this.palette.text;
      ctx.fillText(s.name, x, y + 18);
    }
  }

  drawProjectile(p) {
    const ctx = this.ctx;
    const x = p.x / SubPixel;
    const y = p.y / SubPixel;
    ctx.fillStyle = seatColor(this.palette, p.owner);
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
