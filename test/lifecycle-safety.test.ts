// Issue 10, items 1 and 2, on the real local Heat (servers etc. mapped to OS::Heat::None, whose update never
// replaces anything: the replacement and shrink checks must come from the templates, not from Heat's preview).
//  - generated stack, --worker-scaling queue: the workers grown to 3 by signals; `update --max-workers 8` changes
//    worker_max_size only (boot_timeout and the group size carried over: still 3 workers), the services server
//    (PostgreSQL/RabbitMQ) is neither changed nor replaced; `update --desired-workers 1` is a shrink: refused
//    without a terminal;
//  - hand-written templates: a standalone server whose user data or image changes is named REPLACED/rebuilt and the
//    update refused; an autoscaling group keeps its size on an unrelated update, and shrinking it is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect } from '../src/openstack/index.js';
import { HeatClient } from '../src/openstack/heat.js';
import { playServers as signalBoots, whilePlaying } from './helpers/play-servers.js';
import { groupSize } from '../src/stack/tiers.js';
import { runCli } from './helpers/lifecycle-cli.js';
import { cloudDir } from './helpers/test-cloud.js';

const CLOUD_DIR = cloudDir;
const env = { OS_CLIENT_CONFIG_FILE: path.join(CLOUD_DIR, 'clouds.yaml'), OS_CLOUD: 'faafo-local' };
const suffix = randomBytes(3).toString('hex');
const GEN = `lc-safe-${suffix}`;
const HAND = `lc-hand-${suffix}`;
const ASG = `lc-asg-${suffix}`;
let heat: HeatClient;
let dir: string;
const signalled = new Set<string>();
/** Signal each boot wait condition handle (nested members too) once, as its server's boot script would. */
const playServers = (name: string) => signalBoots(heat, name, signalled);

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutS = 300): Promise<T> {
  const end = Date.now() + timeoutS * 1000;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Runs the CLI while playing the servers of `name` (boot wait conditions of new members). */
const runPlaying = (name: string, args: string[]) => whilePlaying(heat, name, signalled, runCli(args, env));

async function settled(name: string): Promise<string> {
  return until(`${name} to settle`, async () => {
    await playServers(name).catch(() => undefined);
    const s = await heat.find(name);
    return s && !/IN_PROGRESS$/.test(s.stack_status) ? s.stack_status : undefined;
  });
}

/**
 * Grow a group by signalling its scale-up policy until it has `n` members (cooldown 0). Heat ignores a signal
 * while the group is still scaling, so a signal that did not grow the group within a minute is sent again.
 */
async function growTo(name: string, group: string, policy: string, n: number): Promise<void> {
  const end = Date.now() + 600_000;
  for (;;) {
    const stack = (await heat.find(name))!;
    await settled(name);
    const size = await groupSize(heat, stack, group);
    if (size !== null && size >= n) return;
    if (Date.now() > end) throw new Error(`${group} did not grow to ${n} (at ${size})`);
    await heat.signal(stack, policy).catch(() => undefined);
    await until(`${group} to grow past ${size}`, async () => {
      await playServers(name).catch(() => undefined);
      const now = await groupSize(heat, (await heat.find(name))!, group);
      return now !== null && now > (size ?? 0) ? now : undefined;
    }, 60).catch(() => undefined);
  }
}

const genFlags = () => [
  '--worker-scaling', 'queue',
  '--app-url', 'https://bundles.example.invalid/faafo.tar.gz', '--app-sha256', 'b'.repeat(64),
  '--cooldown', '0', '--boot-timeout', '300',
  '-e', path.join(CLOUD_DIR, 'env-none.yaml'),
];

before(async () => {
  heat = (await connect({ cloud: 'faafo-local', env: { ...process.env, ...env } })).heat;
  dir = await mkdtemp(path.join(tmpdir(), 'faafo-lc-safe-'));
});

after(async () => {
  for (const name of [GEN, HAND, ASG]) {
    const s = await heat?.find(name).catch(() => undefined);
    if (s && s.stack_status !== 'DELETE_COMPLETE') await heat.deleteStack(s).catch(() => undefined);
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('generated queue-scaling stack: raising --max-workers changes only that; the database host is untouched; a shrink is gated', { timeout: 1_800_000 }, async () => {
  const create = await runPlaying(GEN, [
    'create', GEN, ...genFlags(), '--max-workers', '6', '--wait', '--timeout', '15',
    '--parameter', 'scaler_auth_url=http://keystone.invalid:5000/v3',
    '--parameter', 'scaler_app_cred_id=cred-id', '--parameter', 'scaler_app_cred_secret=cred-secret',
  ]);
  assert.equal(create.code, 0, create.stdout + create.stderr);
  await growTo(GEN, 'worker_asg', 'worker_scale_up', 3);
  const before = (await heat.find(GEN))!;
  const servicesBefore = await heat.resource(before, 'services_server');

  // The diff says exactly what the user asked (and the group keeps its size): no boot_timeout, no services server.
  const d = await runCli(['diff', GEN, ...genFlags().filter((f) => f !== '300' && f !== '--boot-timeout'), '--max-workers', '8', '--json'], env);
  assert.equal(d.code, 0, d.stdout + d.stderr);
  const diff = JSON.parse(d.stdout);
  const params = Object.fromEntries(diff.parameters.map((p: { name: string; to: string }) => [p.name, p.to]));
  assert.equal(params.worker_max_size, '8');
  assert.ok(!('boot_timeout' in params), JSON.stringify(diff.parameters));
  assert.ok(!('worker_desired_capacity' in params) || params.worker_desired_capacity === '3', JSON.stringify(diff.parameters));
  assert.deepEqual(diff.destructive, []);
  assert.ok(!diff.changes.some((c: { resource: string }) => /^services_/.test(c.resource)), JSON.stringify(diff.changes));

  // Applied without a terminal (nothing destructive), the workers stay 3, boot_timeout stays 300.
  const u = await runPlaying(GEN, ['update', GEN, ...genFlags().filter((f) => f !== '300' && f !== '--boot-timeout'), '--max-workers', '8', '--wait']);
  assert.equal(u.code, 0, u.stdout + u.stderr);
  const afterUpdate = (await heat.find(GEN))!;
  assert.equal(afterUpdate.stack_status, 'UPDATE_COMPLETE');
  assert.equal(afterUpdate.parameters!.worker_max_size, '8');
  assert.equal(afterUpdate.parameters!.boot_timeout, '300');
  assert.equal(await groupSize(heat, afterUpdate, 'worker_asg'), 3);
  const servicesAfter = await heat.resource(afterUpdate, 'services_server');
  assert.equal(servicesAfter.physical_resource_id, servicesBefore.physical_resource_id);
  assert.equal(servicesAfter.updated_time, servicesBefore.updated_time, 'the services server is not even updated');

  // Asking for fewer workers than run is a shrink: destructive, refused without a terminal, nothing changed.
  const shrink = await runCli(['update', GEN, ...genFlags(), '--max-workers', '8', '--desired-workers', '1', '--wait'], env);
  assert.equal(shrink.code, 2, shrink.stdout + shrink.stderr);
  assert.match(shrink.stdout, /^\[!\] shrinks worker_asg from 3 to 1 \(deletes 2 member\(s\)\)$/m);
  assert.match(shrink.stderr, /needs approval \(.*shrinks worker_asg from 3 to 1.*\) and there is no terminal/);
  assert.equal((await heat.find(GEN))!.updated_time, afterUpdate.updated_time);
});

const SERVER_TEMPLATE = `heat_template_version: 2018-08-31
description: a hand-written stack with a standalone (stateful) server
parameters:
  greeting: {type: string, default: hello}
  db_image: {type: string, default: image-a}
  worker_image: {type: string, default: image-a}
resources:
  db_host:
    type: OS::Nova::Server
    properties:
      image: {get_param: db_image}
      flavor: m1.small
      user_data_format: RAW
      user_data:
        str_replace:
          template: "#!/bin/sh\\necho GREETING > /etc/motd\\n"
          params: {GREETING: {get_param: greeting}}
  cache_host:
    type: OS::Nova::Server
    properties:
      image: {get_param: worker_image}
      flavor: m1.small
      user_data_format: RAW
      user_data_update_policy: IGNORE
      user_data:
        str_replace:
          template: "#!/bin/sh\\necho GREETING\\n"
          params: {GREETING: {get_param: greeting}}
`;

test('hand-written template: a standalone server whose user data or image changes is named and gated', { timeout: 600_000 }, async () => {
  const file = path.join(dir, 'server.yaml');
  await writeFile(file, SERVER_TEMPLATE);
  const noneEnv = ['-e', path.join(CLOUD_DIR, 'env-none.yaml')];
  const c = await runCli(['create', HAND, '--template', file, ...noneEnv, '--wait'], env);
  assert.equal(c.code, 0, c.stdout + c.stderr);

  const d = JSON.parse((await runCli(['diff', HAND, '--template', file, ...noneEnv, '--parameter', 'greeting=bonjour', '--json'], env)).stdout);
  assert.deepEqual(d.parameters, [{ name: 'greeting', from: 'hello', to: 'bonjour' }]);
  assert.deepEqual(d.changes.find((x: { resource: string }) => x.resource === 'db_host'), { resource: 'db_host', type: 'OS::Nova::Server', action: 'replace' });
  assert.equal(d.destructive.length, 1, JSON.stringify(d.destructive));
  assert.equal(d.destructive[0].resource, 'db_host', 'cache_host ignores user data changes: not replaced');
  assert.match(d.destructive[0].detail, /replaces server db_host \(its disk and data are lost\): user_data/);

  const text = await runCli(['diff', HAND, '--template', file, ...noneEnv, '--parameter', 'greeting=bonjour'], env);
  assert.match(text.stdout, /^\[~\] db_host \(OS::Nova::Server\) {2}\*\* REPLACED \*\*$/m);

  const before = (await heat.find(HAND))!;
  const u = await runCli(['update', HAND, '--template', file, ...noneEnv, '--parameter', 'greeting=bonjour', '--wait'], env);
  assert.equal(u.code, 2, u.stdout + u.stderr);
  assert.match(u.stderr, /needs approval \(replaces server db_host/);
  assert.equal((await heat.find(HAND))!.updated_time, before.updated_time);

  const img = JSON.parse((await runCli(['diff', HAND, '--template', file, ...noneEnv, '--parameter', 'db_image=image-b', '--json'], env)).stdout);
  assert.deepEqual(img.destructive.map((x: { kind: string; resource: string }) => [x.kind, x.resource]), [['rebuild-server', 'db_host']]);
  assert.match(img.destructive[0].detail, /rebuilds server db_host \(its root disk and data are lost\): image changes \(image_update_policy REBUILD\)/);
});

const ASG_TEMPLATE = `heat_template_version: 2018-08-31
parameters:
  desired: {type: number, default: 1}
  max: {type: number, default: 5}
  note: {type: string, default: a}
resources:
  pool_asg:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 1
      max_size: {get_param: max}
      desired_capacity: {get_param: desired}
      resource:
        type: OS::Heat::Value
        properties: {value: {get_param: note}}
  pool_up:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: change_in_capacity
      auto_scaling_group_id: {get_resource: pool_asg}
      cooldown: 0
      scaling_adjustment: 1
`;

test('hand-written autoscaling group: an unrelated update keeps its size; lowering max or desired is a gated shrink', { timeout: 600_000 }, async () => {
  const file = path.join(dir, 'asg.yaml');
  await writeFile(file, ASG_TEMPLATE);
  const c = await runCli(['create', ASG, '--template', file, '--wait'], env);
  assert.equal(c.code, 0, c.stdout + c.stderr);
  await growTo(ASG, 'pool_asg', 'pool_up', 3);

  // note=b updates every member: Heat would resize the group to desired (1) - the carried-over size keeps 3.
  const u = await runCli(['update', ASG, '--template', file, '--parameter', 'note=b', '--wait'], env);
  assert.equal(u.code, 0, u.stdout + u.stderr);
  const s = (await heat.find(ASG))!;
  assert.equal(s.stack_status, 'UPDATE_COMPLETE');
  assert.equal(await groupSize(heat, s, 'pool_asg'), 3);

  for (const [args, to] of [
    [['--parameter', 'max=2'], 2],
    [['--parameter', 'desired=1', '--parameter', 'note=c'], 1],
  ] as const) {
    const d = JSON.parse((await runCli(['diff', ASG, '--template', file, ...args, '--json'], env)).stdout);
    assert.deepEqual(
      d.destructive.map((x: { detail: string }) => x.detail),
      [`shrinks pool_asg from 3 to ${to} (deletes ${3 - to} member(s))`],
    );
    const r = await runCli(['update', ASG, '--template', file, ...args, '--wait'], env);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`needs approval \\(.*shrinks pool_asg from 3 to ${to}`));
  }
  assert.equal(await groupSize(heat, (await heat.find(ASG))!, 'pool_asg'), 3);
});
