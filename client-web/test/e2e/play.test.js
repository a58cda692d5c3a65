// The player page against a real server in headless Chromium: two players and two bots play a
// room, one player's network fails and comes back, a reload resumes the seat.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  createRoom, getRoom, overlapping, resultPath, useArena, waitState, waitTimeout, watchPage,
} from './harness.js';

const arena = useArena({ grace: '60s' });

async function tick(page) {
  return Number(await page.evaluate(() => document.body.dataset.tick));
}

function tickAbove(page, t) {
  return page.waitForFunction((t) => Number(document.body.dataset.tick) > t, t, { timeout: waitTimeout });
}

// canvasStats reads the arena's pixels back: how many distinct colours it shows and which
// share of it differs from the top-left pixel (the background).
function canvasStats(page) {
  return page.evaluate(() => {
    const c = document.querySelector('#arena');
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    const colours = new Set();
    let differ = 0;
    for (let i = 0; i < data.length; i += 4) {
      const rgb = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      colours.add(rgb);
      if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2]) differ++;
    }
    return { colours: colours.size, drawn: differ / (data.length / 4), width: c.width, height: c.height };
  });
}

// shipDrawn waits until the canvas shows a pixel close to the seat's colour, that is until
// that ship is drawn (it may be waiting to respawn when first asked).
async function shipDrawn(page, seat) {
  const palette = await (await fetch(`${arena.server.url}/assets/palette.json`)).json();
  const hex = palette.seats[seat];
  const want = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return page.waitForFunction((want) => {
    const c = document.querySelector('#arena');
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - want[0]) + Math.abs(data[i + 1] - want[1]) + Math.abs(data[i + 2] - want[2]) < 30) return true;
    }
    return false;
  }, want, { timeout: waitTimeout, polling: 200 });
}

// assertBeside checks that the scoreboard, the feed and the bar lie outside the arena, and
// that the arena is of a playable size for the window.
async function assertBeside(page, name) {
  assert.deepEqual(await overlapping(page, '#arena', ['.hud', '#scoreboard', '#feed', '#banner']), [], `${name}: words on the arena`);
  const arenaBox = await page.locator('#arena').boundingBox();
  const view = page.viewportSize();
  assert.ok(arenaBox.width * arenaBox.height > 0.55 * view.width * view.height, `${name}: the arena ${JSON.stringify(arenaBox)} is a small part of the window`);
}

// catchEffect waits for an effect of kind aged minAge to maxAge seconds on the page's canvas
// and returns, from the very frame that shows it, how many of the canvas pixels around it pass
// bright (r, g, b) and the canvas as a PNG data URL.
function catchEffect(page, kind, [minAge, maxAge], radius, bright) {
  return page.waitForFunction(({ kind, minAge, maxAge, radius, bright }) => {
    const e = globalThis.skirmish?.stats.showing.find((x) => x.kind === kind && x.age >= minAge && x.age <= maxAge);
    if (e === undefined) return false;
    const c = document.querySelector('#arena');
    const x0 = Math.max(0, Math.round(e.x - radius));
    const y0 = Math.max(0, Math.round(e.y - radius));
    const { data } = c.getContext('2d').getImageData(x0, y0, 2 * radius, 2 * radius);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] >= bright[0] && data[i + 1] >= bright[1] && data[i + 2] >= bright[2]) n++;
    }
    return { n, png: c.toDataURL('image/png') };
  }, { kind, minAge, maxAge, radius, bright }, { timeout: 60_000, polling: 'raf' }).then((h) => h.jsonValue());
}

function savePNG(dataURL, name) {
  writeFileSync(resultPath(name), Buffer.from(dataURL.slice(dataURL.indexOf(',') + 1), 'base64'));
}

