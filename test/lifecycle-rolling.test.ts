// Issue 10 items 5 and 6 on the real local Heat, with the generated --no-lb templates. Servers are OS::Heat::None
// (never replaced: Heat's OS::Heat::None ignores every update), the test plays their boots (test/helpers/
// play-servers.ts). The members' Neutron ports are a small provider template whose address is the port's own stack id,
// so each API member has a distinct address the way a real port would (OS::Heat::None would make every address null).
//  - the tiers boot side by side: before the services server has signalled, members of both groups are already
//    waiting for their own boots (the groups depend on the network only, not on the services server or each other);
//  - item 5: workers are given no API server list (each task names the API server that queued it, its advertised
//    URL), so scaling the API tier in and out and an update of the API tier alone leave the workers untouched;
//  - item 6: an update that changes the API members' user data (a new bundle checksum) re-arms their wait
//    conditions; their new boots never signal, so the update fails after boot_timeout instead of completing, and the
//    rolling update (one member at a time) leaves the second API member untouched. (Re-armed waits of members whose
//    new boots do signal are in test/lifecycle-bundle.test.ts and the real tiers stack.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { connect } from '../src/openstack/index.js';
import { HeatClient, linkStackId, type StackInfo } from '../src/openstack/heat.js';
import { groupSize } from '../src/stack/tiers.js';
import { chainInput } from './helpers/chain.js';
import { playServers } from './helpers/play-servers.js';
import { cloudsYaml } from './helpers/test-cloud.js';

process.env.OS_CLIENT_CONFIG_FILE ??= cloudsYaml;
const NAME = `lc-roll-${randomBytes(3).toString('hex')}`;
const SHA = (c: string) => c.repeat(64);
const BOOT_TIMEOUT = 60;
let heat: HeatClient;
let dir = '';
const signalled = new Set<string>();
const dead = new Set<string>();

