// A hand-made SVG chart of a load run: four stacked panels sharing the time axis (load, latency, backlog, tier
// sizes), with the scaling events as vertical marks. No dependency, readable in any browser or README.
import type { ScalingEvent, TimelineRow } from './timeline.js';

interface Series {
  name: string;
  color: string;
  values: (number | null)[];
  step?: boolean;
}

const W = 900;
const PANEL_H = 130;
const LEFT = 60;
const RIGHT = 130;
const TOP = 30;
const GAP = 28;
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function renderChart(rows: TimelineRow[], events: ScalingEvent[], title: string): string {
  const tiers = [...new Set(rows.flatMap((r) => Object.keys(r.tiers)))].sort();
  const panels: { label: string; series: Series[] }[] = [
    {
      label: 'load (per s)',
      series: [
        { name: 'sent', color: COLORS[0]!, values: rows.map((r, i) => r.sent / intervalOf(rows, i)) },
        { name: 'answered', color: COLORS[2]!, values: rows.map((r) => r.throughput) },
        { name: 'errors', color: COLORS[1]!, values: rows.map((r, i) => r.errors / intervalOf(rows, i)) },
      ],
    },
    {
      label: 'latency (ms)',
      series: [
        { name: 'p50', color: COLORS[0]!, values: rows.map((r) => r.p50) },
        { name: 'p99', color: COLORS[1]!, values: rows.map((r) => r.p99) },
      ],
    },
    { label: 'backlog (tasks)', series: [{ name: 'backlog', color: COLORS[4]!, values: rows.map((r) => r.backlog) }] },
    {
      label: 'tier size',
      series: tiers.map((t, i) => ({ name: t, color: COLORS[(i + 2) % COLORS.length]!, values: rows.map((r) => r.tiers[t] ?? null), step: true })),
    },
  ];
  const tMax = Math.max(1, ...rows.map((r) => r.t));
  const plotW = W - LEFT - RIGHT;
  const x = (t: number) => LEFT + (t / tMax) * plotW;
  const H = TOP + panels.length * (PANEL_H + GAP) + 20;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${LEFT}" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  panels.forEach((panel, pi) => {
    const y0 = TOP + pi * (PANEL_H + GAP);
    const all = panel.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
    const yMax = niceMax(Math.max(0, ...all));
    const y = (v: number) => y0 + PANEL_H - (v / yMax) * PANEL_H;
    out.push(`<rect x="${LEFT}" y="${y0}" width="${plotW}" height="${PANEL_H}" fill="none" stroke="#ccc"/>`);
    out.push(`<text x="${LEFT - 6}" y="${y0 + 10}" text-anchor="end">${yMax}</text>`);
    out.push(`<text x="${LEFT - 6}" y="${y0 + PANEL_H}" text-anchor="end">0</text>`);
    out.push(`<text x="${LEFT + 4}" y="${y0 - 4}" font-weight="bold">${esc(panel.label)}</text>`);
    for (const e of events) {
      const ex = x(e.t).toFixed(1);
      out.push(`<line x1="${ex}" x2="${ex}" y1="${y0}" y2="${y0 + PANEL_H}" stroke="${e.direction === 'up' ? '#2ca02c' : '#d62728'}" stroke-dasharray="3,3"/>`);
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
      if (pts.length) out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${pts.join(' ')}"/>`);
      out.push(`<rect x="${W - RIGHT + 10}" y="${y0 + 4 + si * 16}" width="10" height="10" fill="${s.color}"/>`);
      out.push(`<text x="${W - RIGHT + 24}" y="${y0 + 13 + si * 16}">${esc(s.name)}</text>`);
    });
  });
  const yAxis = TOP + panels.length * (PANEL_H + GAP) - GAP + 14;
  for (let i = 0; i <= 5; i++) {
    const t = (tMax * i) / 5;
    out.push(`<text x="${x(t).toFixed(1)}" y="${yAxis}" text-anchor="middle">${Math.round(t)} s</text>`);
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function intervalOf(rows: TimelineRow[], i: number): number {
  const prev = i === 0 ? 0 : rows[i - 1]!.t;
  return Math.max(0.001, rows[i]!.t - prev);
}
