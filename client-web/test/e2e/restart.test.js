// A restart of the server under two players in headless Chromium: the rooms come back from
// their checkpoints and both pages return to their seats and play, without anyone touching
// them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRoom, useArena, waitState, waitTimeout, watchPage } from './harness.js';

const arena = useArena({ grace: '60s' });

for (const signal of ['SIGTERM', 'SIGKILL']) {
  test(`two players are back in their seats after a ${signal} and a restart`, async () => {
    const room = await createRoom(arena.server.url, { seats: 4, bots: 2 });
    const pages = [];
    for (const name of ['alpha', 'bravo']) {
      const ctx = await arena.browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await ctx.newPage();
      const errors = watchPage(page);
      await page.goto(`${arena.server.url}/?room=${room}&name=${name}`);
      pages.push({ ctx, page, errors });
    }
    for (const { page } of pages) await waitState(page, 'playing');
    const seats = await Promise.all(pages.map(({ page }) => page.evaluate(() => document.body.dataset.seat)));
    // Past a periodic checkpoint, for the crash.
    await new Promise((r) => setTimeout(r, 2500));

    await arena.server.restart(signal);
    for (const { page } of pages) {
      await page.waitForFunction(() => document.body.dataset.state !== 'playing', null, { timeout: waitTimeout });
    }
    for (const [i, { page }] of pages.entries()) {
      await waitState(page, 'playing');
      assert.equal(await page.evaluate(() => document.body.dataset.seat), seats[i], 'back in the same seat');
      assert.equal(await page.evaluate(() => document.body.dataset.room), room);
    }
    for (const { ctx, errors } of pages) {
      // A page may log the lost connection as it happens; nothing else may go wrong.
      assert.deepEqual(errors.filter((e) => !/WebSocket connection .* failed|ERR_CONNECTION_REFUSED/.test(e)), []);
      await ctx.close();
    }
  });
}
