// Against the real local Keystone + Heat: the queue scaler, given a real backlog (tasks waiting in a RabbitMQ
// vhost), signals the worker tier's scale-up policy of a stack whose servers are OS::Heat::None, and the
// AutoScalingGroup's current_size grows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { load as loadYaml } from 'js-yaml';
import { HeatSession, heatWorkerTarget } from '../monitoring/heat.js';
import { QueueScaler } from '../monitoring/queue-scaler.js';
import { queueTierScaling } from '../monitoring/params.js';
import { openQueue } from '../app/queue/index.js';
import { freshVhost } from './helpers/services.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const shared = process.env.FAAFO_SHARED ?? path.resolve(repoRoot, '../shared');
const sample = (f: string) => readFileSync(path.join(shared, 'openstack/samples', f), 'utf8');

// The worker tier of the shared sample (its member template, its policy form), with both policies.
const template = {
  heat_template_version: '2018-08-31',
  parameters: { worker_min_size: { type: 'number', default: 1 }, worker_max_size: { type: 'number', default: 3 } },
  resources: {
    worker_asg: {
      type: 'OS::Heat::AutoScalingGroup',
      properties: {
        min_size: { get_param: 'worker_min_size' },
        max_size: { get_param: 'worker_max_size' },
        resource: {
          type: 'faafo-worker-member.yaml',
          properties: {
            image: 'debian-12',
            flavor: 'm1.small',
            key_name: 'faafo',
            network: 'private',
            security_group: 'default',
            metadata: { 'metering.server_group': { get_param: 'OS::stack_id' } },
          },
        },
      },
    },
    worker_scale_up: {
      type: 'OS::Heat::ScalingPolicy',
      properties: { adjustment_type: 'change_in_capacity', auto_scaling_group_id: { get_resource: 'worker_asg' }, cooldown: 0, scaling_adjustment: 1 },
    },
    worker_scale_down: {
      type: 'OS::Heat::ScalingPolicy',
      properties: { adjustment_type: 'change_in_capacity', auto_scaling_group_id: { get_resource: 'worker_asg' }, cooldown: 0, scaling_adjustment: -1 },
    },
  },
  outputs: { worker_current_size: { value: { get_attr: ['worker_asg', 'current_size'] } } },
};

async function poll<T>(what: string, timeoutS: number, fn: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutS * 1000;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

test('queue scaler signals the worker scale-up policy on a real Heat stack and the group grows', { timeout: 600_000 }, async () => {
  const heat = new HeatSession({
    authUrl: 'http://127.0.0.1:5000/v3',
    username: 'demo',
    password: 'secret',
    projectName: 'demo',
  });
  const name = `faafo-qscale-${randomBytes(4).toString('hex')}`;
  const vhost = await freshVhost();
  const queue = await openQueue(vhost.value);
  let stackPath: string | undefined;
  try {
    const env = loadYaml(readFileSync(path.join(shared, 'openstack/env-none.yaml'), 'utf8'));
    const created = await heat.request<{ stack: { id: string } }>('POST', '/stacks', {
      stack_name: name,
      template,
      files: { 'faafo-worker-member.yaml': sample('faafo-worker-member.yaml') },
      environment: env,
      timeout_mins: 10,
      disable_rollback: true,
    });
    stackPath = `/stacks/${name}/${created.data.stack.id}`;
    await poll('CREATE_COMPLETE', 300, async () => {
      const { data } = await heat.request<{ stack: { stack_status: string; stack_status_reason: string } }>('GET', stackPath!);
      if (data.stack.stack_status.endsWith('FAILED')) throw new Error(`${data.stack.stack_status}: ${data.stack.stack_status_reason}`);
      return data.stack.stack_status === 'CREATE_COMPLETE' ? true : undefined;
    });
    const target = await heatWorkerTarget(heat, name);
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
      const { data } = await heat.request<{ output: { output_value: number } }>('GET', `${stackPath}/outputs/worker_current_size`);
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
    if (stackPath) {
      await heat.request('DELETE', stackPath).catch(() => {});
      await poll('stack deleted', 300, async () => {
        try {
          const { data } = await heat.request<{ stack: { stack_status: string } }>('GET', stackPath!);
          return data.stack.stack_status === 'DELETE_COMPLETE' ? true : undefined;
        } catch (e) {
          if (/404/.test((e as Error).message)) return true;
          throw e;
        }
      }).catch(() => {});
    }
  }
});
