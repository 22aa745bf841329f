// A hand-made SVG chart of a load run: four stacked panels sharing the time axis (load, latency, backlog, tier
// sizes), with the scaling events as dashed vertical lines. No dependency, readable in any browser or README.
// Layout rules: the title has its own band above the first panel's label; every line has its own colour (the
// series and the two kinds of scaling line), each panel has a legend, the scaling lines a legend of their own;
// y axes have round ticks with grid lines, the time axis ticks on every panel and labels under the last.
import type { ScalingEvent, TimelineRow } from './timeline.js';

interface Series {
  name: string;
  color: string;
  values: (number | null)[];
  step?: boolean;
}

const W = 900;
const PANEL_H = 130;
const LEFT = 64;
const RIGHT = 150;
const TITLE_H = 34; // the title's band: its baseline at 20, the first panel's label below 34
const LABEL_H = 18; // a panel's label above its frame
const GAP = 16; // below a panel's frame: its time tick labels are drawn only under the last panel
const AXIS_H = 34; // the time axis labels and name under the last panel
// Tableau 10: distinct hues. Series take them in order; the scaling lines have two of their own.
const PALETTE = ['#1f77b4', '#2ca02c', '#d62728', '#ff7f0e', '#9467bd', '#17becf', '#8c564b', '#bcbd22'];
export const SCALE_UP_COLOR = '#e377c2';
export const SCALE_DOWN_COLOR = '#7f7f7f';

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

