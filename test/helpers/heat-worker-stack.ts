// A stack with the worker tier of the shared sample (its member template, policies ±1, cooldown 0) on the real
// local Heat, servers mapped to OS::Heat::None by env-none.yaml: for the queue scaler and `load --watch-stack`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { load as loadYaml } from 'js-yaml';
import { HeatSession } from '../../monitoring/heat.js';

import { cloudsYaml, envNone, samplesDir } from './test-cloud.js';

export { cloudsYaml };

export const template = {
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
            image: 'debian-13', // the names the test cloud with compute has: Heat checks them for real there
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

export async function poll<T>(what: string, timeoutS: number, fn: () => Promise<T | undefined>): Promise<T> {
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

export function demoHeat(): HeatSession {
  return new HeatSession({ authUrl: 'http://127.0.0.1:5000/v3', username: 'demo', password: 'secret', projectName: 'demo' });
}

export interface WorkerStack {
  name: string;
  path: string;
  dispose(): Promise<void>;
}

export async function createWorkerStack(heat: HeatSession, prefix: string): Promise<WorkerStack> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  const env = loadYaml(readFileSync(envNone, 'utf8'));
  const created = await heat.request<{ stack: { id: string } }>('POST', '/stacks', {
    stack_name: name,
    template,
    files: { 'faafo-worker-member.yaml': readFileSync(path.join(samplesDir, 'faafo-worker-member.yaml'), 'utf8') },
    environment: env,
    timeout_mins: 10,
    disable_rollback: true,
  });
  const stackPath = `/stacks/${name}/${created.data.stack.id}`;
  const dispose = () => deleteStack(heat, stackPath);
  try {
    await poll('CREATE_COMPLETE', 300, async () => {
      const { data } = await heat.request<{ stack: { stack_status: string; stack_status_reason: string } }>('GET', stackPath);
      if (data.stack.stack_status.endsWith('FAILED')) throw new Error(`${data.stack.stack_status}: ${data.stack.stack_status_reason}`);
      return data.stack.stack_status === 'CREATE_COMPLETE' ? true : undefined;
    });
  } catch (e) {
    await dispose();
    throw e;
  }
  return { name, path: stackPath, dispose };
}

/** Deletes a stack and waits (up to 5 min) until Heat says DELETE_COMPLETE or no longer knows it; never throws. */
export async function deleteStack(heat: HeatSession, stackPath: string): Promise<void> {
  await heat.request('DELETE', stackPath).catch(() => {});
  await poll('stack deleted', 300, async () => {
    try {
      const { data } = await heat.request<{ stack: { stack_status: string } }>('GET', stackPath);
      return data.stack.stack_status === 'DELETE_COMPLETE' ? true : undefined;
    } catch (e) {
      if (/404/.test((e as Error).message)) return true;
      throw e;
    }
  }).catch(() => {});
}
