// Issue 10 item 8 on the real local Keystone + Heat: a failed create keeps what it made unless --rollback (like
// `openstack stack create`), the wait condition's FAILURE reason (the boot log's last lines) is printed, `delete`
// without a terminal points at --yes, DEBUG=* never prints the X-Auth-Token, `--cloud` is accepted as --os-cloud.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect } from '../src/openstack/index.js';
import type { HeatClient } from '../src/openstack/heat.js';
import { runCli, startCli } from './helpers/lifecycle-cli.js';
import { cloudDir } from './helpers/test-cloud.js';

const CLOUD_DIR = cloudDir;
const env = { OS_CLIENT_CONFIG_FILE: path.join(CLOUD_DIR, 'clouds.yaml'), OS_CLOUD: 'faafo-local' };
const suffix = randomBytes(3).toString('hex');
const KEEP = `lc-keep-${suffix}`;
const ROLL = `lc-roll-${suffix}`;
let heat: HeatClient;
let dir: string;

// A "server" whose boot fails: its wait condition gets FAILURE with the boot log's last lines, as the boot
// scripts send it.
const TEMPLATE = `heat_template_version: 2018-08-31
resources:
  db_host:
    type: OS::Heat::Value
    properties: {value: a server}
  wait_handle:
    type: OS::Heat::WaitConditionHandle
  wait:
    type: OS::Heat::WaitCondition
    depends_on: [db_host]
    properties: {handle: {get_resource: wait_handle}, count: 1, timeout: 600}
`;

async function failBoot(name: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const s = await heat.find(name).catch(() => undefined);
    const h = s && (await heat.resource(s, 'wait_handle').catch(() => undefined));
    const a = h?.resource_status === 'CREATE_COMPLETE' ? h.attributes : undefined;
    if (a?.endpoint) {
      const res = await fetch(String(a.endpoint), {
        method: 'POST',
        headers: { 'X-Auth-Token': String(a.token), 'Content-Type': 'application/json' },
        body: JSON.stringify({ status: 'FAILURE', reason: 'services boot failed at line 12 (exit 100): E: Unable to locate package postgresql', data: 'host' }),
      });
      assert.equal(res.status, 200);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('no wait handle');
}

before(async () => {
  heat = (await connect({ cloud: 'faafo-local', env: { ...process.env, ...env } })).heat;
  dir = await mkdtemp(path.join(tmpdir(), 'faafo-lc-hints-'));
  await writeFile(path.join(dir, 'boot.yaml'), TEMPLATE);
});

after(async () => {
  for (const name of [KEEP, ROLL]) {
    const s = await heat?.find(name).catch(() => undefined);
    if (s) await heat.deleteStack(s).catch(() => undefined);
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a failed create keeps its resources by default and prints the boot failure; --rollback removes them', { timeout: 600_000 }, async () => {
  for (const [name, extra] of [[KEEP, []], [ROLL, ['--rollback']]] as const) {
    const cli = startCli(['create', name, '--template', path.join(dir, 'boot.yaml'), '--wait', ...extra], env);
    await failBoot(name);
    const r = await cli.done;
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /E: Unable to locate package postgresql/);
    const s = (await heat.find(name))!;
    if (name === KEEP) {
      assert.equal(s.stack_status, 'CREATE_FAILED');
      const server = await heat.resource(s, 'db_host');
      assert.equal(server.resource_status, 'CREATE_COMPLETE', 'the failed server stays for inspection');
    } else {
      assert.match(s.stack_status, /^ROLLBACK_/);
    }
  }
});

test('delete without a terminal points at --yes', async () => {
  const r = await runCli(['delete', KEEP], env);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /--yes/);
  assert.doesNotMatch(r.stderr, /--require-approval/);
});

test('DEBUG=* prints no X-Auth-Token', async () => {
  const r = await runCli(['list'], { ...env, DEBUG: '*' });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout + r.stderr, /X-Auth-Token['"]?\s*[:=]\s*['"]?[A-Za-z0-9_-]{20}/i);
  assert.doesNotMatch(r.stdout + r.stderr, /gAAAAA[A-Za-z0-9_-]{20}/, 'no Fernet token anywhere');
});

test('--cloud is accepted as --os-cloud (doctor, list)', async () => {
  const { OS_CLOUD: _unused, ...noCloud } = env;
  const l = await runCli(['list', '--cloud', 'faafo-local', '--json'], noCloud);
  assert.equal(l.code, 0, l.stderr);
  const d = await runCli(['doctor', '--cloud', 'faafo-local', '--json'], noCloud);
  assert.notEqual(d.code, 2, d.stderr);
  assert.equal(JSON.parse(d.stdout).cloud, 'faafo-local');
});
