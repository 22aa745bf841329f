// End to end: `local up` with the API tier min 1 / max 2 scaled on the CPU of its processes, and
// `load --mode api` (open model, list/get/create mix) for a bounded run: the API tier grows to 2 under load,
// the balancer spreads requests over both, and the tier returns to 1 after; the timeline records both events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuTierScaling } from '../monitoring/params.js';
import { runLoad } from '../src/load/run.js';
import { localWatcher } from '../src/load/watch.js';
import { startE2E } from './helpers/local-e2e.js';

test('local up + load --mode api: API tier scales 1 -> 2 -> 1 on CPU', { timeout: 900_000 }, async () => {
  const common = { granularityS: 2, evaluationPeriods: 2, scaleDownEvaluationPeriods: 3, cooldownS: 4 };
  const e = await startE2E({
    threads: 1,
    api: cpuTierScaling({ minSize: 1, maxSize: 2, scaleUpCpu: 50, scaleDownCpu: 10, ...common }),
    workers: cpuTierScaling({ minSize: 1, maxSize: 1, scaleUpCpu: 90, scaleDownCpu: 5, ...common }),
    workerMetric: 'cpu',
    sampleS: 1,
    stopGraceS: 60,
  });
  try {
    const r = await runLoad({
      url: e.run.appUrl,
      mode: 'api',
      rate: 150,
      durationS: 40,
      timeoutS: 30,
      mix: { list: 70, get: 25, create: 5 },
      size: { width: 32, height: 32, iterations: 64 },
      intervalS: 1,
      drainTimeoutS: 0,
      settleS: 240,
      watcher: localWatcher(e.run.controlUrl),
    });
    const sizes = r.timeline.map((row) => row.tiers.api ?? 0);
    assert.ok(Math.max(...sizes) >= 2, `api grew: ${sizes.join(',')}; decisions ${JSON.stringify((await e.run.state()).decisions)}`);
    assert.equal(sizes.at(-1), 1, `back to 1: ${sizes.join(',')}`);
    const ups = r.scaling.filter((s) => s.tier === 'api' && s.direction === 'up');
    const downs = r.scaling.filter((s) => s.tier === 'api' && s.direction === 'down');
    assert.ok(ups.length >= 1 && downs.length >= 1, JSON.stringify(r.scaling));
    assert.ok(downs.at(-1)!.t > ups[0]!.t);
    assert.ok(r.requests.responses > 1000, `responses ${r.requests.responses}`);
    const errRate = r.requests.errors / r.requests.sent;
    // An open model on a shared 2-core machine: a few requests may exceed the in-flight cap or time out.
    assert.ok(errRate < 0.05, `errors ${JSON.stringify(r.requests.errorsByKind)} of ${r.requests.sent}`);
    assert.ok(r.apiByKind!.list > 0 && r.apiByKind!.get > 0 && r.apiByKind!.create > 0, JSON.stringify(r.apiByKind));
    const decisions = (await e.run.state()).decisions.filter((d) => d.tier === 'api');
    assert.ok(decisions.some((d) => d.action === 'scale_up' && d.metric === 'cpu'));
    assert.ok(decisions.some((d) => d.action === 'scale_down'));
    // The first API process is the oldest: the scale-down removed it, the newer one is left.
    assert.deepEqual((await e.run.state()).tiers.find((t) => t.name === 'api')!.members.map((m) => m.name).includes('api-1'), false);
  } finally {
    await e.dispose();
  }
});
