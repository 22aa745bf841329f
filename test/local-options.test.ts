// `local up` takes its scaling settings from the same configuration `generate` uses, so a local run decides like
// the stack would: checked here against the synthesized Heat template itself (sizes, step, cooldown, evaluation
// periods, comparison and threshold percent), plus flags over config and the bad-input lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../src/config/index.js';
import { synthesize } from '../src/templates/index.js';
import { toLocalOptions } from '../src/local/options.js';

type Res = { type: string; properties: Record<string, unknown> };

test('local up scaling settings equal the generated template\'s', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'faafo-localopts-'));
  try {
    await writeFile(
      path.join(dir, 'faafo-stack.yaml'),
      'api: {min: 2, max: 5, scaleUpCpu: 70, scaleDownCpu: 20}\nworkers: {min: 1, max: 4}\nscaling: {granularity: 120, evaluationPeriods: 2, cooldown: 90}\n',
    );
    const cfg = await resolveConfig({ cwd: dir });
    const synth = synthesize(cfg);
    const tpl = synth.template as { parameters: Record<string, { default?: unknown }>; resources: Record<string, Res> };
    const o = toLocalOptions({ 'queue-url': 'amqp://guest:guest@127.0.0.1:5672/', 'worker-scaling': 'cpu', port: 0, 'control-port': 0, threads: 1, 'stop-grace': 10, 'cpu-measure': 'used' } as never, dir, cfg);
    for (const [tier, local, prefix] of [['api', o.api, 'api'], ['workers', o.workers, 'worker']] as const) {
      const param = (n: string) => {
        const v = synth.parameters[n] ?? tpl.parameters[n]?.default;
        return Number(v);
      };
      assert.equal(local.minSize, param(`${prefix}_min_size`), `${tier} min`);
      assert.equal(local.maxSize, param(`${prefix}_max_size`), `${tier} max`);
      const up = tpl.resources[`${prefix}_scale_up`]!.properties;
      const down = tpl.resources[`${prefix}_scale_down`]!.properties;
      assert.equal(up.adjustment_type, local.up.policy.adjustmentType);
      assert.equal(up.scaling_adjustment, local.up.policy.scalingAdjustment);
      assert.equal(down.scaling_adjustment, local.down.policy.scalingAdjustment);
      assert.equal(param('scaling_cooldown'), local.up.policy.cooldownS);
      const high = tpl.resources[`${prefix}_cpu_high`]!.properties as Record<string, number | string>;
      const low = tpl.resources[`${prefix}_cpu_low`]!.properties as Record<string, number | string>;
      assert.equal(high.evaluation_periods, local.up.alarm.evaluationPeriods);
      assert.equal(low.evaluation_periods, local.down.alarm.evaluationPeriods);
      assert.equal(high.comparison_operator, local.up.alarm.comparison);
      assert.equal(low.comparison_operator, local.down.alarm.comparison);
      assert.equal(high.granularity, local.granularityS);
      // Gnocchi threshold (ns per window over the tier's vCPUs) back to percent of one core.
      const vcpus = cfg[tier].vcpus;
      assert.equal((Number(high.threshold) / (local.granularityS * 1e9 * vcpus)) * 100, local.up.alarm.threshold);
      assert.equal((Number(low.threshold) / (local.granularityS * 1e9 * vcpus)) * 100, local.down.alarm.threshold);
    }
    assert.equal(o.api.minSize, 2);
    assert.equal(o.api.up.alarm.threshold, 70);
    assert.equal(o.api.granularityS, 120);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('flags override the configuration; bad combinations are one clear line', async () => {
  const cfg = await resolveConfig({ cwd: os.tmpdir() });
  const base = { 'queue-url': 'amqp://guest:guest@127.0.0.1:5672/', 'worker-scaling': 'cpu', port: 0, 'control-port': 0, threads: 1, 'stop-grace': 10, 'cpu-measure': 'demand' };
  const o = toLocalOptions({ ...base, granularity: 5, cooldown: 10, 'max-workers': 3, 'scale-up-cpu': 50, 'scale-down-cpu': 10 } as never, '/tmp', cfg);
  assert.equal(o.workers.granularityS, 5);
  assert.equal(o.workers.maxSize, 3);
  assert.equal(o.workers.up.policy.cooldownS, 10);
  assert.equal(o.api.up.alarm.threshold, 50);
  assert.equal(o.cpuMeasure, 'demand');
  const q = toLocalOptions({ ...base, 'worker-scaling': 'queue', 'scale-up-backlog': '3', 'scale-down-backlog': '1' } as never, '/tmp', cfg);
  assert.equal(q.workerMetric, 'queue');
  assert.equal(q.workers.up.alarm.threshold, 3);
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ 'min-workers': 4, 'max-workers': 2 }, /--max-workers 2 is below --min-workers 4/],
    [{ 'scale-up-cpu': 10, 'scale-down-cpu': 20 }, /scale-down CPU 20% is not below scale-up CPU 10%/],
    [{ 'queue-url': 'memory:' }, /memory: lives inside one process/],
    [{ 'worker-scaling': 'queue', 'scale-up-backlog': '1', 'scale-down-backlog': '2' }, /--scale-down-backlog must be below/],
    [{ 'worker-scaling': 'queue', 'scale-up-backlog': 'x' }, /bad --scale-up-backlog "x"/],
  ];
  for (const [flags, re] of bad) {
    assert.throws(() => toLocalOptions({ ...base, 'scale-up-backlog': '2', 'scale-down-backlog': '0.5', ...flags } as never, '/tmp', cfg), (e: Error & { exitCode?: number }) => re.test(e.message) && e.exitCode === 2);
  }
});
