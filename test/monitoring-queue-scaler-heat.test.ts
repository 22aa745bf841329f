// Against the real local Keystone + Heat: the queue scaler, given a real backlog (tasks waiting in a RabbitMQ
// vhost), signals the worker tier's scale-up policy of a stack whose servers are OS::Heat::None, and the
// AutoScalingGroup's current size grows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { heatWorkerTarget } from '../monitoring/heat.js';
import { QueueScaler } from '../monitoring/queue-scaler.js';
import { queueTierScaling } from '../monitoring/params.js';
import { openQueue } from '../app/queue/index.js';
import { freshVhost } from './helpers/services.js';
import { createWorkerStack, demoHeat, poll } from './helpers/heat-worker-stack.js';

test('queue scaler signals the worker scale-up policy on a real Heat stack and the group grows', { timeout: 600_000 }, async () => {
  const heat = demoHeat();
  const vhost = await freshVhost();
  const queue = await openQueue(vhost.value);
  const stack = await createWorkerStack(heat, 'faafo-qscale').catch(async (e) => {
    await queue.close();
    await vhost.dispose();
    throw e;
  });
  try {
    const target = await heatWorkerTarget(heat, stack.name);
    assert.equal(await target.currentSize(), 1);

    // A real backlog: 12 tasks waiting on the broker, no worker consuming them.
    for (let i = 0; i < 12; i++) {
      await queue.publish({ uuid: randomUUID(), checksum: null, url: null, duration: null, size: null, width: 64, height: 64, iterations: 64, xa: -1, xb: 1, ya: -1, yb: 1, generated_by: null });
    }
    const scaler = new QueueScaler({
      scaling: queueTierScaling({ minSize: 1, maxSize: 3, scaleUpBacklogPerWorker: 2, scaleDownBacklogPerWorker: 0.5, granularityS: 2, evaluationPeriods: 1, cooldownS: 5 }),
      readSignal: async () => ({ depth: await queue.depth(), pending: null, done: null }),
      target,
      sampleS: 1,
    });
    const grown = await poll('the worker group to grow', 240, async () => {
      await scaler.step();
      const n = await target.currentSize();
      return n >= 2 ? n : undefined;
    });
    assert.ok(grown >= 2);
    // Heat's own view agrees: the current_size output of the group.
    const out = await poll('current_size output >= 2', 120, async () => {
      const { data } = await heat.request<{ output: { output_value: number } }>('GET', `${stack.path}/outputs/worker_current_size`);
      return data.output.output_value >= 2 ? data.output.output_value : undefined;
    });
    assert.ok(out >= 2);
    const up = scaler.records.find((r) => r.action === 'scale_up');
    assert.ok(up, 'a scale-up decision was recorded');
    assert.equal(up.signalled, true);
    assert.equal(up.from, 1);
    assert.ok((up.backlogPerWorker ?? 0) > 2, `backlog per worker ${up.backlogPerWorker}`);
  } finally {
    await queue.close().catch(() => {});
    await vhost.dispose();
    await stack.dispose();
  }
});