test('two players play, survive a network cut and a reload in the same seat', async (t) => {
  const room = await createRoom(arena.server.url, { seats: 4, bots: 2 });

  // Alpha reaches the server through the proxy, so that its network can fail on its own.
  const ctxA = await arena.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const ctxB = await arena.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const alpha = await ctxA.newPage();
  const bravo = await ctxB.newPage();
  const errors = [...watchPage(alpha), ...watchPage(bravo)];
  await alpha.goto(`${arena.proxy.url}/?room=${room}&name=alpha`);
  await bravo.goto(`${arena.server.url}/?room=${room}&name=bravo`);

  await Promise.all([waitState(alpha, 'playing'), waitState(bravo, 'playing')]);
  assert.equal(await alpha.evaluate(() => document.body.dataset.room), room);
  const seatA = Number(await alpha.evaluate(() => document.body.dataset.seat));
  const seatB = Number(await bravo.evaluate(() => document.body.dataset.seat));
  assert.notEqual(seatA, seatB);

  // Both play for a few seconds: ticks rise while alpha and bravo move, aim and fire.
  const t0 = await tick(bravo);
  await alpha.mouse.move(640, 400);
  await bravo.mouse.move(300, 600);
  for (const [key, page] of [['KeyS', alpha], ['KeyW', bravo]]) {
    await page.keyboard.down(key);
    await page.keyboard.down('Space');
  }
  await Promise.all([tickAbove(alpha, t0 + 45), tickAbove(bravo, t0 + 45)]);
  await alpha.keyboard.up('KeyS');
  await alpha.keyboard.down('KeyA');
  await Promise.all([tickAbove(alpha, t0 + 90), tickAbove(bravo, t0 + 90)]);
  for (const page of [alpha, bravo]) {
    for (const key of ['KeyA', 'KeyW', 'Space']) await page.keyboard.up(key);
  }

  for (const [name, page] of [['alpha', alpha], ['bravo', bravo]]) {
    const s = await canvasStats(page);
    assert.ok(s.width > 0 && s.height > 0, `${name}: canvas ${s.width}x${s.height}`);
    assert.ok(s.colours > 8, `${name}: the canvas shows only ${s.colours} colours`);
    assert.ok(s.drawn > 0.3, `${name}: only ${(s.drawn * 100).toFixed(1)}% of the canvas is drawn`);
    await shipDrawn(page, seatA);
  }
  // The picture for people shows bravo in play, not waiting to respawn.
  await bravo.waitForFunction(() => document.querySelector('#overlay').hidden, null, { timeout: waitTimeout });
  await bravo.screenshot({ path: resultPath('match.png') });
  await assertBeside(bravo, 'bravo at 1280x800');
  assert.match(await bravo.locator('#goal').innerText(), /first to 10/);
  assert.match(await bravo.locator('#clock').innerText(), /^[0-3]:[0-5]\d$/);
  assert.equal(await bravo.locator('#scoreboard li.own .name').innerText(), 'bravo');
  await alpha.setViewportSize({ width: 800, height: 500 });
  await alpha.waitForFunction(() => document.querySelector('#overlay').hidden, null, { timeout: waitTimeout });
  await shipDrawn(alpha, seatA);
  await alpha.screenshot({ path: resultPath('match-800x500.png') });
  await assertBeside(alpha, 'alpha at 800x500');
  for (const [name, page] of [['alpha', alpha], ['bravo', bravo]]) {
    t.diagnostic(`${name} prediction: ${JSON.stringify(await page.evaluate(() => globalThis.skirmish.stats))}`);
  }

  // Alpha's network fails: bravo's room pauses, naming alpha; alpha tries to get back.
  arena.proxy.cut();
  await Promise.all([waitState(bravo, 'paused'), waitState(alpha, 'reconnecting')]);
  assert.match(await bravo.locator('#overlay').innerText(), /alpha/);
  await bravo.screenshot({ path: resultPath('paused.png') });

  // The network comes back: alpha reconnects by itself into its seat, and play resumes.
  arena.proxy.restore();
  await Promise.all([waitState(alpha, 'playing'), waitState(bravo, 'playing')]);
  assert.equal(Number(await alpha.evaluate(() => document.body.dataset.seat)), seatA);
  const t1 = await tick(bravo);
  await Promise.all([tickAbove(alpha, t1 + 10), tickAbove(bravo, t1 + 10)]);

  // A reload resumes the same seat with the token kept in localStorage.
  await alpha.reload();
  await waitState(alpha, 'playing');
  assert.equal(Number(await alpha.evaluate(() => document.body.dataset.seat)), seatA);
  const info = await getRoom(arena.server.url, room);
  const entry = info.players.find((p) => p.name === 'alpha');
  assert.ok(entry, `alpha is not in the room: ${JSON.stringify(info.players)}`);
  assert.equal(entry.seat, seatA);
  assert.equal(entry.connected, true);
  assert.equal(info.players.filter((p) => p.name === 'alpha').length, 1, 'the reload took a second seat');
  await waitState(bravo, 'playing');

  assert.deepEqual(errors.filter((e) => !/WebSocket|ERR_CONNECTION|net::/.test(e)), []);
  await ctxA.close();
  await ctxB.close();
});

test('a connection gone silent is shown as unstable before it is given up', async () => {
  const room = await createRoom(arena.server.url, { seats: 2, bots: 1 });
  const ctx = await arena.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(`${arena.proxy.url}/?room=${room}&name=quiet`);
  await waitState(page, 'playing');
  assert.equal(await page.locator('#conn').innerText(), 'connected');
  arena.proxy.freeze();
  try {
    // The page gives a silent connection up after five seconds; the warning comes well before.
    await page.waitForFunction(() => document.querySelector('#conn').textContent === 'connection unstable' &&
      document.body.dataset.state === 'playing', null, { timeout: waitTimeout, polling: 50 });
  } finally {
    arena.proxy.thaw();
  }
  await page.waitForFunction(() => document.querySelector('#conn').textContent === 'connected', null, { timeout: waitTimeout });
  await ctx.close();
});

