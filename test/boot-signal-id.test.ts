// Issue 10 item 6: a group member's boot script signals its wait condition under its boot_id (src/templates/member.ts
// re-arms `wait` on a new boot_id). The prelude as generated for a member, run by bash on this host, signals a real
// Heat wait condition handle: the signal is accepted and stored under the boot id (the condition's data is keyed by
// it), so the count the member template computes sees it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { renderBoot } from '../src/templates/boot.js';
import { connect, type Cloud } from '../src/openstack/index.js';
import { cloudsYaml } from './helpers/test-cloud.js';
import { waitHandleStack } from './helpers/wait-handle-stack.js';

process.env.OS_CLIENT_CONFIG_FILE ??= cloudsYaml;
const stackName = `faafo-boot-id-${process.pid}-${Date.now().toString(36)}`;
let cloud: Cloud;
let work: string;

before(async () => {
  cloud = await connect({ cloud: 'faafo-local', env: process.env });
  work = mkdtempSync(path.join(tmpdir(), 'faafo-boot-id-'));
});
after(async () => {
  await cloud?.heat.deleteStack(stackName).catch(() => undefined);
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a member boot script signals its wait condition under its boot_id', { timeout: 300_000 }, async () => {
  const { ref, curl } = await waitHandleStack(cloud, stackName);
  assert.ok(curl, 'the handle has a curl_cli');
  const bootId = 'Ab12Cd34Ef56Gh78';
  // the worker member's script as generate renders it, up to its prelude: then it reports success
  const script = renderBoot('worker', { command: 'worker', readyTimeout: 5, env: [], bootId: true });
  const prelude = script.slice(0, script.indexOf('# --- packages'));
  assert.ok(prelude.includes('"id": "__BOOT_ID__"'), prelude);
  const run = prelude
    .replace('BOOT_LOG=/var/log/faafo-boot.log', `BOOT_LOG=${path.join(work, 'boot.log')}`)
    .replace('__WC_NOTIFY__', curl)
    .replace('__BOOT_ID__', bootId) + 'notify SUCCESS "faafo worker connected to the queue"\n';
  const r = spawnSync('bash', ['-c', run], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const done = await cloud.heat.waitFor(ref, { until: ['CREATE_COMPLETE'], timeoutS: 120 });
  assert.equal(done?.status, 'CREATE_COMPLETE', done?.reason);
  const data = JSON.parse(String((await cloud.heat.resource(ref, 'wait')).attributes?.data));
  assert.deepEqual(Object.keys(data), [bootId]);
});
