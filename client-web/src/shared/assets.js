// assets.js fetches what the pages draw and play with from the server's copy of the assets
// package: the palette, the sprites, the sounds and the map layouts, under one base path.
import { parseMap } from './map.js';

/** AssetBase is where the server serves the assets package's files. */
export const AssetBase = '/assets';

/** spriteNames are the sprites the renderer uses (assets.SpriteNames). */
const spriteNames = ['floor', 'wall', 'projectile', 'ship0', 'ship1', 'ship2', 'ship3', 'ship4', 'ship5', 'ship6', 'ship7'];

async function fetchOk(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${res.statusText}`);
  return res;
}

function loadImage(url) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`cannot load ${url}`));
    img.src = url;
  });
}

/**
 * loadArt fetches the palette, every sprite and the sounds: `{palette, sprites, sounds}` with
 * sprites by name and sounds as ZzFX parameters by name. A sprite that fails to load is left
 * out, and the renderer draws plain shapes in its place; without the sounds the page is silent.
 */
export async function loadArt(base = AssetBase) {
  const palette = await (await fetchOk(`${base}/palette.json`)).json();
  const sounds = await fetchOk(`${base}/sounds.json`).then((res) => res.json(), (err) => {
    console.warn('skirmish:', err.message);
    return {};
  });
  const sprites = {};
  await Promise.all(spriteNames.map(async (name) => {
    try {
      sprites[name] = await loadImage(`${base}/sprites/${name}.png`);
    } catch (err) {
      console.warn('skirmish:', err.message);
    }
  }));
  return { palette, sprites, sounds };
}

/** loadMap fetches and parses the map called name. */
export async function loadMap(name, base = AssetBase) {
  const text = await (await fetchOk(`${base}/maps/${encodeURIComponent(name)}.txt`)).text();
  return parseMap(name, text);
}
