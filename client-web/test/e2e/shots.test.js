// Own shots in headless Chromium through a proxy that delays every byte 150 ms each way: a
// click on the arena draws the own projectile in the very next animation frame, long before
// the server could have answered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Proxy, createRoom, useArena, waitState, waitTimeout, watchPage,
} from './harness.js';

const arena = useArena({ grace: '60s' });
const delayMs = 150;

test('a click draws the own shot in the next frame at 150 ms each way', async (t) => {
  const slow = new Proxy(arena.server.port, { delayMs });
  await slow.start();
  t.after(() => slow.close());
  const room = await createRoom(arena.server.url, { seats: 2, bots: 1 });
  const ctx = await arena.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const errors = watchPage(page);
  await page.goto(`${slow.url}/?room=${room}&name=gunner`);
  await waitState(page, 'playing');
  // Prediction needs the own ship from a first snapshot; the round trip has shown in the ping.
  await page.waitForFunction(() => globalThis.skirmish?.stats.reconciled > 10, null, { timeout: waitTimeout });

  const results = [];
  for (let i = 0; i < 3; i++) {
    // In the page: note the picture of one frame, press fire, and look at the next frame.
    // This page's animation callback was queued before ours in each frame, so ours sees what
    // it drew.
    const r = await page.evaluate(async () => {
      const c = document.querySelector('#arena');
      const g = c.getContext('2d');
      const frame = () => new Promise((resolve) => { requestAnimationFrame(resolve); });
      const stats = globalThis.skirmish.stats;
      await frame();
      const before = g.getImageData(0, 0, c.width, c.height).data;
      stats.shot = null;
      const box = c.getBoundingClientRect();
      const at = { clientX: box.left + box.width / 2, clientY: box.top + box.height / 2, button: 0, bubbles: true };
      c.dispatchEvent(new PointerEvent('pointerdown', at));
      await frame();
      const shot = stats.shot;
      window.dispatchEvent(new PointerEvent('pointerup', at));
      if (shot === null) return { shot };
      const x = Math.round(shot.x);
      const y = Math.round(shot.y);
      const after = g.getImageData(x, y, 1, 1).data;
      const i4 = (y * c.width + x) * 4;
      return { shot, before: [...before.slice(i4, i4 + 3)], after: [...after.slice(0, 3)] };
    });
    assert.ok(r.shot !== null, `press ${i + 1}: no own shot drawn in the frame after the click`);
    assert.equal(r.shot.frames, 1, `press ${i + 1}: the shot was first drawn ${r.shot.frames} frames after the click`);
    assert.notDeepEqual(r.after, r.before, `press ${i + 1}: the canvas did not change where the shot is said to be`);
    results.push(r.shot);
    // Let the gun cool down (250 ms) and the shot's record come back before the next press.
    await page.waitForTimeout(2 * delayMs + 300);
  }
  t.diagnostic(`click to drawn own shot: ${results.map((s) => `${s.frames} frame, ${s.ms.toFixed(1)} ms`).join('; ')}`);
  assert.deepEqual(errors, []);
  await ctx.close();
});