test('a match ends with results that wait for the players, then a fresh match in the same room', async () => {
  // Six bots frag each other quickly, so a frag limit of five comes within half a minute or
  // so. The room starts once both players are in.
  const room = await createRoom(arena.server.url, { seats: 8, bots: 6, fragLimit: 5 });
  const ctx = await arena.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const ctxB = await arena.browser.newContext({ viewport: { width: 800, height: 500 } });
  const page = await ctx.newPage();
  const leaver = await ctxB.newPage();
  const errors = watchPage(page);
  await page.goto(`${arena.server.url}/?room=${room}&name=stayer`);
  await leaver.goto(`${arena.server.url}/?room=${room}&name=leaver`);
  await Promise.all([waitState(page, 'playing'), waitState(leaver, 'playing')]);

  // The bots fight: a struck ship flashes white, a dead one explodes in a hot blast.
  const flash = await catchEffect(page, 'hit', [0, 0.05], 20, [205, 205, 205]);
  savePNG(flash.png, 'hit-flash.png');
  assert.ok(flash.n >= 25, `a hit shows ${flash.n} white pixels on the struck ship`);
  const blast = await catchEffect(page, 'death', [0.1, 0.35], 40, [200, 110, 0]);
  savePNG(blast.png, 'explosion.png');
  assert.ok(blast.n >= 60, `an explosion shows ${blast.n} hot pixels`);

  await Promise.all([page, leaver].map((p) => p.waitForFunction(() => document.body.dataset.state === 'ended', null, { timeout: 150_000 })));

  // The results show for a few seconds only, so the choices come first. One player goes back
  // to the lobby from the results: a bye, so the seat is given up.
  await leaver.getByRole('button', { name: 'Lobby' }).click();
  const overlay = page.locator('#overlay[data-kind="ended"]');
  assert.match(await overlay.locator('h2').innerText(), /wins$/);
  assert.match(await overlay.locator('p').innerText(), /^Next match in \d+ s$/);
  // Each list as sorted "name frags deaths" lines: the results, and the scoreboard, which
  // must agree with them.
  const rows = (p, selector) => p.$$eval(selector, (lis) => lis.map((li) => [
    li.querySelector('.name').textContent,
    ...(li.querySelector('.score').textContent.match(/\d+/g) ?? []),
  ].join(' ')));
  const results = await rows(page, '#overlay .results li');
  const board = await rows(page, '#scoreboard li');
  const own = await rows(page, '#overlay .results li.own');
  await page.screenshot({ path: resultPath('results.png') });
  // The other plays again: the results make way for the time to the next match.
  await page.getByRole('button', { name: 'Play again' }).click();
  await page.locator('#overlay[data-kind="next"]').waitFor({ timeout: waitTimeout });
  assert.match(await page.locator('#overlay h2').innerText(), /^Next match (in \d+ s|soon)$/);

  assert.equal(results.length, 8);
  assert.match(results[0], / 5 \d+$/, `the winner reached the frag limit: ${results[0]}`);
  assert.deepEqual(board.sort(), [...results].sort());
  assert.equal(own.length, 1);
  assert.match(own[0], /^stayer /, 'the own row is marked');
  // A plain bot is "bot N" and a bot in a player's seat "leaver (bot)", both as the server
  // names them: the page adds nothing.
  for (const r of results) assert.doesNotMatch(r, /^bot \d+ \(bot\)|\(bot\) \(bot\)/);
  await waitState(leaver, 'lobby');
  for (const deadline = Date.now() + waitTimeout; ;) {
    const info = await getRoom(arena.server.url, room);
    if (!info.players.some((p) => p.name === 'leaver' && p.connected)) break;
    assert.ok(Date.now() < deadline, `leaver still holds a seat: ${JSON.stringify(info.players)}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  // The countdown to the next match shows none of the old scores.
  const endTick = await tick(page);
  await page.waitForFunction(() => document.body.dataset.state === 'countdown' &&
    [...document.querySelectorAll('#scoreboard .score')].every((s) => s.textContent === '0 / 0'), null, { timeout: waitTimeout, polling: 50 });
  await waitState(page, 'playing');
  assert.ok(await tick(page) < endTick, 'the rematch starts a new match');
  assert.deepEqual(errors, []);
  await ctx.close();
  await ctxB.close();
});
