// map.js reads the arena map files of assets/maps (format in assets/maps/README.md) into the
// same layout the Go simulation builds, so that prediction collides with exactly the walls the
// server collides with, and the renderer draws them.

/** SubPixel is the number of world units per pixel (game.SubPixel). */
export const SubPixel = 8;

/** TileSize is the edge of one map tile in pixels (game.TileSize). */
export const TileSize = 32;

const tileUnits = TileSize * SubPixel;

/** MapError is thrown for a map file that does not follow the format. */
export class MapError extends Error {
  constructor(message) {
    super(message);
    this.name = 'MapError';
  }
}

/**
 * parseMap reads a map file like game.ParseMap: leading ';' comment lines, then one row of
 * tiles per line, '#' wall, '.' floor, 'S' floor with a spawn point. It returns
 * `{name, width, height, solid, walls, spawns}` with walls as merged rectangles in world units
 * `{minX, minY, maxX, maxY}` in the Go order, which MoveShip's collision depends on.
 */
export function parseMap(name, text) {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  let first = 0;
  while (first < lines.length && lines[first].startsWith(';')) first++;
  let last = lines.length;
  while (last > first && lines[last - 1].length === 0) last--;
  const rows = lines.slice(first, last);
  if (rows.length < 3) throw new MapError(`map ${name}: ${rows.length} rows, want at least 3`);
  const width = rows[0].length;
  const height = rows.length;
  const solid = new Array(width * height).fill(false);
  const spawns = [];
  rows.forEach((row, y) => {
    if (row.length !== width) {
      throw new MapError(`map ${name}: line ${first + y + 1}: ${row.length} columns, want ${width}`);
    }
    for (let x = 0; x < width; x++) {
      const c = row[x];
      if (c === '#') solid[y * width + x] = true;
      else if (c === 'S') spawns.push({ x: x * tileUnits + tileUnits / 2, y: y * tileUnits + tileUnits / 2 });
      else if (c !== '.') throw new MapError(`map ${name}: line ${first + y + 1}, column ${x + 1}: unknown tile ${JSON.stringify(c)}`);
    }
  });
  return { name, width, height, solid, walls: mergeWalls(solid, width, height), spawns };
}

/** isSolid reports whether the tile at column tx, row ty is wall; tiles off the map are. */
export function isSolid(map, tx, ty) {
  if (tx < 0 || ty < 0 || tx >= map.width || ty >= map.height) return true;
  return map.solid[ty * map.width + tx];
}

// mergeWalls is game.mergeWalls line by line: runs of wall along each row, stacked with equal
// runs on the rows above.
function mergeWalls(solid, width, height) {
  const tiles = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width;) {
      if (!solid[y * width + x]) {
        x++;
        continue;
      }
      const x0 = x;
      while (x < width && solid[y * width + x]) x++;
      const r = tiles.find((t) => t.minX === x0 && t.maxX === x && t.maxY === y);
      if (r !== undefined) r.maxY++;
      else tiles.push({ minX: x0, minY: y, maxX: x, maxY: y + 1 });
    }
  }
  return tiles.map((t) => ({
    minX: t.minX * tileUnits, minY: t.minY * tileUnits, maxX: t.maxX * tileUnits, maxY: t.maxY * tileUnits,
  }));
}