/** Round tick step so that [0, max] has about `target` intervals (1, 2, 2.5, 5 x 10^n). */
export function tickStep(max: number, target = 4): number {
  if (!(max > 0)) return 1;
  const raw = max / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/** 0, step, 2 step, ... up to the first tick >= max. */
export function ticks(max: number, target = 4): number[] {
  const step = tickStep(max, target);
  const n = Math.max(1, Math.ceil(max / step - 1e-9));
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

const fmtTick = (v: number) => (Math.abs(v) >= 1000 ? `${Number((v / 1000).toPrecision(3))}k` : String(v));

export function renderChart(rows: TimelineRow[], events: ScalingEvent[], title: string): string {
  const tiers = [...new Set(rows.flatMap((r) => Object.keys(r.tiers)))].sort();
  let nextColor = 0;
  const color = () => PALETTE[nextColor++ % PALETTE.length]!;
  const panels: { label: string; integer?: boolean; series: Series[] }[] = [
    {
      label: 'load (per s)',
      series: [
        { name: 'sent', color: color(), values: rows.map((r, i) => r.sent / intervalOf(rows, i)) },
        { name: 'answered', color: color(), values: rows.map((r) => r.throughput) },
        { name: 'errors', color: color(), values: rows.map((r, i) => r.errors / intervalOf(rows, i)) },
      ],
    },
    {
      label: 'latency (ms)',
      series: [
        { name: 'p50', color: color(), values: rows.map((r) => r.p50) },
        { name: 'p99', color: color(), values: rows.map((r) => r.p99) },
      ],
    },
    {
      label: 'backlog (tasks)',
      integer: true,
      series: [{ name: 'backlog', color: color(), values: rows.map((r) => r.backlog) }],
    },
    {
      label: 'tier size (processes / servers)',
      integer: true,
      series: tiers.map((t) => ({ name: t, color: color(), values: rows.map((r) => r.tiers[t] ?? null), step: true })),
    },
  ];
  const tMax = Math.max(1, ...rows.map((r) => r.t));
  const plotW = W - LEFT - RIGHT;
  const x = (t: number) => LEFT + (t / tMax) * plotW;
  const panelTop = (pi: number) => TITLE_H + LABEL_H + pi * (LABEL_H + PANEL_H + GAP);
  const lastBottom = panelTop(panels.length - 1) + PANEL_H;
  const H = lastBottom + AXIS_H;
  const tTicks = ticks(tMax, 8).filter((t) => t <= tMax + 1e-9);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text class="title" x="${LEFT}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  // The scaling lines' legend, in the title band on the right.
  if (events.length) {
    const lx = W - RIGHT + 10;
    out.push(`<g class="legend-scaling">`);
    out.push(
      `<line x1="${lx - 150}" x2="${lx - 130}" y1="16" y2="16" stroke="${SCALE_UP_COLOR}" stroke-width="1.5" stroke-dasharray="3,3"/>`,
    );
    out.push(`<text x="${lx - 126}" y="20">scale-up</text>`);
    out.push(
      `<line x1="${lx - 70}" x2="${lx - 50}" y1="16" y2="16" stroke="${SCALE_DOWN_COLOR}" stroke-width="1.5" stroke-dasharray="3,3"/>`,
    );
    out.push(`<text x="${lx - 46}" y="20">scale-down</text>`);
    out.push(`</g>`);
  }
  panels.forEach((panel, pi) => {
    const y0 = panelTop(pi);
    const all = panel.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
    const yTicks = panel.integer
      ? ticks(Math.max(1, ...all), 4).filter((v) => Number.isInteger(v))
      : ticks(Math.max(0, ...all), 4);
    const yMax = yTicks.at(-1)! || 1;
    const y = (v: number) => y0 + PANEL_H - (v / yMax) * PANEL_H;
    out.push(`<g class="panel">`);
    out.push(`<text class="panel-label" x="${LEFT}" y="${y0 - 6}" font-weight="bold">${esc(panel.label)}</text>`);
    // y axis: ticks, labels and grid lines.
    for (const v of yTicks) {
      const yy = y(v).toFixed(1);
      out.push(`<line x1="${LEFT}" x2="${LEFT + plotW}" y1="${yy}" y2="${yy}" stroke="#eee"/>`);
      out.push(`<line x1="${LEFT - 4}" x2="${LEFT}" y1="${yy}" y2="${yy}" stroke="#333"/>`);
      out.push(
        `<text class="ytick" x="${LEFT - 7}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${fmtTick(v)}</text>`,
      );
    }
    // time axis ticks on every panel.
    for (const t of tTicks) {
      const xx = x(t).toFixed(1);
      out.push(`<line x1="${xx}" x2="${xx}" y1="${y0 + PANEL_H}" y2="${y0 + PANEL_H + 4}" stroke="#333"/>`);
    }
    out.push(`<rect x="${LEFT}" y="${y0}" width="${plotW}" height="${PANEL_H}" fill="none" stroke="#999"/>`);
    for (const e of events) {
      const ex = x(e.t).toFixed(1);
      const c = e.direction === 'up' ? SCALE_UP_COLOR : SCALE_DOWN_COLOR;
      out.push(
        `<line class="scaling" x1="${ex}" x2="${ex}" y1="${y0}" y2="${y0 + PANEL_H}" stroke="${c}" stroke-width="1.5" stroke-dasharray="3,3"/>`,
      );
    }
    panel.series.forEach((s, si) => {
      const pts: string[] = [];
      let prev: number | null = null;
      rows.forEach((r, i) => {
        const v = s.values[i];
        if (v === null || v === undefined || !Number.isFinite(v)) return;
        if (s.step && prev !== null) pts.push(`${x(r.t).toFixed(1)},${y(prev).toFixed(1)}`);
        pts.push(`${x(r.t).toFixed(1)},${y(v).toFixed(1)}`);
        prev = v;
      });
      if (pts.length)
        out.push(
          `<polyline class="series" fill="none" stroke="${s.color}" stroke-width="1.5" points="${pts.join(' ')}"/>`,
        );
      out.push(`<rect x="${W - RIGHT + 10}" y="${y0 + 4 + si * 16}" width="10" height="10" fill="${s.color}"/>`);
      out.push(`<text class="legend" x="${W - RIGHT + 24}" y="${y0 + 13 + si * 16}">${esc(s.name)}</text>`);
    });
    out.push(`</g>`);
  });
  for (const t of tTicks) {
    out.push(
      `<text class="xtick" x="${x(t).toFixed(1)}" y="${lastBottom + 16}" text-anchor="middle">${fmtTick(t)}</text>`,
    );
  }
  out.push(`<text x="${LEFT + plotW / 2}" y="${lastBottom + 30}" text-anchor="middle">time since start (s)</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function intervalOf(rows: TimelineRow[], i: number): number {
  const prev = i === 0 ? 0 : rows[i - 1]!.t;
  return Math.max(0.001, rows[i]!.t - prev);
}
