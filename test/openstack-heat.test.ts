// HeatClient (src/openstack/heat.ts) against the real local Heat: validate, preview, create + waitFor with events,
// find/get/list, resources, outputs, signal a scaling policy + resource metadata, update preview, PATCH update,
// delete + waitFor DELETE_COMPLETE.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Cloud, type HeatEvent } from '../src/openstack/index.js';
import { cloudsYaml } from './helpers/test-cloud.js';

const name = `faafo-heatclient-${process.pid}-${Date.now().toString(36)}`;
let cloud: Cloud;

const template = {
  heat_template_version: '2018-08-31',
  parameters: { min_size: { type: 'number', default: 1 } },
  resources: {
    group: {
      type: 'OS::Heat::AutoScalingGroup',
      properties: {
        min_size: { get_param: 'min_size' },
        max_size: 3,
        cooldown: 0,
        resource: { type: 'OS::Heat::RandomString', properties: { length: 8 } },
      },
    },
    up: {
      type: 'OS::Heat::ScalingPolicy',
      properties: {
        adjustment_type: 'change_in_capacity',
        auto_scaling_group_id: { get_resource: 'group' },
        scaling_adjustment: 1,
        cooldown: 0,
      },
    },
  },
  outputs: { size: { value: { get_attr: ['group', 'current_size'] } } },
};

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

before(async () => {
  cloud = await connect({
    cloud: 'faafo-local',
    env: { HOME: '/nonexistent', OS_CLIENT_CONFIG_FILE: cloudsYaml },
    searchDirs: [],
  });
});
after(async () => {
  const s = await cloud.heat.findStack(name).catch(() => undefined);
  if (s && s.status !== 'DELETE_COMPLETE') {
    await cloud.heat.deleteStack(s).catch(() => undefined);
    await cloud.heat.waitFor(s, { until: ['DELETE_COMPLETE'], timeoutS: 120 }).catch(() => undefined);
  }
});

test('heat client: validate and preview', async () => {
  const v = await cloud.heat.validate({ template });
  assert.ok('Parameters' in v);
  const p = await cloud.heat.preview({ name: `${name}-preview`, template });
  assert.equal(p.stack_name, `${name}-preview`);
});

test('heat client: create, wait with events, outputs, signal, metadata, update, delete', async () => {
  const ref = await cloud.heat.createStack({ name, template, parameters: { min_size: 1 }, timeoutMins: 10 });
  const events: HeatEvent[] = [];
  const done = await cloud.heat.waitFor(ref, {
    until: ['CREATE_COMPLETE'],
    onEvent: (e) => events.push(e),
    timeoutS: 300,
    nestedDepth: 2,
  });
  assert.equal(done?.status, 'CREATE_COMPLETE', done?.reason);
  assert.ok(events.some((e) => e.resource_name === 'group' && e.resource_status === 'CREATE_COMPLETE'));
  assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'each event once');

  const found = await cloud.heat.findStack(name);
  assert.equal(found?.id, ref.id);
  assert.ok((await cloud.heat.listStacks()).some((s) => s.id === ref.id));
  assert.deepEqual(await cloud.heat.outputs(name), { size: 1 });
  assert.deepEqual((await cloud.heat.resources(ref)).map((r) => r.resource_name).sort(), ['group', 'up']);
  assert.ok((await cloud.heat.resources(ref, { nestedDepth: 2 })).length >= 3, 'nested members listed');
  assert.equal((await cloud.heat.template(ref)).heat_template_version, '2018-08-31');

  const before = await cloud.heat.resourceMetadata(ref, 'group');
  await cloud.heat.signal(ref, 'up');
  const meta = await until('the scaling to finish', async () => {
    const m = await cloud.heat.resourceMetadata(ref, 'group');
    return JSON.stringify(m) !== JSON.stringify(before) && m.scaling_in_progress === false ? m : undefined;
  });
  assert.ok(meta);
  assert.deepEqual(await until('size 2', async () => ((await cloud.heat.outputs(ref)).size === 2 ? 2 : undefined)), 2);

  const changes = await cloud.heat.previewUpdate(ref, { template, parameters: { min_size: 3 } });
  assert.ok(['updated', 'unchanged'].every((k) => Array.isArray(changes[k])));
  await cloud.heat.updateStack(ref, { existing: true, parameters: { min_size: 3 } });
  const updated = await cloud.heat.waitFor(ref, { until: ['UPDATE_COMPLETE'], timeoutS: 300 });
  assert.equal(updated?.status, 'UPDATE_COMPLETE', updated?.reason);
  assert.equal((await cloud.heat.outputs(ref)).size, 3);

  await cloud.heat.deleteStack(ref);
  const gone = await cloud.heat.waitFor(ref, { until: ['DELETE_COMPLETE'], timeoutS: 300 });
  assert.ok(gone === undefined || gone.status === 'DELETE_COMPLETE');
  assert.equal(await cloud.heat.findStack(name), undefined);
  await cloud.heat.deleteStack(name); // already gone: no error
});
