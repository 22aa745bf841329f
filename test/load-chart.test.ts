// The load chart (issue 11, item 13): the title clear of the first panel's label, a legend for the dashed
// scaling lines, a colour of its own for every line, axes with ticks. Checked on the SVG a run writes, with a
// timeline like a scaling run's (api and workers tiers, one scale-up and one scale-down).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderChart, ticks } from '../src/load/chart.js';
import type { ScalingEvent, TimelineRow } from '../src/load/timeline.js';

function runLike(): { rows: TimelineRow[]; events: ScalingEvent[] } {
  const rows: TimelineRow[] = [];
  for (let t = 1; t <= 120; t++) {
    const busy = t > 10 && t < 70;
    rows.push({
      t,
      sent: busy ? 150 : 0,
      responses: busy ? 148 : 0,
      throughput: busy ? 148 : 0,
      errors: busy ? 2 : 0,
      p50: busy ? 12 + (t % 7) : null,
      p90: busy ? 40 : null,
      p99: busy ? 180 + (t % 11) * 10 : null,
      tasksDone: busy ? 3 : 0,
      backlog: busy ? Math.min(t - 10, 70 - t) : 0,
      tiers: { api: t >= 30 && t < 95 ? 2 : 1, workers: t >= 40 && t < 100 ? 3 : 1 },
    });
  }
  const events: ScalingEvent[] = [
    { t: 30, tier: 'api', from: 1, to: 2, direction: 'up' },
    { t: 40, tier: 'workers', from: 1, to: 3, direction: 'up' },
    { t: 95, tier: 'api', from: 2, to: 1, direction: 'down' },
    { t: 100, tier: 'workers', from: 3, to: 1, direction: 'down' },
  ] as ScalingEvent[];
  return { rows, events };
}

const attr = (el: string, name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(el)?.[1];
const texts = (svg: string) =>
  [...svg.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)].map((m) => ({ attrs: m[1]!, text: m[2]! }));

test('the title has its own band: it does not overlap the first panel label', () => {
  const { rows, events } = runLike();
  const svg = renderChart(rows, events, 'faafo-stack load --mode api at 150/s, 2026-12-07T16:00:00.000Z');
  const all = texts(svg);
  const title = all.find((t) => t.text.startsWith('faafo-stack load'))!;
  const label = all.find((t) => t.text === 'load (per s)')!;
  const titleBaseline = Number(attr(title.attrs, 'y'));
  const titleSize = Number(attr(title.attrs, 'font-size') ?? 11);
  const labelBaseline = Number(attr(label.attrs, 'y'));
  // Glyphs reach about one font size above the baseline and a fifth below it.
  assert.ok(
    labelBaseline - 11 > titleBaseline + titleSize * 0.25 + 2,
    `title at ${titleBaseline}, first label at ${labelBaseline}`,
  );
});

test('every line has its own colour, and the dashed scaling lines have a legend', () => {
  const { rows, events } = runLike();
  const svg = renderChart(rows, events, 'run');
  const series = [...svg.matchAll(/<polyline[^>]*>/g)].map((m) => attr(m[0], 'stroke')!);
  assert.equal(series.length, 3 + 2 + 1 + 2, 'sent, answered, errors, p50, p99, backlog, api, workers');
  assert.equal(new Set(series).size, series.length, `series colours: ${series.join(' ')}`);
  const dashed = [...svg.matchAll(/<line[^>]*stroke-dasharray[^>]*>/g)].map((m) => m[0]);
  const up = new Set(dashed.filter((l) => Number(attr(l, 'x1')) > 0).map((l) => attr(l, 'stroke')));
  assert.equal(up.size, 2, 'one colour for scale-up lines, another for scale-down');
  for (const c of up) assert.ok(!series.includes(c!), `scaling line colour ${c} is no series' colour`);
  const legend = texts(svg).map((t) => t.text);
  assert.ok(legend.includes('scale-up') && legend.includes('scale-down'), legend.join('|'));
  // The legend's samples are dashed, in the colours the lines use.
  for (const name of ['scale-up', 'scale-down']) {
    const i = svg.indexOf(`>${name}</text>`);
    const sample = svg
      .slice(0, i)
      .match(/<line[^>]*>/g)!
      .at(-1)!;
    assert.ok(attr(sample, 'stroke-dasharray'), `${name} legend sample is dashed`);
    assert.ok(up.has(attr(sample, 'stroke')), `${name} legend sample in the lines' colour`);
  }
});

test('axes have ticks: round y ticks on every panel, time ticks with labels', () => {
  const { rows, events } = runLike();
  const svg = renderChart(rows, events, 'run');
  const panels = svg.split('<g class="panel">').slice(1);
  assert.equal(panels.length, 4);
  for (const p of panels) {
    const yLabels = texts(p)
      .filter((t) => attr(t.attrs, 'text-anchor') === 'end')
      .map((t) => t.text);
    assert.ok(yLabels.length >= 3, `y tick labels: ${yLabels.join(',')}`);
    assert.equal(yLabels[0], '0');
  }
  assert.deepEqual(ticks(150), [0, 50, 100, 150]);
  assert.deepEqual(ticks(2), [0, 0.5, 1, 1.5, 2]);
  const xLabels = texts(svg)
    .filter((t) => attr(t.attrs, 'text-anchor') === 'middle' && /^\d+$/.test(t.text))
    .map((t) => Number(t.text));
  assert.ok(xLabels.length >= 5, `time labels: ${xLabels.join(',')}`);
  assert.equal(xLabels[0], 0);
  assert.ok(xLabels.at(-1)! <= 120 && xLabels.at(-1)! >= 100, `time labels: ${xLabels.join(',')}`);
  // Tier sizes are whole numbers: no 0.5 server.
  const tierLabels = texts(panels[3]!)
    .filter((t) => attr(t.attrs, 'text-anchor') === 'end')
    .map((t) => t.text);
  assert.ok(
    tierLabels.every((v) => Number.isInteger(Number(v))),
    tierLabels.join(','),
  );
  assert.match(svg, /time since start \(s\)/);
});
