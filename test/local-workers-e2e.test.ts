// End to end: `local up` (through startLocal, what the command runs) with workers min 1 / max 3 scaled on the
// queue backlog, and `load --mode tasks` (runLoad, what the command runs) for a bounded run: the worker tier grows
// to >= 2 under load and returns to 1 after, every task completes exactly once, the timeline has both events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cpuTierScaling, queueTierScaling } from '../monitoring/params.js';
import { runLoad } from '../src/load/run.js';
import { localWatcher } from '../src/load/watch.js';
import { startE2E, processedByWorkers, metric, allFractals } from './helpers/local-e2e.js';

test('local up + load --mode tasks: workers scale 1 -> >=2 -> 1, each task done exactly once', { timeout: 900_000 }, async () => {
  const common = { granularityS: 2, evaluationPeriods: 1, scaleDownEvaluationPeriods: 3, cooldownS: 4 };
  const e = await startE2E({
    threads: 1,
    api: cpuTierScaling({ minSize: 1, maxSize: 1, scaleUpCpu: 90, scaleDownCpu: 5, ...common }),
    workers: queueTierScaling({ minSize: 1, maxSize: 3, scaleUpBacklogPerWorker: 2, scaleDownBacklogPerWorker: 0.5, ...common }),
    workerMetric: 'queue',
    sampleS: 1,
    stopGraceS: 120,
  });
  try {
    const out = path.join(e.dir, 'load-out');
    const r = await runLoad({
      url: e.run.appUrl,
      mode: 'tasks',
      rate: 10,
      durationS: 8,
      maxRequests: 30,
      timeoutS: 30,
      mix: { list: 0, get: 0, create: 1 },
      size: { width: 4000, height: 4000, iterations: 1024 },
      intervalS: 1,
      drainTimeoutS: 400,
      settleS: 300,
      watcher: localWatcher(e.run.controlUrl),
      outDir: out,
    });
    assert.equal(r.tasks!.accepted, 30, JSON.stringify(r.requests));
    assert.equal(r.tasks!.completed, 30, 'every task rendered');
    const sizes = r.timeline.map((row) => row.tiers.workers ?? 0);
    assert.ok(Math.max(...sizes) >= 2, `workers grew: ${sizes.join(',')}`);
    assert.equal(sizes.at(-1), 1, `back to 1: ${sizes.join(',')}`);
    const ups = r.scaling.filter((s) => s.tier === 'workers' && s.direction === 'up');
    const downs = r.scaling.filter((s) => s.tier === 'workers' && s.direction === 'down');
    assert.ok(ups.length >= 1 && downs.length >= 1, JSON.stringify(r.scaling));
    assert.ok(downs.at(-1)!.t > ups[0]!.t);
    // Exactly once: each task processed by one worker, once; one row each, rendered; the queue is empty.
    const processed = await processedByWorkers(e.dir);
    for (const uuid of r.tasks!.uuids) assert.equal(processed.get(uuid), 1, `task ${uuid} processed once`);
    const rows = await allFractals(e.run.appUrl);
    assert.equal(rows.length, 30);
    assert.ok(rows.every((row) => row.checksum));
    assert.ok(new Set(rows.map((row) => row.generated_by)).size >= 2, 'more than one worker rendered');
    assert.equal(await metric(e.run.appUrl, 'faafo_queue_depth'), 0);
    assert.equal(await metric(e.run.appUrl, 'faafo_fractals_stored_total'), 30, 'stored once each');
    // The run's files and the supervisor's own decisions.
    for (const f of ['timeline.csv', 'timeline.json', 'chart.svg']) assert.ok(existsSync(path.join(out, f)), f);
    assert.match(readFileSync(path.join(out, 'timeline.csv'), 'utf8'), /^t_s,.*workers_size/);
    const decisions = (await e.run.state()).decisions.filter((d) => d.tier === 'workers');
    assert.ok(decisions.some((d) => d.action === 'scale_up'));
    assert.ok(decisions.some((d) => d.action === 'scale_down' && /oldest first/.test(d.reason)));
  } finally {
    await e.dispose();
  }
});
