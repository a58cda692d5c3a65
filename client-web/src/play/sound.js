// sound.js plays the match's sound effects, synthesized by ZzFX from the parameters in the
// assets' sounds.json. Browsers let a page make sound only after the player did something on
// it, so nothing about audio exists before the first gesture: then the zzfx module, which makes
// its AudioContext as it loads, is loaded. The mute switch is remembered across visits.

/** mutedKey is the localStorage key of the mute switch. */
const mutedKey = 'skirmish.muted';

/** burstMs and burstMax bound the sounds started close together, so a firefight stays a sound. */
const burstMs = 60;
const burstMax = 4;

/** gestures are the events that count as the player doing something (user activation). */
const gestures = ['pointerdown', 'pointerup', 'keydown', 'touchend'];

/**
 * Sound plays named sounds once unlocked by a gesture and not muted. load imports zzfx
 * (replaced in tests); storage keeps the mute switch.
 */
export class Sound {
  constructor({ sounds = {}, storage = globalThis.localStorage, load = () => import('zzfx') } = {}) {
    this.params = sounds;
    this.storage = storage;
    this.load = load;
    this.muted = storage?.getItem(mutedKey) === '1';
    this.zzfx = null; // the ZZFX object once loaded
    this.loading = null;
    this.samples = new Map();
    this.recent = [];
    // played counts the sounds started, for people and tests.
    this.played = 0;
    this.onGesture = () => this.unlock();
    this.listeners = [];
  }

  /** state says where audio is: waiting (for a gesture), muted, loading or on. */
  get state() {
    if (this.muted) return 'muted';
    if (this.zzfx === null) return this.loading === null ? 'waiting' : 'loading';
    return 'on';
  }

  /** listen waits on target (the window) for the gesture that unlocks audio. */
  listen(target, onChange = () => {}) {
    this.onChange = onChange;
    for (const type of gestures) target.addEventListener(type, this.onGesture, { capture: true });
    this.listeners.push(target);
  }

  /** stop stops listening for gestures. */
  stop() {
    for (const target of this.listeners) {
      for (const type of gestures) target.removeEventListener(type, this.onGesture, { capture: true });
    }
    this.listeners = [];
  }

  /** unlock loads the synthesizer, on the first gesture while not muted. */
  unlock() {
    if (this.muted || this.loading !== null) return this.loading;
    this.loading = this.load().then(({ ZZFX }) => {
      this.zzfx = ZZFX;
      // A context made right after a gesture may still start suspended in some browsers.
      if (ZZFX.audioContext.state === 'suspended') ZZFX.audioContext.resume();
      this.onChange?.();
    }, (err) => {
      console.warn('skirmish: no sound:', err.message);
    });
    this.onChange?.();
    return this.loading;
  }

  /** setMuted switches the sound off or on and remembers the choice. */
  setMuted(muted) {
    this.muted = muted;
    this.storage?.setItem(mutedKey, muted ? '1' : '0');
    // Unmuting is itself a gesture: audio can start at once.
    if (!muted) this.unlock();
    this.onChange?.();
  }

  /** play starts the sound called name at volume (0..1), if audio is on. */
  play(name, volume = 1) {
    if (this.muted || this.zzfx === null) return;
    const now = performance.now();
    this.recent = this.recent.filter((t) => now - t < burstMs);
    if (this.recent.length >= burstMax) return;
    const p = this.params[name];
    if (p === undefined) return;
    let samples = this.samples.get(name);
    if (samples === undefined) {
      // Built once without ZzFX's random detune, so every shot sounds the same.
      samples = this.zzfx.buildSamples(p[0], 0, ...p.slice(2));
      this.samples.set(name, samples);
    }
    this.recent.push(now);
    this.zzfx.playSamples([samples], volume);
    this.played++;
  }
}
