// The pages under the server's security headers in headless Chromium: they run whole under
// its Content-Security-Policy (no inline script or style), and say so in no console error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRoom, useArena, waitState, watchPage } from './harness.js';

const arena = useArena();

test('the pages run under their Content-Security-Policy', async () => {
  const id = await createRoom(arena.server.url, { seats: 2, bots: 2 });
  const ctx = await arena.browser.newContext();
  for (const [path, state] of [['/', 'lobby'], ['/watch', 'index'], [`/watch/${id}`, 'running'], ['/watch/replay', 'index']]) {
    const page = await ctx.newPage();
    const errors = watchPage(page);
    const res = await page.goto(arena.server.url + path);
    const csp = res.headers()['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self'/, `${path} has no CSP`);
    assert.equal(res.headers()['x-frame-options'], 'DENY');
    assert.equal(res.headers()['x-content-type-options'], 'nosniff');
    await waitState(page, state);
    assert.deepEqual(errors.filter((e) => /Content.Security.Policy/i.test(e)), [], `${path} broke its CSP`);
    await page.close();
  }
  await ctx.close();
});
