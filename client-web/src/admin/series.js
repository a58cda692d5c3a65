// series.js keeps the figures the dashboard plots as uPlot's columns: one array of times and
// one array per figure, the last few minutes of them.

/** keepSeconds is how much of the past the plots show. */
export const keepSeconds = 120;

/** Figures are the columns plotted, each read from a figures event. */
export const Figures = {
  tickP50: (f) => f.tickP50,
  tickP99: (f) => f.tickP99,
  players: (f) => f.players,
  spectators: (f) => f.spectators,
  bytesOut: (f) => f.bytesOut,
  lateTicks: (f) => f.lateTicks,
  pauses: (f) => f.pauses,
  refusals: (f) => f.refusals,
};

/**
 * Series holds the figures by time (seconds) and, for the rooms this node runs, each room's
 * tick p99; a room that comes or goes leaves gaps (null) where it did not exist.
 */
export class Series {
  constructor() {
    this.times = [];
    this.columns = Object.fromEntries(Object.keys(Figures).map((k) => [k, []]));
    this.rooms = new Map(); // room id -> its tick p99 per time
  }

  /** add takes a figures event; one not newer than the last is ignored. */
  add(f) {
    const t = f.t / 1000;
    if (this.times.length > 0 && t <= this.times[this.times.length - 1]) return false;
    this.times.push(t);
    for (const [k, read] of Object.entries(Figures)) this.columns[k].push(read(f) ?? null);
    const local = (f.table ?? []).filter((r) => r.local);
    for (const r of local) {
      if (!this.rooms.has(r.id)) this.rooms.set(r.id, new Array(this.times.length - 1).fill(null));
    }
    for (const [id, col] of this.rooms) col.push(local.find((r) => r.id === id)?.tickP99 ?? null);
    while (this.times.length > 0 && this.times[0] < t - keepSeconds) this.drop();
    for (const [id, col] of this.rooms) {
      if (col.every((v) => v === null)) this.rooms.delete(id);
    }
    return true;
  }

  drop() {
    this.times.shift();
    for (const col of Object.values(this.columns)) col.shift();
    for (const col of this.rooms.values()) col.shift();
  }

  /** data returns uPlot's data for the figures named: the times, then each figure's column. */
  data(...names) {
    return [this.times, ...names.map((n) => this.columns[n])];
  }

  /** roomData returns the times and each room's column, in the order of roomIDs. */
  roomData() {
    return [this.times, ...[...this.rooms.values()]];
  }

  roomIDs() {
    return [...this.rooms.keys()];
  }
}