/** A Neutron port stand-in: its fixed_ips name one address, distinct per port (the port's stack id). */
const FAKE_PORT = `heat_template_version: 2018-08-31
parameters:
  network: {type: string, default: ''}
  fixed_ips: {type: json, default: []}
  security_groups: {type: json, default: []}
  port_security_enabled: {type: boolean, default: true}
  allowed_address_pairs: {type: json, default: []}
  name: {type: string, default: ''}
resources: {}
outputs:
  fixed_ips:
    value: [{ip_address: {get_param: 'OS::stack_id'}, subnet_id: ''}]
`;

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutS = 600): Promise<T> {
  const end = Date.now() + timeoutS * 1000;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Plays the servers (except the dead ones) until the stack leaves *_IN_PROGRESS. */
async function settled(): Promise<StackInfo> {
  return until(`${NAME} to settle`, async () => {
    await playServers(heat, NAME, signalled, { dead }).catch(() => undefined);
    const s = await heat.find(NAME);
    return s && !/IN_PROGRESS$/.test(s.stack_status) ? s : undefined;
  }, 900);
}

/** Why a stack failed: every FAILED resource (nested too) with its reason. */
async function failures(stack: StackInfo): Promise<string> {
  const all = await heat.resources(stack, 3);
  return [stack.stack_status_reason, ...all.filter((r) => /FAILED$/.test(r.resource_status)).map((r) => `${r.resource_name}: ${r.resource_status_reason}`)].join('\n');
}

/** The members of a group: name, nested stack id, status, creation time. */
async function members(stack: StackInfo, group: string) {
  const all = await heat.resources(stack, 2);
  const nested = linkStackId((await heat.resource(stack, group)).links, 'nested');
  return all
    .filter((r) => linkStackId(r.links, 'stack') === nested && !!linkStackId(r.links, 'nested'))
    .map((r) => ({ name: r.resource_name, id: linkStackId(r.links, 'nested')!, status: r.resource_status, created: String(r.creation_time ?? '') }))
    .sort((a, b) => a.created.localeCompare(b.created));
}

/** A member's nested stack parameter (what its server's user data is made of). */
async function memberParam(id: string, name: string): Promise<string> {
  return String((await heat.getStack(id)).parameters?.[name]);
}

before(async () => {
  heat = (await connect({ cloud: 'faafo-local', env: process.env })).heat;
});

after(async () => {
  const s = await heat?.find(NAME).catch(() => undefined);
  if (s && s.stack_status !== 'DELETE_COMPLETE') await heat.deleteStack(s).catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('--no-lb: the tiers boot side by side; API changes leave the workers alone; member updates roll one at a time and wait for health', { timeout: 2_400_000 }, async () => {
  const input = await chainInput([
    '--no-lb', '--min-api', '1', '--desired-api', '2', '--max-api', '3', '--min-workers', '1', '--max-workers', '3',
    '--cooldown', '0', '--boot-timeout', String(BOOT_TIMEOUT),
    '--app-url', 'https://bundles.example.invalid/faafo.tar.gz', '--app-sha256', SHA('a'),
  ]);
  dir = input.dir;
  const env = input.environment as { resource_registry: Record<string, string> };
  // the members' ports become the stand-in (mapping OS::Neutron::Port itself would be checked against Neutron's schema)
  env.resource_registry['Faafo::Test::Port'] = 'fake-port.yaml';
  for (const f of Object.keys(input.files)) input.files[f] = input.files[f].replace(/type: OS::Neutron::Port\b/g, 'type: Faafo::Test::Port');
  env.resource_registry['OS::Aodh::*'] = 'OS::Heat::None';
  await heat.createStack({ name: NAME, ...input, files: { ...input.files, 'fake-port.yaml': FAKE_PORT }, timeoutMins: 20, disableRollback: true });

  // ---- side by side: nothing signalled yet (the services server has not booted: services_wait is not complete),
  // and both tiers' members already wait for their own boots
  let seen = '';
  const booting = await until('members of both tiers waiting for their boots', async () => {
    const s = (await heat.find(NAME))!;
    const services = (await heat.resource(s, 'services_wait')).resource_status;
    const waiting = async (group: string) => {
      const ms = await members(s, group).catch(() => []);
      const st = await Promise.all(ms.map(async (m) => (await heat.resource(m.id, 'boot_signals').catch(() => undefined))?.resource_status));
      return st.filter((x) => x === 'CREATE_IN_PROGRESS').length;
    };
    const [api, worker] = [await waiting('api_asg'), await waiting('worker_asg')];
    seen = `services_wait ${services}, API members booting ${api}, workers booting ${worker}`;
    return api >= 1 && worker >= 1 ? { api, worker, services } : undefined;
  }, 50).catch((e: Error) => assert.fail(`${e.message} (last: ${seen})`));
  assert.match(booting.services, /^(INIT_COMPLETE|CREATE_IN_PROGRESS)$/, 'the services server has not signalled yet');
  assert.equal(signalled.size, 0);

  let stack = await settled();
  assert.equal(stack.stack_status, 'CREATE_COMPLETE', await failures(stack));

  // ---- item 5: the worker is given no API server; API scale-in, scale-out and an API-only update leave it alone
  const apis = await members(stack, 'api_asg');
  assert.equal(apis.length, 2);
  const addressOf = async (m: { id: string }) => String((await heat.outputs(m.id)).address);
  const apiAddresses = await Promise.all(apis.map(addressOf));
  assert.equal(new Set(apiAddresses).size, 2, 'each API member has its own address (advertised to the workers in its tasks)');
  const [worker] = await members(stack, 'worker_asg');
  assert.equal(await memberParam(worker.id, 'endpoint_url'), '', 'no endpoint list: the tasks name their API server');
  const workerBootId = async () => String((await heat.resource(worker.id, 'boot_id')).attributes?.value);
  const workerBoot = await workerBootId();

  await heat.signal(stack, 'api_scale_down');
  await until('the API tier to shrink to 1', async () => {
    const s = await settled();
    return (await groupSize(heat, s, 'api_asg')) === 1 ? true : undefined;
  });
  stack = (await heat.find(NAME))!;
  assert.equal((await members(stack, 'api_asg')).length, 1);

  // an update of the API tier alone (it grows back to 2): the workers' user data does not change with it
  await heat.updateStack(stack, { existing: true, parameters: { api_desired_capacity: 2 } });
  stack = await settled();
  assert.equal(stack.stack_status, 'UPDATE_COMPLETE', await failures(stack));
  const workersAfter = await members(stack, 'worker_asg');
  assert.deepEqual(workersAfter.map((m) => m.id), [worker.id], 'the same worker member');
  assert.equal(await workerBootId(), workerBoot, 'its boot id (so its user data) did not change: no replacement');
  assert.equal(await memberParam(worker.id, 'endpoint_url'), '');

  // ---- item 6: a new bundle checksum changes every member's user data
  const apisBefore = await members(stack, 'api_asg');
  assert.equal(apisBefore.length, 2);
  const bootIds = async (ms: { id: string }[]) =>
    Promise.all(ms.map(async (m) => String((await heat.resource(m.id, 'boot_id')).attributes?.value)));
  const idsBefore = await bootIds(apisBefore);

  // One update that changes the API members' user data for the first time (their boot_signals heard one boot): the
  // new boots never signal. A wait re-arms from the signals its boot_signals heard, an attribute Heat keeps from when
  // boot_signals completed, so only a member's first change is reliably waited for (docs/lifecycle.md, known limits).
  for (const m of apisBefore) dead.add(m.id);
  const t0 = Date.now();
  await heat.updateStack(stack, { existing: true, parameters: { app_sha256: SHA('b') } });
  stack = await settled();
  assert.equal(stack.stack_status, 'UPDATE_FAILED', 'a member that never signals fails the update');
  assert.ok(Date.now() - t0 >= BOOT_TIMEOUT * 1000, 'it waited for the boot');
  const rearmed = await until('the API members to settle', async () => {
    const ms = await members((await heat.find(NAME))!, 'api_asg');
    return ms.some((m) => /IN_PROGRESS$/.test(m.status)) ? undefined : ms;
  });
  const idsAfter = await bootIds(rearmed);
  assert.ok(idsAfter.some((id) => !idsBefore.includes(id)), 'the first member got a new boot id (its server would be replaced)');

  // the first API member's new boot never signalled, so its wait timed out and the rolling update stopped there:
  // one member at a time, the second one untouched
  const after = await until('the API members to settle', async () => {
    const ms = await members((await heat.find(NAME))!, 'api_asg');
    return ms.some((m) => /IN_PROGRESS$/.test(m.status)) ? undefined : ms;
  });
  const dump = JSON.stringify(
    await Promise.all(
      after.map(async (m) => {
        const w = await heat.resource(m.id, 'wait');
        return { ...m, sha: (await memberParam(m.id, 'app_sha256')).slice(0, 3), wait: `${w.resource_status} ${w.resource_status_reason}` };
      }),
    ),
    null,
    1,
  );
  const failed = after.filter((m) => /FAILED$/.test(m.status));
  assert.equal(failed.length, 1, dump);
  const failedWait = await heat.resource(failed[0].id, 'wait');
  assert.equal(failedWait.resource_status, 'UPDATE_FAILED');
  assert.match(String(failedWait.resource_status_reason), /WaitConditionTimeout|received/);
  const untouched = after.filter((m) => !/FAILED$/.test(m.status));
  for (const m of untouched) assert.equal(await memberParam(m.id, 'app_sha256'), SHA('a'), `the rolling update stopped at the failed member: ${dump}`);
});
