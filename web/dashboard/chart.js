/* global window */
// The live lane chart: answers per second, accepted and rejected by reason, plotted with uPlot
// (served locally). The stream sends totals since the process started; the chart plots their
// differences, so a missed frame loses nothing (the next difference covers it).

const POINTS = 120;
const HEIGHT = 190;
const COLORS = {
  accepted: '#2f9e5f',
  rate_limited: '#e8833a',
  loop_detected: '#d64545',
  quarantined: '#8a5cd1',
  overloaded: '#9f1239',
  unauthorized: '#64748b',
  outbound_paused: '#0f766e',
  outbound_throttled: '#ca8a04',
  quota_exceeded: '#c2410c',
};
const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const FALLBACK = ['#2563eb', '#0891b2', '#a16207', '#be185d', '#4b5563', '#7c3aed'];

export class LaneChart {
  /** @param {HTMLElement} el where the chart draws; its data-* attributes expose the plotted sums */
  constructor(el) {
    this.el = el;
    this.prev = null;
    this.xs = [];
    this.accepted = [];
    /** @type {Map<string, number[]>} rejections per reason, aligned with xs */
    this.rejected = new Map();
    this.plot = null;
    window.addEventListener('resize', () => this.plot?.setSize({ width: this.width(), height: HEIGHT }));
  }

  width() {
    return Math.max(280, this.el.clientWidth);
  }

  /** Adds one point from cumulative totals `{ requests, rejected, reasons }` at time `t` (seconds). */
  push(t, totals) {
    const prev = this.prev;
    this.prev = totals;
    if (!prev) return this.render(); // the first frame is the baseline
    const accepted = Math.max(0, totals.requests - totals.rejected - (prev.requests - prev.rejected));
    let newReason = false;
    for (const reason of Object.keys(totals.reasons)) {
      if (!this.rejected.has(reason)) {
        this.rejected.set(reason, this.xs.map(() => 0));
        newReason = true;
      }
    }
    this.xs.push(t);
    this.accepted.push(accepted);
    for (const [reason, values] of this.rejected) values.push(Math.max(0, (totals.reasons[reason] ?? 0) - (prev.reasons[reason] ?? 0)));
    if (this.xs.length > POINTS) {
      this.xs.shift();
      this.accepted.shift();
      for (const values of this.rejected.values()) values.shift();
    }
    if (newReason) {
      // uPlot's series are fixed at creation: a new reason draws a new chart.
      this.plot?.destroy();
      this.plot = null;
    }
    this.render();
  }

  data() {
    return [this.xs, this.accepted, ...this.rejected.values()];
  }

  render() {
    this.expose();
    if (this.xs.length === 0) return;
    if (!this.plot) {
      let spare = 0;
      const series = [{}, { label: 'accepted', stroke: COLORS.accepted, fill: 'rgba(47,158,95,0.10)', width: 2, points: { show: false } }];
      for (const reason of this.rejected.keys()) {
        series.push({ label: reason, stroke: COLORS[reason] ?? FALLBACK[spare++ % FALLBACK.length], width: 2, points: { show: false } });
      }
      const axis = { stroke: '#64748b', grid: { stroke: '#eef1f5', width: 1 }, ticks: { stroke: '#e2e8f0' }, font: '11px system-ui, sans-serif' };
      this.el.textContent = '';
      this.plot = new window.uPlot({
        width: this.width(), height: HEIGHT, series, scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(5, max * 1.1)] } },
        axes: [
          // Whole seconds only: a young chart would otherwise tick every half second, twice per label.
          { ...axis, space: 80, incrs: [1, 2, 5, 10, 15, 30, 60, 120], values: (_u, ticks) => ticks.map((t) => clock.format(new Date(t * 1000))) },
          { ...axis, size: 44, label: 'per second', labelSize: 16, labelFont: '11px system-ui, sans-serif' },
        ],
        legend: { live: false }, cursor: { drag: { x: false, y: false } },
      }, this.data(), this.el);
    } else {
      this.plot.setData(this.data());
    }
  }

  /** Sums over the plotted points, on the element: what a test (or a curious operator) reads. */
  expose() {
    const sum = (values) => values.reduce((a, b) => a + b, 0);
    const reasons = {};
    for (const [reason, values] of this.rejected) reasons[reason] = sum(values);
    this.el.dataset.points = String(this.xs.length);
    this.el.dataset.accepted = String(sum(this.accepted));
    this.el.dataset.rejected = String(sum(Object.values(reasons)));
    this.el.dataset.reasons = JSON.stringify(reasons);
  }
}
