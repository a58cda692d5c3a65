// plots.js draws the dashboard's plots with uPlot: a few lines over the last minutes, with a
// legend that reads out the values under the cursor.
import uPlot from 'uplot';

/** Colors of a plot's lines, in order. */
export const lineColors = ['#3cb4ff', '#f58231', '#3cdc64', '#e6194b', '#ffe119', '#b77bff', '#46f0f0', '#f032e6'];

const axisColor = '#8a94a8';
const gridColor = '#2c3547';
const plotHeight = 170;

/** Plot is one uPlot chart in el, of lines labelled labels, whose values format shows. */
export class Plot {
  constructor(el, labels, format = (v) => String(v)) {
    this.el = el;
    this.format = format;
    this.labels = labels;
    this.chart = null;
  }

  /** update draws data (times, then one column per label); with new labels it starts afresh. */
  update(data, labels = this.labels) {
    if (this.chart !== null && labels.join('\n') !== this.labels.join('\n')) {
      this.chart.destroy();
      this.chart = null;
    }
    this.labels = labels;
    if (this.chart === null) {
      this.chart = new uPlot(this.options(), data, this.el);
      return;
    }
    this.chart.setData(data);
  }

  options() {
    const value = (_, v) => (v == null ? '–' : this.format(v));
    return {
      width: this.width(),
      height: plotHeight,
      series: [{}, ...this.labels.map((label, i) => ({ label, stroke: lineColors[i % lineColors.length], width: 2, value }))],
      axes: [
        { stroke: axisColor, grid: { stroke: gridColor }, ticks: { stroke: gridColor } },
        { stroke: axisColor, grid: { stroke: gridColor }, ticks: { stroke: gridColor }, size: 80, values: (_, vals) => vals.map((v) => this.format(v)) },
      ],
      scales: { x: { time: true }, y: { range: (_, min, max) => [0, Math.max(max, 1e-9) * 1.1] } },
    };
  }

  width() {
    return Math.max(200, this.el.clientWidth);
  }

  /** resize fits the chart to its element's width. */
  resize() {
    this.chart?.setSize({ width: this.width(), height: plotHeight });
  }
}

/** ms formats a duration in milliseconds. */
export function ms(v) {
  return v >= 10 ? `${v.toFixed(0)} ms` : `${v.toPrecision(2)} ms`;
}

/** bytes formats a rate in bytes per second. */
export function bytes(v) {
  if (v >= 1 << 20) return `${(v / (1 << 20)).toFixed(1)} MB/s`;
  if (v >= 1 << 10) return `${(v / (1 << 10)).toFixed(1)} KB/s`;
  return `${v.toFixed(0)} B/s`;
}

/** count formats a count, whole or not. */
export function count(v) {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}
