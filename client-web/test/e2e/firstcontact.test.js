// A newcomer's first minute against a real server in headless Chromium: Play now alone, joining
// a match of bots in progress by its link, and leaving, which must never pause anyone else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createRoom, getRoom, resultPath, useArena, waitState, waitTimeout, watchPage,
} from './harness.js';

const arena = useArena({ grace: '60s' });

// recordStates keeps every value the page's state hook takes from now on, in the page.
function recordStates(page) {
  return page.evaluate(() => {
    globalThis.seenStates = [document.body.dataset.state];
    new MutationObserver(() => {
      const s = document.body.dataset.state;
      if (globalThis.seenStates.at(-1) !== s) globalThis.seenStates.push(s);
    }).observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
  });
}

const seat = async (page) => Number(await page.evaluate(() => document.body.dataset.seat));

function tickAbove(page, t) {
  return page.waitForFunction((t) => Number(document.body.dataset.tick) > t, t, { timeout: waitTimeout });
}

test('Play now takes a newcomer alone into a match against bots', async () => {
  const ctx = await arena.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const errors = watchPage(page);
  await page.goto(arena.server.url);
  await page.locator('[data-action=quick-play]').waitFor({ timeout: waitTimeout });
  await page.screenshot({ path: resultPath('lobby.png') });
  const clicked = performance.now();
  await page.locator('[data-action=quick-play]').click();
  await waitState(page, 'playing');
  console.log(`# Play now to playing: ${Math.round(performance.now() - clicked)} ms`);
  const room = await page.evaluate(() => document.body.dataset.room);
  const info = await getRoom(arena.server.url, room);
  assert.equal(info.players.filter((p) => !p.bot).length, 1, 'the newcomer plays alone with bots');
  assert.equal(info.players.length, info.seats, 'bots hold every other seat');
  assert.match(page.url(), new RegExp(`room=${room}`), 'the address names the room, for a reload or a friend');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a page joins a match of bots in progress by its link', async () => {
  const room = await createRoom(arena.server.url, { seats: 4, bots: 4 });
  await waitFor(async () => (await getRoom(arena.server.url, room)).state === 'running');
  const ctx = await arena.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const errors = watchPage(page);
  await page.goto(`${arena.server.url}/?room=${room}&name=late`);
  await waitState(page, 'playing');
  await tickAbove(page, Number(await page.evaluate(() => document.body.dataset.tick)) + 30);
  const mySeat = await seat(page);
  const info = await getRoom(arena.server.url, room);
  const me = info.players.find((p) => p.seat === mySeat);
  assert.ok(me && !me.bot && me.name === 'late', `the newcomer holds a seat: ${JSON.stringify(info.players)}`);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a page that closes pauses nobody, and the same link in a new page takes the seat back', async () => {
  const room = await createRoom(arena.server.url, { seats: 4, bots: 2 });
  const ctxA = await arena.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const ctxB = await arena.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const alpha = await ctxA.newPage();
  const bravo = await ctxB.newPage();
  const errors = [...watchPage(alpha), ...watchPage(bravo)];
  await alpha.goto(`${arena.server.url}/?room=${room}&name=alpha`);
  await bravo.goto(`${arena.server.url}/?room=${room}&name=bravo`);
  await waitState(alpha, 'playing');
  await waitState(bravo, 'playing');
  const alphaSeat = await seat(alpha);
  await recordStates(bravo);

  await alpha.close();
  await waitFor(async () => {
    const p = (await getRoom(arena.server.url, room)).players.find((p) => p.seat === alphaSeat);
    return p?.bot && p.name === 'alpha (bot)';
  });

  const back = await ctxA.newPage();
  errors.push(...watchPage(back));
  await back.goto(`${arena.server.url}/?room=${room}&name=alpha`);
  await waitState(back, 'playing');
  assert.equal(await seat(back), alphaSeat, 'the same link in the same browser returns to the seat');
  const p = (await getRoom(arena.server.url, room)).players.find((p) => p.seat === alphaSeat);
  assert.ok(!p.bot && p.name === 'alpha', `the seat after the return: ${JSON.stringify(p)}`);
  await tickAbove(bravo, Number(await bravo.evaluate(() => document.body.dataset.tick)) + 30);
  assert.deepEqual(await bravo.evaluate(() => globalThis.seenStates), ['playing'],
    'the other player played on throughout: no pause, no countdown');
  assert.deepEqual(errors, []);
  await ctxA.close();
  await ctxB.close();
});

// waitFor polls cond until it holds.
async function waitFor(cond) {
  const deadline = Date.now() + waitTimeout;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
