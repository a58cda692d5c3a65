// The lobby against a real server in headless Chromium: the live room list, creating and
// joining rooms, and the words a player reads when the server refuses or goes away.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRoom, getRoom, useArena, waitState, waitTimeout, watchPage } from './harness.js';

const arena = useArena({ grace: '60s' });

async function newPage() {
  const ctx = await arena.browser.newContext();
  const page = await ctx.newPage();
  return { ctx, page, errors: watchPage(page) };
}

test('the room list follows the server live and joins a room', async () => {
  const { ctx, page } = await newPage();
  await page.goto(arena.server.url);
  await waitState(page, 'lobby');
  await page.locator('#name').fill('ada');

  // A room made elsewhere appears without a reload.
  const id = await createRoom(arena.server.url, { seats: 3, bots: 1 });
  const row = page.locator(`#rooms tr[data-room="${id}"]`);
  await row.waitFor({ timeout: waitTimeout });
  assert.match(await row.innerText(), /waiting/);
  assert.match(await row.innerText(), /1\/3/);

  await row.getByRole('button', { name: 'Join' }).click();
  await page.waitForFunction((id) => document.body.dataset.room === id && document.body.dataset.seat !== undefined, id, { timeout: waitTimeout });
  assert.equal(new URL(page.url()).searchParams.get('room'), id, 'the URL names the room, so a reload comes back');

  // Leaving on purpose frees the seat and forgets the token.
  await page.getByRole('button', { name: 'Leave' }).click();
  await waitState(page, 'lobby');
  assert.equal(new URL(page.url()).search, '');
  assert.equal(await page.evaluate((id) => localStorage.getItem(`skirmish.token.${id}`), id), null);
  await page.waitForFunction((id) => document.querySelector(`#rooms tr[data-room="${id}"]`)?.innerText.includes('1/3'), id, { timeout: waitTimeout });
  await ctx.close();
});

test('creating a room from the form joins it', async () => {
  const { ctx, page, errors } = await newPage();
  await page.goto(arena.server.url);
  await page.locator('#name').fill('grace');
  await page.locator('#seats').selectOption('2');
  await page.locator('#map').selectOption('pillars');
  await page.locator('#length').selectOption('120');
  await page.locator('#level').selectOption('easy');
  await page.getByRole('button', { name: 'Create and join' }).click();
  await waitState(page, 'playing');
  assert.equal(await page.locator('#scoreboard li').count(), 2);
  const room = await getRoom(arena.server.url, await page.evaluate(() => document.body.dataset.room));
  assert.equal(room.map, 'pillars');
  assert.equal(room.timeLimit, 120);
  assert.equal(room.botLevel, 'easy');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('a room waiting for friends is shared by its link and started with bots', async () => {
  const { ctx, page, errors } = await newPage();
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto(arena.server.url);
  await page.locator('#name').fill('host');
  await page.locator('#wait').check();
  await page.getByRole('button', { name: 'Create and join' }).click();
  await waitState(page, 'waiting');
  await page.locator('[data-action=copy-link]').click();
  await page.getByRole('button', { name: 'Link copied' }).waitFor({ timeout: waitTimeout });
  const link = await page.evaluate(() => navigator.clipboard.readText());
  const id = await page.evaluate(() => document.body.dataset.room);
  assert.equal(link, `${arena.server.url}/?room=${id}`, 'the link names the room, not the host');
  await page.locator('[data-action=start-now]').click();
  await waitState(page, 'playing');
  const room = await getRoom(arena.server.url, id);
  assert.equal(room.players.filter((p) => p.bot).length, room.seats - 1, 'bots took the free seats');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('refusals are explained in the lobby', async (t) => {
  await t.test('unknown room', async () => {
    const { ctx, page } = await newPage();
    await page.goto(arena.server.url);
    await page.locator('#name').fill('ada');
    await page.locator('#code').fill('no-such-room');
    await page.getByRole('button', { name: 'Join', exact: true }).first().click();
    await page.locator('#notice').filter({ hasText: 'There is no room with that code' }).waitFor({ timeout: waitTimeout });
    await waitState(page, 'lobby');
    await ctx.close();
  });

  await t.test('room full of players', async () => {
    const id = await createRoom(arena.server.url, { seats: 2, bots: 0 });
    const players = [];
    for (const name of ['first', 'second']) {
      const p = await newPage();
      await p.page.goto(`${arena.server.url}/?room=${id}&name=${name}`);
      await p.page.waitForFunction(() => document.body.dataset.seat !== undefined, null, { timeout: waitTimeout });
      players.push(p);
    }
    const third = await newPage();
    await third.page.goto(`${arena.server.url}/?room=${id}&name=third`);
    await third.page.locator('#notice').filter({ hasText: 'That room is full' }).waitFor({ timeout: waitTimeout });
    await waitState(third.page, 'lobby');
    for (const p of [...players, third]) await p.ctx.close();
  });

  await t.test('bad token', async () => {
    const id = await createRoom(arena.server.url, { seats: 4, bots: 0 });
    const { ctx, page } = await newPage();
    await page.goto(arena.server.url);
    await page.evaluate((id) => localStorage.setItem(`skirmish.token.${id}`, 'ffffffffffffffffffffffffffffffff'), id);
    await page.goto(`${arena.server.url}/?room=${id}&name=mallory`);
    await page.locator('#notice').filter({ hasText: 'no longer valid' }).waitFor({ timeout: waitTimeout });
    // The useless token is gone: joining again takes a fresh seat.
    assert.equal(await page.evaluate((id) => localStorage.getItem(`skirmish.token.${id}`), id), null);
    await page.getByRole('button', { name: 'Join', exact: true }).first().click();
    await page.waitForFunction(() => document.body.dataset.seat !== undefined, null, { timeout: waitTimeout });
    await ctx.close();
  });
});

test('a server going away is reported while the page tries to reconnect', async () => {
  const id = await createRoom(arena.server.url, { seats: 2, bots: 1 });
  const { ctx, page } = await newPage();
  await page.goto(`${arena.server.url}/?room=${id}&name=ada`);
  await waitState(page, 'playing');
  await arena.server.stop();
  await waitState(page, 'reconnecting');
  await page.locator('#overlay').filter({ hasText: 'going away' }).waitFor({ timeout: waitTimeout });
  await ctx.close();
});
