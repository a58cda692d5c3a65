// The sound switch: nothing is loaded before a gesture, mute is remembered, bursts are capped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Sound } from '../../src/play/sound.js';

class MemoryStorage {
  constructor() {
    this.m = new Map();
  }

  getItem(k) {
    return this.m.get(k) ?? null;
  }

  setItem(k, v) {
    this.m.set(k, String(v));
  }
}

// fakeZZFX records what would have been played.
function fakeZZFX() {
  const played = [];
  return {
    played,
    loads: 0,
    load() {
      this.loads++;
      return Promise.resolve({
        ZZFX: {
          audioContext: { state: 'running' },
          buildSamples: (...p) => p,
          playSamples: (channels, volume) => played.push({ samples: channels[0], volume }),
        },
      });
    },
  };
}

const sounds = { shot: [0.5, 0.05, 440, 0, 0.1, 0.1], hit: [1, 0.05, 100] };

test('nothing is loaded or played before the first gesture', async () => {
  const z = fakeZZFX();
  const s = new Sound({ sounds, storage: new MemoryStorage(), load: () => z.load() });
  assert.equal(s.state, 'waiting');
  s.play('shot');
  assert.equal(z.loads, 0);
  await s.unlock();
  assert.equal(s.state, 'on');
  s.play('shot', 0.3);
  assert.deepEqual(z.played, [{ samples: [0.5, 0, 440, 0, 0.1, 0.1], volume: 0.3 }], 'built without random detune');
  await s.unlock();
  assert.equal(z.loads, 1, 'loaded once');
});

test('mute is remembered in storage and silences everything', async () => {
  const storage = new MemoryStorage();
  const z = fakeZZFX();
  const s = new Sound({ sounds, storage, load: () => z.load() });
  s.setMuted(true);
  assert.equal(s.state, 'muted');
  const again = new Sound({ sounds, storage, load: () => z.load() });
  assert.equal(again.state, 'muted', 'a new page starts muted');
  again.unlock();
  assert.equal(z.loads, 0, 'a muted page loads no audio');
  again.setMuted(false); // a click on the switch is a gesture
  await again.loading;
  again.play('hit');
  assert.equal(z.played.length, 1);
  assert.equal(storage.getItem('skirmish.muted'), '0');
});

test('a burst of sounds at once is capped', async () => {
  const z = fakeZZFX();
  const s = new Sound({ sounds, storage: new MemoryStorage(), load: () => z.load() });
  await s.unlock();
  for (let i = 0; i < 20; i++) s.play('shot');
  assert.ok(z.played.length >= 1 && z.played.length <= 4, `${z.played.length} sounds started at once`);
  assert.equal(s.played, z.played.length);
});
