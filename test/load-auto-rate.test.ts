// `load --mode tasks --rate auto` keeps the workers overloaded even when its probe misjudged them (the flake of
// local-see-it-scale-e2e: the probe's first render paid the renderer's thread start and WASM compile, 0.69 s a
// render against the workers' 0.11-0.2 s, so the rate it chose never built a backlog). The controller follows the
// render times the workers report; the engine applies a new rate from then on; against the real API with a
// consumer that reports 0.1 s renders, a load that started at a probe's 0.5 tasks/s (a consumer at 10/s never
// backs up at that) is raised to 20/s and builds a backlog.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { buildApi } from '../app/api/server.js';
import { openRepository } from '../app/db/index.js';
import { openImageStore } from '../app/images/index.js';
import { openQueue } from '../app/queue/index.js';
import { runLoad } from '../src/load/run.js';
import { autoRateController, median, overloadRate, probeRenderSeconds, type AutoRate } from '../src/load/auto-rate.js';

const startAt = (rate: number, renderS: number, workers = 1): AutoRate => ({
  rate,
  renderS,
  workers,
  probes: 3,
  finalRate: rate,
  adjustments: [],
});

test('the controller raises the rate to twice what the workers report rendering, never lowers it', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(overloadRate(1, 0.69), 2.9);
  assert.equal(overloadRate(2, 0.1), 40);
  const auto = startAt(2.9, 0.69);
  const next = autoRateController(auto);
  assert.equal(next({ elapsedS: 1, rate: 2.9, renderS: [0.15, 0.12], backlog: 0 }), undefined, 'waits for 3 reported renders');
  // A cold first render (1.4 s) among them does not count: the median of the recent ones.
  assert.equal(next({ elapsedS: 2, rate: 2.9, renderS: [1.4, 0.15, 0.12, 0.2], backlog: 1 }), 11);
  assert.deepEqual(auto.adjustments, [{ atS: 2, rate: 11, renderS: 0.175 }]);
  assert.equal(auto.finalRate, 11);
  assert.equal(next({ elapsedS: 3, rate: 11, renderS: [1.4, 0.15, 0.12, 0.2, 0.16], backlog: 2 }), undefined, 'within 20 %: kept');
  // Workers slower than the probe (a busy machine, more workers on the cores): the rate already overloads them.
  assert.equal(next({ elapsedS: 4, rate: 11, renderS: [0.5, 0.6, 0.7], backlog: 3 }), undefined, 'never lowered');
  assert.equal(auto.adjustments.length, 1);
  // The last OBSERVED_WINDOW renders, not the whole run.
  const quick = [9, 9, 9, 9, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05];
  assert.equal(next({ elapsedS: 5, rate: 11, renderS: quick, backlog: 3 }), 40);
  // Once a backlog has built (4 a starting worker), the rate stays, whatever the renders say later.
  const built = autoRateController(startAt(2.9, 0.69, 2));
  assert.equal(built({ elapsedS: 1, rate: 2.9, renderS: [0.2, 0.2, 0.2], backlog: 7 }), 20, '7 < 8: raised');
  assert.equal(built({ elapsedS: 2, rate: 20, renderS: [0.2, 0.2, 0.2, 0.05, 0.05, 0.05, 0.05], backlog: 8 }), undefined);
  assert.equal(built({ elapsedS: 3, rate: 20, renderS: [0.05, 0.05, 0.05], backlog: 0 }), undefined, 'built once: stays');
});

test('the probe renders on a warm thread: a median of real renders of the size', { timeout: 120_000 }, async () => {
  const s = await probeRenderSeconds({ width: 64, height: 64, iterations: 64 });
  assert.ok(s > 0 && Number.isFinite(s), String(s));
});

test('tasks mode with --rate auto: a probe that measured the workers too slow is raised until a backlog builds', { timeout: 300_000 }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'faafo-auto-'));
  const repo = await openRepository(`sqlite:${path.join(dir, 'db.sqlite')}`);
  await repo.migrate();
  const queue = await openQueue(`memory:auto-${path.basename(dir)}`);
  const images = await openImageStore(`file:${path.join(dir, 'images')}`);
  const app = buildApi({ repo, queue, images, processMetrics: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  // One worker that takes 0.1 s a task and says so (contract C1's X-Faafo-Duration): 10 tasks/s at most.
  const png = PNG.sync.write(new PNG({ width: 16, height: 16 }));
  const sum = createHash('sha256').update(png).digest('hex');
  const consumer = await queue.consume(async (h) => {
    await new Promise((r) => setTimeout(r, 100));
    const res = await fetch(`${url}/v1/fractal/${h.task.uuid}/image`, {
      method: 'PUT',
      headers: { 'content-type': 'image/png', 'x-faafo-checksum': sum, 'x-faafo-duration': '0.1', 'x-faafo-generated-by': 'w1' },
      body: png,
    });
    assert.equal(res.status, 200);
    await h.ack();
  });
  const auto = startAt(0.5, 4); // the probe said 4 s a render: 0.5 tasks/s, which this worker never backs up at
  const rates: number[] = [];
  const endLoad = new AbortController();
  try {
    const r = await runLoad({
      url,
      mode: 'tasks',
      rate: auto.rate,
      durationS: 600, // ended by the condition below, not by the clock
      timeoutS: 30,
      mix: { list: 0, get: 0, create: 1 },
      size: { width: 16, height: 16, iterations: 64 },
      intervalS: 1,
      drainTimeoutS: 120,
      settleS: 0,
      endLoad: endLoad.signal,
      adjustRate: autoRateController(auto),
      onRate: (rate) => rates.push(rate),
      onRow: (row) => {
        if (rates.length > 0 && (row.backlog ?? 0) >= 5) endLoad.abort();
      },
    });
    assert.deepEqual(rates, [20], 'raised once, to twice the 10/s the worker reports');
    assert.deepEqual(auto.adjustments.map((a) => [a.rate, a.renderS]), [[20, 0.1]]);
    assert.equal(auto.finalRate, 20);
    assert.ok(Math.max(...r.timeline.map((row) => row.backlog ?? 0)) >= 5, 'a backlog built');
    assert.equal(r.tasks!.completed, r.tasks!.accepted, 'every task rendered');
    assert.equal(r.tasks!.drained, true);
  } finally {
    await consumer.stop();
    await app.close();
    await queue.close();
    await repo.close();
    await images.close();
    await rm(dir, { recursive: true, force: true });
  }
});
