// The stack lifecycle commands against the real local Keystone + Heat (cloud `faafo-local` of
// test/cloud/clouds.yaml): create --wait (events, outputs file) while this test plays the servers and
// signals the wait condition, status/outputs/events/list --json, diff of a changed template, update refused
// without a TTY, scale workers up, delete --wait; and a stack made to fail with every failed resource listed.
// One stack is shared across the steps (they run in order); everything created is deleted in `after`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, rm, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { connect } from '../src/openstack/index.js';
import { HeatClient, type HeatStack } from '../src/openstack/heat.js';
import { groupSize } from '../src/stack/tiers.js';
import { repoRoot, runCli, startCli } from './helpers/lifecycle-cli.js';
import { cloudDir } from './helpers/test-cloud.js';

const OS = cloudDir;
const samples = path.join(OS, 'samples');
const env = { OS_CLIENT_CONFIG_FILE: path.join(OS, 'clouds.yaml'), OS_CLOUD: 'faafo-local' };
const run = (args: string[]) => runCli(args, env);
const suffix = randomBytes(3).toString('hex');
const NAME = `lc-${suffix}`;
const FAIL_NAME = `lc-fail-${suffix}`;
const EVENT_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ? {2}[A-Z]+_[A-Z_]+ +\S+/;

let heat: HeatClient;
let dir: string;
let template: string;
const created: string[] = [];

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutS = 240): Promise<T> {
  const end = Date.now() + timeoutS * 1000;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** What the controller's user data does on a real server: POST SUCCESS to the wait handle with its token. */
async function signalWaitHandle(stackName: string): Promise<void> {
  const stack = await until('the stack to exist', () => heat.find(stackName));
  const handle = await until('wait_handle CREATE_COMPLETE', async () => {
    const r = await heat.resource(stack, 'wait_handle');
    return r.resource_status === 'CREATE_COMPLETE' && r.attributes?.endpoint ? r : undefined;
  });
  const res = await fetch(String(handle.attributes!.endpoint), {
    method: 'POST',
    headers: { 'X-Auth-Token': String(handle.attributes!.token), 'Content-Type': 'application/json' },
    body: JSON.stringify({ status: 'SUCCESS', data: 'controller up' }),
  });
  assert.equal(res.status, 200, `wait handle signal: HTTP ${res.status}`);
}

before(async () => {
  const cloud = await connect({ cloud: 'faafo-local', env: { ...process.env, ...env } });
  heat = cloud.heat;
  dir = await mkdtemp(path.join(tmpdir(), 'faafo-lifecycle-'));
  // The realistic sample (API + worker groups, LB, alarms, wait condition) with its member templates.
  for (const f of ['faafo-autoscaling.yaml', 'faafo-api-member.yaml', 'faafo-worker-member.yaml']) {
    await copyFile(path.join(samples, f), path.join(dir, f));
  }
  template = path.join(dir, 'faafo-autoscaling.yaml');
});

after(async () => {
  for (const name of created) {
    const s = await heat.find(name).catch(() => undefined);
    if (s && s.stack_status !== 'DELETE_COMPLETE') await heat.deleteStack(s).catch(() => undefined);
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('stack lifecycle against the local Heat', { concurrency: false }, () => {
  test('create --wait: events one per line, CREATE_COMPLETE, outputs written (secrets redacted)', async () => {
    const outFile = path.join(dir, 'out.json');
    created.push(NAME);
    const cli = startCli(
      [
        'create', NAME, '--template', template, '-e', path.join(OS, 'env-none.yaml'),
        '--parameter', 'scaling_cooldown=0', '--parameter', 'wait_timeout=300',
        '--wait', '--timeout', '10', '--outputs-file', outFile,
      ],
      env,
    );
    await signalWaitHandle(NAME);
    const r = await cli.done;
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const lines = r.stdout.split('\n');
    const events = lines.filter((l) => EVENT_LINE.test(l));
    assert.ok(events.length >= 20, `expected the create's events, got:\n${r.stdout}`);
    assert.ok(events.some((l) => /CREATE_COMPLETE +wait_condition/.test(l)), 'wait_condition event');
    // Nested events carry their path: group / member / resource.
    assert.ok(events.some((l) => /CREATE_COMPLETE +api_asg\/[a-z0-9]+\/server\b/.test(l)), 'nested member event with path');
    assert.ok(events.some((l) => new RegExp(`CREATE_COMPLETE +${NAME}\\b`).test(l)), 'stack complete event');
    assert.match(r.stdout, new RegExp(`Stack ${NAME} CREATE_COMPLETE`));
    const written = JSON.parse(await readFile(outFile, 'utf8'));
    assert.equal(written[NAME].api_current_size, 1);
    assert.equal(written[NAME].worker_current_size, 1);
    assert.equal(written[NAME].wait_data, '{"1": "controller up"}');
    assert.equal(written[NAME].db_password, '<redacted>');
    assert.equal(written[NAME].api_scale_up_alarm_url, '<redacted>');
    const real = (await heat.getStack((await heat.find(NAME))!)).outputs!.find((o) => o.output_key === 'db_password')!;
    assert.ok(!r.stdout.includes(String(real.output_value)), 'the generated password is never printed');
  });

  test('status, outputs, events and list --json', async () => {
    const st = await run(['status', NAME, '--json']);
    assert.equal(st.code, 0, st.stderr);
    const s = JSON.parse(st.stdout);
    assert.equal(s.stack.name, NAME);
    assert.equal(s.stack.status, 'CREATE_COMPLETE');
    assert.deepEqual(
      s.tiers.map((t: { name: string; current: number; min: number; max: number }) => [t.name, t.current, t.min, t.max]),
      [['api', 1, 1, 3], ['workers', 1, 1, 5]],
    );
    assert.equal(s.appUrl, null); // lb_vip is null: Octavia is OS::Heat::None here
    assert.ok(Array.isArray(s.alarms), 'alarming API reachable -> alarms listed');
    assert.deepEqual(s.alarms.map((a: { resource: string }) => a.resource).sort(), ['api_cpu_high', 'api_cpu_low']);

    const out = await run(['outputs', NAME, '--json']);
    assert.equal(out.code, 0, out.stderr);
    const o = JSON.parse(out.stdout);
    assert.equal(o.worker_current_size, 1);
    assert.equal(o.db_password, '<redacted>');

    const ev = await run(['events', NAME, '--json']);
    assert.equal(ev.code, 0, ev.stderr);
    const events = JSON.parse(ev.stdout) as { time: string; resource: string; path: string; status: string }[];
    assert.ok(events.some((e) => e.resource === 'server' && /^worker_asg\/[a-z0-9]+$/.test(e.path)), 'nested path in JSON');
    assert.deepEqual(Object.keys(events[0]).sort(), ['id', 'path', 'reason', 'resource', 'status', 'time']);
    const times = events.map((e) => e.time);
    assert.deepEqual([...times].sort(), times, 'events in time order');

    const ls = await run(['list', '--json']);
    assert.equal(ls.code, 0, ls.stderr);
    const mine = (JSON.parse(ls.stdout) as { name: string; status: string }[]).find((x) => x.name === NAME);
    assert.equal(mine?.status, 'CREATE_COMPLETE');
  });

  test('diff of a changed template lists exactly the changed resources; --fail exits 1', async () => {
    const text = await readFile(template, 'utf8');
    const changed = text
      .replace('length: 24', 'length: 30') // db_password: RandomString length cannot be updated -> replaced
      .replace(/\n {2}monitor:\n(?: {4}.*\n)+/, '\n') // monitor removed
      .replace('\noutputs:', '\n  extra_secret:\n    type: OS::Heat::RandomString\n\noutputs:'); // one added
    assert.notEqual(changed, text);
    const changedFile = path.join(dir, 'changed.yaml');
    await writeFile(changedFile, changed);
    const args = ['diff', NAME, '--template', changedFile, '-e', path.join(OS, 'env-none.yaml'),
      '--parameter', 'scaling_cooldown=0', '--parameter', 'wait_timeout=300'];
    const d = await run([...args, '--json']);
    assert.equal(d.code, 0, d.stderr);
    const diff = JSON.parse(d.stdout);
    assert.deepEqual(
      diff.changes.map((c: { resource: string; action: string }) => `${c.action} ${c.resource}`),
      // the controller's user data reads the new password: Nova would replace it (issue 10: said from the template,
      // as Heat's preview cannot where servers are OS::Heat::None)
      ['add extra_secret', 'delete monitor', 'replace controller', 'replace db_password'],
    );
    assert.deepEqual(
      diff.destructive.map((x: { kind: string; resource: string }) => `${x.kind} ${x.resource}`),
      ['replace-server controller'],
    );
    assert.deepEqual(diff.parameters, []);
    const text1 = await run(args);
    assert.equal(text1.code, 0, text1.stderr);
    assert.match(text1.stdout, /^\[\+\] extra_secret \(OS::Heat::RandomString\)$/m);
    assert.match(text1.stdout, /^\[-\] monitor \(OS::Octavia::HealthMonitor\)$/m);
    assert.match(text1.stdout, /^\[~\] db_password \(OS::Heat::RandomString\) +\*\* REPLACED \*\*$/m);
    assert.match(text1.stdout, /^\[~\] controller \(OS::Nova::Server\) +\*\* REPLACED \*\*$/m);
    assert.match(text1.stdout, /^\[!\] replaces server controller \(its disk and data are lost\): user_data \(user_data_update_policy REPLACE\) change\(s\)$/m);
    assert.equal(text1.stdout.split('\n').filter((l) => /^\[[+~-]\]/.test(l)).length, 4);
    const fail = await run([...args, '--fail']);
    assert.equal(fail.code, 1);
    const same = await run(['diff', NAME, '--template', template, '-e', path.join(OS, 'env-none.yaml'),
      '--parameter', 'scaling_cooldown=0', '--parameter', 'wait_timeout=300', '--fail']);
    assert.equal(same.code, 0, same.stdout + same.stderr);
    assert.match(same.stdout, /no changes/);
  });

  test('update --require-approval any-change without a TTY refuses with one line, exit 2, stack untouched', async () => {
    const before = (await heat.find(NAME))!;
    const r = await run(['update', NAME, '--template', template, '-e', path.join(OS, 'env-none.yaml'),
      '--parameter', 'scaling_cooldown=0', '--parameter', 'wait_timeout=300', '--parameter', 'worker_max_size=6',
      '--require-approval', 'any-change', '--wait']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /\[~\] parameter worker_max_size: 5 -> 6/);
    const errLines = r.stderr.trim().split('\n');
    assert.equal(errLines.length, 1, r.stderr);
    assert.match(errLines[0], /needs approval .*no terminal/);
    const afterS = (await heat.find(NAME))!;
    assert.equal(afterS.stack_status, before.stack_status);
    assert.equal(afterS.updated_time, before.updated_time);
  });

  test('on a terminal, update asks; answering no changes nothing (exit 2)', async () => {
    const before = (await heat.find(NAME))!;
    const cmd = [process.execPath, '--import', 'tsx', path.join(repoRoot, 'test/helpers/run-command.ts'), 'update', NAME,
      '--template', template, '-e', path.join(OS, 'env-none.yaml'), '--parameter', 'scaling_cooldown=0',
      '--parameter', 'wait_timeout=300', '--parameter', 'worker_max_size=6', '--require-approval', 'any-change']
      .map((a) => `'${a}'`).join(' ');
    // `script` gives the command a pseudo-terminal (stdin and stdout are TTYs), as a user's shell would.
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: repoRoot, env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = new Promise<number | null>((r) => child.on('close', r));
    await until('the approval question', async () => (/Proceed\? \[y\/N\]/.test(out) ? true : undefined), 120);
    child.stdin.write('n\n');
    assert.equal(await code, 2, out);
    assert.match(out, /update of stack \S+ 2 change\(s\)\. Proceed\? \[y\/N\]/); // the parameter and worker_asg
    assert.match(out, /not approved; nothing was changed/);
    assert.equal((await heat.find(NAME))!.updated_time, before.updated_time);
  });

  test('scale workers up grows the group by one', async () => {
    const stack = (await heat.find(NAME)) as HeatStack;
    assert.equal(await groupSize(heat, stack, 'worker_asg'), 1);
    const r = await run(['scale', 'workers', 'up', '--stack', NAME, '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const res = JSON.parse(r.stdout);
    assert.equal(res.method, 'signal');
    assert.equal(res.policy, 'worker_scale_up');
    assert.equal(res.before, 1);
    assert.equal(res.after, 2);
    assert.equal(await groupSize(heat, stack, 'worker_asg'), 2);
    const meta = await heat.resourceMetadata(stack, 'worker_asg');
    assert.equal(meta.scaling_in_progress, false);
  });

  test('update --wait applies a change; a scale signal inside the cooldown is reported as ignored', async () => {
    const r = await run(['update', NAME, '--template', template, '-e', path.join(OS, 'env-none.yaml'),
      '--parameter', 'scaling_cooldown=600', '--parameter', 'wait_timeout=300',
      '--require-approval', 'never', '--wait', '--outputs-file', path.join(dir, 'out2.json')]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\[~\] parameter scaling_cooldown: 0 -> 600/);
    assert.ok(r.stdout.split('\n').some((l) => EVENT_LINE.test(l) && /UPDATE_COMPLETE +worker_scale_up/.test(l)), r.stdout);
    assert.match(r.stdout, new RegExp(`Stack ${NAME} UPDATE_COMPLETE`));
    assert.equal((await heat.find(NAME))!.parameters!.scaling_cooldown, '600');
    // First signal after the update resizes (and starts a 600 s cooldown), the next one is ignored by Heat.
    const up = await run(['scale', 'workers', 'up', '--stack', NAME, '--json']);
    assert.equal(up.code, 0, up.stdout + up.stderr);
    assert.deepEqual([JSON.parse(up.stdout).before, JSON.parse(up.stdout).after], [2, 3]);
    const again = await run(['scale', 'workers', 'up', '--stack', NAME]);
    assert.equal(again.code, 1, again.stdout + again.stderr);
    assert.match(again.stderr, /^Error: Heat ignored the signal: group worker_asg is in its cooldown until \d{4}-\d\d-\d\dT[\d:.]+Z/);
    assert.equal(await groupSize(heat, (await heat.find(NAME))!, 'worker_asg'), 3);
  });

  test('a stack made to fail lists every failed resource with its nested path and reason, exit 1', async () => {
    created.push(FAIL_NAME);
    const fx = path.join(repoRoot, 'test/fixtures/lifecycle');
    const r = await run(['create', FAIL_NAME, '--template', path.join(fx, 'fail-stack.yaml'), '--wait', '--no-rollback']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /4 failed resource\(s\):/);
    assert.match(r.stdout, /✗ tier_a \(fail-member-a\.yaml\) +CREATE_FAILED: .*bad_length\.properties\.length: 100000 is out of range/);
    assert.match(r.stdout, /· tier_b \(fail-member-b\.yaml\) +CREATE_FAILED: /);
    assert.match(r.stdout, /· tier_b\/inner \(fail-inner\.yaml\) +CREATE_FAILED: /);
    assert.match(r.stdout, /✗ tier_b\/inner\/boom \(OS::Heat::TestResource\) +CREATE_FAILED: ValueError: resources\.boom: Test Resource failed boom/);
    assert.ok(!/fine/.test(r.stdout.split('failed resource(s):')[1]), 'healthy resources are not listed');
    const err = r.stderr.trim().split('\n');
    assert.equal(err.length, 1, r.stderr);
    assert.match(err[0], new RegExp(`^Error: stack ${FAIL_NAME} CREATE_FAILED: `));
    assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at .*\(.*:\d+:\d+\)/, 'no stack trace');

    const j = await run(['status', FAIL_NAME, '--json']);
    assert.equal(JSON.parse(j.stdout).stack.status, 'CREATE_FAILED');
    const del = await run(['delete', FAIL_NAME, '--yes', '--no-wait', '--json']);
    assert.equal(del.code, 0, del.stdout + del.stderr);
  });

  test('delete --wait removes the stack; events --follow sees it and ends', async () => {
    const noYes = await run(['delete', NAME]);
    assert.equal(noYes.code, 2, 'no terminal and no --yes: refused');
    const follow = startCli(['events', NAME, '--follow', '--poll-interval', '1'], env);
    await until('events --follow to print the history', async () => (/CREATE_COMPLETE/.test(follow.stdout()) ? true : undefined), 180);
    const r = await run(['delete', NAME, '--yes', '--wait']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const f = await follow.done;
    assert.equal(f.code, 0, f.stderr);
    assert.match(f.stdout, new RegExp(`DELETE_IN_PROGRESS +${NAME} `));
    assert.match(r.stdout, /DELETE_IN_PROGRESS/);
    assert.match(r.stdout, new RegExp(`Stack ${NAME} DELETE_COMPLETE`));
    const s = await heat.find(NAME);
    assert.ok(!s || s.stack_status === 'DELETE_COMPLETE');
    const gone = await run(['status', NAME]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, new RegExp(`stack ${NAME} not found`));
  });
});
