// repo.js locates the files the Go side produces for the browser tests: maps, test vectors
// and golden protocol messages, all relative to the repository root.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** repoRoot is the repository's top folder. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** repoFile returns the bytes of a file given by its path in the repository. */
export function repoFile(path) {
  return readFileSync(join(repoRoot, path));
}
