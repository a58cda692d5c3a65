// The spectator page against a real server in headless Chromium: a spectator watches a player
// and a bot, sees the room pause when the player's network fails and run again when it comes
// back, cheers, rides out a failure of its own network, and finds the room on the live index.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Proxy, createRoom, drawnShare, resultPath, useArena, waitState, waitTimeout, watchPage,
} from './harness.js';

const arena = useArena({ grace: '60s' });

function events(page) {
  return page.evaluate(() => Number(document.body.dataset.events));
}

function eventsAbove(page, n) {
  return page.waitForFunction((n) => Number(document.body.dataset.events) > n, n, { timeout: waitTimeout });
}

test('a spectator follows the match through a pause and a resume', async () => {
  const room = await createRoom(arena.server.url, { seats: 2, bots: 1 });
  const ctxP = await arena.browser.newContext({ viewport: { width: 1024, height: 700 } });
  const ctxW = await arena.browser.newContext({ viewport: { width: 1024, height: 700 } });
  const player = await ctxP.newPage();
  const watcher = await ctxW.newPage();
  const errors = watchPage(watcher);
  // The player reaches the server through the proxy, so that its network can fail on its own.
  await player.goto(`${arena.proxy.url}/?room=${room}&name=alpha`);
  await watcher.goto(`${arena.server.url}/watch/${room}`);

  await waitState(watcher, 'running');
  const e0 = await events(watcher);
  await eventsAbove(watcher, e0 + 20);
  assert.ok(await drawnShare(watcher) > 0.3, 'the arena is not drawn');
  assert.match(await watcher.locator('#scoreboard').innerText(), /alpha/);

  // A cheer goes to everyone watching, this spectator included.
  await watcher.getByRole('button', { name: 'gg' }).click();
  await watcher.locator('#feed', { hasText: '📣 gg' }).waitFor({ timeout: waitTimeout });

  // The player's network fails: the room pauses and the overlay names who it waits for.
  arena.proxy.cut();
  await waitState(watcher, 'paused');
  assert.match(await watcher.locator('#overlay').innerText(), /alpha/);
  await watcher.screenshot({ path: resultPath('watch-paused.png') });

  // The network comes back: the player resumes its seat and the room runs again.
  arena.proxy.restore();
  await waitState(watcher, 'running');
  const e1 = await events(watcher);
  await eventsAbove(watcher, e1 + 10);
  await watcher.screenshot({ path: resultPath('watch-running.png') });

  assert.deepEqual(errors, []);
  await ctxP.close();
  await ctxW.close();
});

test('a spectator whose own network fails reconnects and resumes the feed', async () => {
  const room = await createRoom(arena.server.url, { seats: 2, bots: 2 });
  const own = new Proxy(arena.server.port);
  await own.start();
  const ctx = await arena.browser.newContext();
  const page = await ctx.newPage();
  const errors = watchPage(page);
  try {
    await page.goto(`${own.url}/watch/${room}`);
    await waitState(page, 'running');
    own.cut();
    await waitState(page, 'reconnecting');
    assert.match(await page.locator('#conn').innerText(), /reconnecting/);
    own.restore();
    await waitState(page, 'running');
    const e = await events(page);
    await eventsAbove(page, e + 10);
    assert.equal(await page.locator('#conn').innerText(), 'live');
  } finally {
    await ctx.close();
    await own.close();
  }
  assert.deepEqual(errors.filter((e) => !/ERR_CONNECTION|net::/.test(e)), []);
});

test('the spectator index lists live rooms and links to them', async () => {
  const room = await createRoom(arena.server.url, { seats: 2, bots: 2 });
  const ctx = await arena.browser.newContext();
  const page = await ctx.newPage();
  const errors = watchPage(page);
  await page.goto(`${arena.server.url}/watch`);
  await waitState(page, 'index');
  const row = page.locator(`tr[data-room="${room}"]`);
  await row.waitFor({ timeout: waitTimeout });
  await row.getByRole('link', { name: 'Watch' }).click();
  await page.waitForURL(`**/watch/${room}`);
  await waitState(page, 'running');
  assert.deepEqual(errors, []);
  await ctx.close();
});
