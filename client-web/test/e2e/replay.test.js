// Replays in headless Chromium against a real server: a player's results screen links to the
// finished match, which also appears in the list the lobby links to; its replay plays on the
// spectator page, pauses, seeks and changes speed, and ends with the match's results.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRoom, drawnShare, resultPath, useArena, waitState, waitTimeout, watchPage } from './harness.js';

const arena = useArena();

const tick = (page) => page.evaluate(() => Number(document.body.dataset.tick ?? -1));
const replayState = (page, want) =>
  page.waitForFunction((s) => document.body.dataset.replay === s, want, { timeout: waitTimeout });

// ticksIn returns how many ticks the replay advances in ms of the page's time.
async function ticksIn(page, ms) {
  const t0 = await tick(page);
  await page.waitForTimeout(ms);
  return (await tick(page)) - t0;
}

test('a finished match is listed and its replay plays, pauses, seeks and changes speed', async () => {
  // Three hard bots and a player who stands still: two frags end the match in seconds.
  const room = await createRoom(arena.server.url, { seats: 4, bots: 3, fragLimit: 2, botLevel: 'hard' });
  const ctx = await arena.browser.newContext({ viewport: { width: 1100, height: 700 } });
  const player = await ctx.newPage();
  const playerErrors = watchPage(player);
  await player.goto(`${arena.server.url}/?room=${room}&name=ada`);
  await player.waitForFunction(() => document.body.dataset.state === 'ended', null, { timeout: 120_000 });

  // The results screen links to the room's replays, in a tab of its own.
  const [list] = await Promise.all([
    ctx.waitForEvent('page'),
    player.getByRole('button', { name: 'Watch the replay' }).click(),
  ]);
  const errors = watchPage(list);
  await list.waitForURL(`**/watch/replay?room=${room}`);
  await waitState(list, 'index');
  const match = `${room}-0`;
  const row = list.locator(`tr[data-match="${match}"]`);
  await row.waitFor({ timeout: waitTimeout });
  assert.match(await row.innerText(), /ada/);

  // The lobby links to every room's replays.
  const lobby = await ctx.newPage();
  await lobby.goto(arena.server.url);
  await lobby.locator('[data-link=replays]').click();
  await lobby.locator(`tr[data-match="${match}"]`).waitFor({ timeout: waitTimeout });
  await lobby.close();

  await row.getByRole('link', { name: 'Watch' }).click();
  await list.waitForURL(`**/watch/replay/${match}`);
  const page = list;
  await replayState(page, 'playing');
  await page.waitForFunction(() => Number(document.body.dataset.tick) > 20, null, { timeout: waitTimeout });
  assert.ok(await drawnShare(page) > 0.3, 'the arena is not drawn');
  assert.match(await page.locator('#scoreboard').innerText(), /ada/);
  const x1 = await ticksIn(page, 1000);

  // Pause: the ticks stop.
  await page.getByRole('button', { name: 'Pause' }).click();
  await replayState(page, 'paused');
  const held = await tick(page);
  await page.waitForTimeout(500);
  assert.equal(await tick(page), held, 'a paused replay moves on');

  // Seek while paused: the arena shows the tick sought and stays paused.
  await page.locator('#seek').fill('90');
  await page.waitForFunction(() => Number(document.body.dataset.tick) >= 90, null, { timeout: waitTimeout });
  const sought = await tick(page);
  assert.ok(sought < 100, `a seek to tick 90 shows tick ${sought}`);
  await page.waitForTimeout(300);
  assert.equal(await tick(page), sought);
  assert.equal(await page.evaluate(() => document.body.dataset.replay), 'paused');

  // Four times the speed, back from the start.
  await page.locator('#speed').selectOption('4');
  await page.locator('#seek').fill('0');
  await page.waitForFunction(() => Number(document.body.dataset.tick) < 10, null, { timeout: waitTimeout });
  await page.getByRole('button', { name: 'Play' }).click();
  await replayState(page, 'playing');
  await page.waitForFunction(() => Number(document.body.dataset.tick) > 10, null, { timeout: waitTimeout });
  const x4 = await ticksIn(page, 1000);
  assert.equal(await page.evaluate(() => document.body.dataset.speed), '4');
  assert.ok(x4 > 2 * x1, `at ×4 the replay moved ${x4} ticks in a second, at ×1 ${x1}`);

  // The end: the match's results, as the player saw them.
  await replayState(page, 'ended');
  const overlay = page.locator('#overlay[data-kind="ended"]');
  await overlay.waitFor({ timeout: waitTimeout });
  assert.match(await overlay.locator('h2').innerText(), /wins$/);
  assert.equal(await overlay.locator('p').innerText(), 'End of the replay');
  await page.screenshot({ path: resultPath('replay-ended.png') });

  assert.deepEqual(errors, []);
  assert.deepEqual(playerErrors, []);
  await ctx.close();
});
