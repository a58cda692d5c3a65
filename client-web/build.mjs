// build.mjs bundles the pages' ES modules into dist/ with esbuild: src/play/main.js into
// dist/play.js, src/watch/main.js into dist/watch.js and src/admin/main.js into dist/admin.js
// (with the stylesheet of the charting library it imports, dist/admin.css).
//
//   node build.mjs          rebuild dist/
//   node build.mjs --check  build into a temporary folder and fail if dist/ differs from it,
//                           so a commit cannot carry a bundle older than its sources
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');

const pages = { play: 'src/play/main.js', watch: 'src/watch/main.js', admin: 'src/admin/main.js' };

async function bundle(outdir) {
  const entryPoints = Object.fromEntries(
    Object.entries(pages).filter(([, src]) => existsSync(join(root, src))).map(([name, src]) => [name, join(root, src)]),
  );
  await build({
    absWorkingDir: root,
    entryPoints,
    outdir,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    legalComments: 'eof',
    logLevel: 'warning',
  });
}

async function files(dir) {
  return existsSync(dir) ? (await readdir(dir)).sort() : [];
}

async function check() {
  const tmp = await mkdtemp(join(tmpdir(), 'skirmish-bundle-'));
  try {
    await bundle(tmp);
    const want = await files(tmp);
    const have = await files(dist);
    const stale = [];
    for (const name of new Set([...want, ...have])) {
      const a = want.includes(name) ? await readFile(join(tmp, name)) : null;
      const b = have.includes(name) ? await readFile(join(dist, name)) : null;
      if (a === null || b === null || !a.equals(b)) stale.push(name);
    }
    if (stale.length > 0) {
      console.error(`dist/ does not match the sources (${stale.join(', ')}): run "npm run build" and commit dist/`);
      process.exitCode = 1;
      return;
    }
    console.log(`dist/ matches the sources (${want.join(', ')})`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

// rebuild replaces dist/ file by file with renames, so that a Go build embedding dist/ at the
// same moment sees either the old bundle or the new one, never an empty folder.
async function rebuild() {
  const tmp = await mkdtemp(join(root, '.dist-'));
  try {
    await bundle(tmp);
    const fresh = await files(tmp);
    await mkdir(dist, { recursive: true });
    for (const name of fresh) await rename(join(tmp, name), join(dist, name));
    for (const name of await files(dist)) {
      if (!fresh.includes(name)) await rm(join(dist, name));
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

await (process.argv.includes('--check') ? check() : rebuild());
