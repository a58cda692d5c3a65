// The operators' dashboard in headless Chromium against a real server started with
// -admin-token: it refuses a wrong token; with the right one it plots figures that move while
// bots play, and its room table closes a room and removes a player, who read why.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRoom, launchBrowser, resultPath, startServer, waitState, waitTimeout, watchPage } from './harness.js';

const token = 'e2e-operator-token';
let server;
let browser;

before(async () => {
  server = await startServer({ args: ['-admin-token', token] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// dashboard opens /admin in a fresh context and gives it the operator token.
async function dashboard(ctx, withToken = token) {
  const page = await ctx.newPage();
  await page.goto(`${server.url}/admin`);
  await waitState(page, 'login');
  await page.locator('#login input[type=password]').fill(withToken);
  await page.getByRole('button', { name: 'Open the dashboard' }).click();
  return page;
}

const samples = (page) => page.evaluate(() => Number(document.body.dataset.samples ?? 0));

// strokePixels counts the pixels of a plot's canvas near the color rgb, and returns them with a
// digest of the whole picture.
function strokePixels(page, plot, rgb) {
  return page.evaluate(({ plot, rgb }) => {
    const c = document.querySelector(`${plot} canvas`);
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    let n = 0;
    let digest = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - rgb[0]) < 30 && Math.abs(data[i + 1] - rgb[1]) < 30 && Math.abs(data[i + 2] - rgb[2]) < 30) n++;
      digest = (digest * 31 + data[i] + data[i + 1] + data[i + 2] + data[i + 3]) % 1_000_000_007;
    }
    return { n, digest };
  }, { plot, rgb });
}

test('the dashboard refuses without the right token', async () => {
  const ctx = await browser.newContext();
  const page = await dashboard(ctx, 'not-the-token-at-all');
  await waitState(page, 'refused');
  assert.match(await page.locator('#login-error').innerText(), /not this server's operator token/);
  assert.equal(await page.locator('#dashboard').isHidden(), true);
  const status = await page.evaluate(async () => (await fetch('/api/admin/events')).status);
  assert.equal(status, 401);
  await ctx.close();
});

test('the dashboard plots figures that move while bots play, and acts on the rooms', async () => {
  const bots = await createRoom(server.url, { seats: 4, bots: 4 });
  const closing = await createRoom(server.url, { seats: 2, bots: 1 });
  const kicking = await createRoom(server.url, { seats: 2, bots: 1 });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const players = {};
  for (const [room, name] of [[closing, 'ada'], [kicking, 'bob']]) {
    players[name] = await ctx.newPage();
    await players[name].goto(`${server.url}/?room=${room}&name=${name}`);
    await waitState(players[name], 'playing');
  }
  const page = await dashboard(ctx);
  const errors = watchPage(page);
  await waitState(page, 'live');
  await page.waitForFunction(() => Number(document.body.dataset.samples) >= 4, null, { timeout: waitTimeout });

  // The figures are the server's: its rooms tick, two players play, bytes go out.
  const figures = () => page.evaluate(() => {
    const s = globalThis.skirmish.admin.series;
    return { times: s.times, p99: s.columns.tickP99, players: s.columns.players, bytes: s.columns.bytesOut, rooms: s.roomIDs() };
  });
  let f = await figures();
  const n = f.times.length;
  assert.ok(f.p99.slice(-3).every((v) => v > 0), `tick p99 ${f.p99}`);
  assert.equal(f.players[n - 1], 2);
  assert.ok(f.bytes[n - 1] > 0, `bytes out ${f.bytes}`);
  assert.deepEqual([...f.rooms].sort(), [bots, closing, kicking].sort());

  // The plots draw them, and move on as the seconds pass.
  const orange = [0xf5, 0x82, 0x31]; // the second line's color: p99
  const before = await strokePixels(page, '#plot-tick', orange);
  assert.ok(before.n > 40, `the p99 line has ${before.n} pixels`);
  await page.waitForFunction((n) => Number(document.body.dataset.samples) >= n + 2, n, { timeout: waitTimeout });
  const later = await strokePixels(page, '#plot-tick', orange);
  f = await figures();
  assert.notEqual(later.digest, before.digest, 'the tick plot did not change in two seconds');
  assert.ok(new Set(f.p99).size > 1, `the tick p99 never moved: ${f.p99}`);

  // The room table lists every room with its players.
  const row = (room) => page.locator(`#room-table tr[data-room="${room}"]`);
  await row(closing).getByText('ada').waitFor({ timeout: waitTimeout });
  assert.match(await row(bots).innerText(), /bot 1 \(bot\)/);
  await page.screenshot({ path: resultPath('admin.png'), fullPage: true });

  // Close a room: its player is told, with the reason.
  await row(closing).locator('.reason').fill('server maintenance');
  await row(closing).getByRole('button', { name: 'Close room' }).click();
  await waitState(players.ada, 'lobby');
  assert.equal(await players.ada.locator('#notice').innerText(), 'An operator closed this room. (server maintenance)');
  await row(closing).waitFor({ state: 'detached', timeout: waitTimeout });

  // Remove a player: the player is told why, and a bot takes the seat.
  await row(kicking).locator('.reason').fill('take a break');
  await row(kicking).getByRole('button', { name: 'Remove' }).click();
  await waitState(players.bob, 'lobby');
  assert.equal(await players.bob.locator('#notice').innerText(), 'An operator removed you from this room. (take a break)');
  await row(kicking).getByText('bot 1 (bot)').waitFor({ timeout: waitTimeout });
  assert.equal(await page.locator('#admin-notice').isHidden(), true);

  assert.deepEqual(errors, []);
  await ctx.close();
});
