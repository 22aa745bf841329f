// The local run's control server without a run behind it: the history ring keeps the newest samples up to its
// capacity and answers `since` incrementally; the chart library is served from node_modules (offline); bad input
// gets a 4xx with a JSON message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { controlHandler } from '../src/local/control.js';
import { RunHistory, type HistorySample } from '../src/local/history.js';
import type { LocalState } from '../src/local/state.js';

const sample = (t: number): HistorySample => ({
  t,
  apiSize: 1,
  workerSize: 1 + (t % 3),
  backlog: t,
  rendered: t,
  apiCpu: 10,
  workerCpu: null,
  workerMetric: t / 2,
});
const thresholds = {
  api: { metric: 'cpu_demand_percent', scaleUp: 90, scaleDown: 5 },
  workers: { metric: 'backlog_per_worker', scaleUp: 2, scaleDown: 0.5 },
};

test('history ring: bounded, newest kept, since is exclusive', () => {
  const h = new RunHistory(thresholds, 5);
  for (let t = 1; t <= 8; t++) h.add(sample(t));
  assert.deepEqual(
    h.view().samples.map((s) => s.t),
    [4, 5, 6, 7, 8],
  );
  assert.deepEqual(
    h.view(6).samples.map((s) => s.t),
    [7, 8],
  );
  assert.deepEqual(h.view(8).samples, []);
  assert.deepEqual(h.view().thresholds, thresholds);
  assert.throws(() => new RunHistory(thresholds, 0), /positive integer/);
});

test('control server: page, uPlot from node_modules, history JSON, 4xx in one shape', async (t) => {
  const h = new RunHistory(thresholds);
  for (let i = 1; i <= 3; i++) h.add(sample(1000 * i));
  const state = { tiers: [], decisions: [] } as unknown as LocalState;
  const server = http.createServer(controlHandler({ appUrl: 'http://127.0.0.1:1', state: () => state, history: h }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const page = await fetch(`${base}/`);
  const html = await page.text();
  assert.match(html, /<script src="\/assets\/uplot.js">/);
  assert.doesNotMatch(html, /https?:\/\/(?!127\.0\.0\.1)/, 'no CDN or other remote resource');
  const js = await fetch(`${base}/assets/uplot.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type') ?? '', /javascript/);
  assert.match(await js.text(), /uPlot/);
  assert.equal((await fetch(`${base}/assets/uplot.css`)).status, 200);

  const all = (await (await fetch(`${base}/api/history`)).json()) as { samples: HistorySample[]; capacity: number };
  assert.deepEqual(
    all.samples.map((s) => s.t),
    [1000, 2000, 3000],
  );
  const next = (await (await fetch(`${base}/api/history?since=2000`)).json()) as { samples: HistorySample[] };
  assert.deepEqual(
    next.samples.map((s) => s.t),
    [3000],
  );

  for (const [url, status, init] of [
    ['/api/history?since=abc', 400, undefined],
    ['/api/history?since=-1', 400, undefined],
    ['/nope', 404, undefined],
    ['/api/state', 405, { method: 'POST' }],
  ] as const) {
    const res = await fetch(base + url, init);
    assert.equal(res.status, status, url);
    const body = (await res.json()) as { message?: unknown };
    assert.equal(typeof body.message, 'string', `${url}: ${JSON.stringify(body)}`);
  }
});
