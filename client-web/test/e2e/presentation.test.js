// The presentation in headless Chromium against a real server: sound that waits for the
// player's first gesture and a mute switch that outlives a reload.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRoom, useArena, waitState, waitTimeout, watchPage } from './harness.js';

const arena = useArena({ grace: '60s' });

// countAudio makes the page record every AudioContext made, and whether the player had done
// anything on the page (user activation) by then.
function countAudio() {
  const Native = window.AudioContext;
  window.audioContexts = [];
  window.AudioContext = class extends Native {
    constructor(...args) {
      super(...args);
      window.audioContexts.push({ activated: navigator.userActivation.hasBeenActive, context: this });
    }
  };
}

// shotsAbove waits until the page has shown more than n shots of anyone in all.
function shotsAbove(page, n) {
  return page.waitForFunction((n) => globalThis.skirmish.stats.effects.shot > n, n, { timeout: waitTimeout });
}

const shots = (page) => page.evaluate(() => globalThis.skirmish.stats.effects.shot);

test('audio starts only after a gesture, and mute outlives a reload', async () => {
  const room = await createRoom(arena.server.url, { seats: 4, bots: 3 });
  const ctx = await arena.browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctx.addInitScript(countAudio);
  const page = await ctx.newPage();
  const errors = watchPage(page);
  await page.goto(`${arena.server.url}/?room=${room}&name=listener`);
  await waitState(page, 'playing');

  // The bots fire away, but without a gesture there is no audio at all.
  await shotsAbove(page, 10);
  assert.equal(await page.evaluate(() => window.audioContexts.length), 0);
  assert.equal(await page.evaluate(() => document.body.dataset.audio), 'waiting');
  assert.equal(await page.evaluate(() => globalThis.skirmish.stats.sounds), 0);

  // A click on the arena is a gesture: audio starts, and the shots are heard.
  await page.mouse.click(500, 400);
  await page.waitForFunction(() => document.body.dataset.audio === 'on', null, { timeout: waitTimeout });
  const made = await page.evaluate(() => window.audioContexts.map((a) => a.activated));
  assert.deepEqual(made, [true], 'one AudioContext, made after the gesture');
  await page.waitForFunction(() => window.audioContexts[0].context.state === 'running', null, { timeout: waitTimeout });
  await page.waitForFunction(() => globalThis.skirmish.stats.sounds > 3, null, { timeout: waitTimeout });

  // Muted, the shots go on in silence.
  await page.getByRole('button', { name: 'Sound on' }).click();
  assert.equal(await page.getByRole('button', { name: 'Sound off' }).getAttribute('aria-pressed'), 'true');
  const heard = await page.evaluate(() => globalThis.skirmish.stats.sounds);
  await shotsAbove(page, (await shots(page)) + 10);
  assert.equal(await page.evaluate(() => globalThis.skirmish.stats.sounds), heard);

  // After a reload the page is still muted, and a gesture loads no audio.
  await page.reload();
  await waitState(page, 'playing');
  assert.equal(await page.evaluate(() => document.body.dataset.audio), 'muted');
  await page.mouse.click(500, 400);
  await shotsAbove(page, (await shots(page)) + 10);
  assert.equal(await page.evaluate(() => window.audioContexts.length), 0);
  assert.equal(await page.evaluate(() => globalThis.skirmish.stats.sounds), 0);

  // The M key switches it back on, with sound at once.
  await page.keyboard.press('KeyM');
  await page.waitForFunction(() => document.body.dataset.audio === 'on', null, { timeout: waitTimeout });
  await page.waitForFunction(() => globalThis.skirmish.stats.sounds > 0, null, { timeout: waitTimeout });
  assert.equal(await page.evaluate(() => localStorage.getItem('skirmish.muted')), '0');
  assert.deepEqual(errors, []);
  await ctx.close();
});
