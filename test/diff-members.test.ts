// Issue 10 item 6, the class in `diff`: an update that changes the members of an autoscaling group of servers is
// named - one batch at a time with rolling_updates, or all at once without (then a destructive change, gated like a
// replaced database server). Table tests of the detection, then `faafo-stack diff` on the local Heat against a
// hand-written stack (servers are OS::Heat::None there, so Heat's preview shows nothing of it).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { load } from 'js-yaml';
import { memberReplacements } from '../src/stack/destructive.js';
import { resolveConfig } from '../src/config/index.js';
import { synthesize } from '../src/templates/index.js';
import type { Tpl } from '../src/stack/tpl.js';
import { connect } from '../src/openstack/index.js';
import { runCli } from './helpers/lifecycle-cli.js';
import { cloudDir } from './helpers/test-cloud.js';

const MEMBER = `heat_template_version: 2018-08-31
parameters:
  note: {type: string}
resources:
  handle: {type: OS::Heat::WaitConditionHandle}
  server:
    type: OS::Nova::Server
    properties:
      image: debian
      flavor: m1.small
      user_data_format: RAW
      user_data: {str_replace: {template: "#!/bin/sh\\necho NOTE\\n", params: {NOTE: {get_param: note}}}}
`;
const main = (rolling: boolean, memberType = 'member.yaml') => `heat_template_version: 2018-08-31
parameters:
  note: {type: string, default: a}
  max: {type: number, default: 3}
resources:
  pool:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 1
      max_size: {get_param: max}
      desired_capacity: 2
${rolling ? '      rolling_updates: {max_batch_size: 1, min_in_service: 1}\n' : ''}      resource:
        type: ${memberType}
        properties: {note: {get_param: note}}
`;
const tpl = (s: string) => load(s) as Tpl;

const cases: { name: string; old: string; new: string; params: string[]; files?: [string, string]; want: { rolling: boolean; re: RegExp }[] }[] = [
  { name: 'a member property changes, rolling', old: main(true), new: main(true), params: ['note'], want: [{ rolling: true, re: /^updates its 2 member\(s\) of pool .* one batch at a time \(rolling_updates max_batch_size 1, min_in_service 1\): member properties note change\(s\)$/ }] },
  { name: 'a member property changes, no rolling_updates', old: main(false), new: main(false), params: ['note'], want: [{ rolling: false, re: /all at once \(no rolling_updates/ }] },
  { name: 'the member template changes', old: main(true), new: main(true), params: [], files: [MEMBER, MEMBER.replace('echo', 'printf')], want: [{ rolling: true, re: /its member template change/ }] },
  { name: 'an unrelated parameter', old: main(true), new: main(true), params: ['max'], want: [] },
  { name: 'a group of something else than servers', old: main(false, 'OS::Heat::Value'), new: main(false, 'OS::Heat::Value'), params: ['note'], want: [] },
];

for (const c of cases) {
  test(`diff names member updates: ${c.name}`, () => {
    const [oldMember, newMember] = c.files ?? [MEMBER, MEMBER];
    const got = memberReplacements(
      { oldT: tpl(c.old), newT: tpl(c.new), changedParams: new Set(c.params) },
      { old: { 'member.yaml': oldMember }, new: { 'member.yaml': newMember }, registry: {} },
      new Map([['pool', 2]]),
    );
    assert.equal(got.length, c.want.length, JSON.stringify(got));
    for (const [i, w] of c.want.entries()) {
      assert.equal(got[i].group, 'pool');
      assert.equal(got[i].rolling, w.rolling);
      assert.match(got[i].detail, w.re);
    }
  });
}

// The generated tiers: the workers never read the API group (no API server list, each task names its API server), so
// a change of the API tier alone - even one that changes the API group itself - names the API members only.
for (const lb of [true, false]) {
  test(`diff names member updates, generated tiers (${lb ? 'load balancer' : '--no-lb'}): an API-only change leaves the workers out`, async () => {
    const s = synthesize(await resolveConfig({ flags: { lb }, cwd: path.join(import.meta.dirname) }));
    const main = tpl(s.files[s.main]);
    const files = { old: s.childFiles, new: s.childFiles, registry: (s.environment as { resource_registry: Record<string, unknown> }).resource_registry };
    const sizes = new Map([['api_asg', 2], ['worker_asg', 3]]);
    const apiOnly = memberReplacements({ oldT: main, newT: main, changedParams: new Set(['anonymous_writes']), changed: new Set(['api_asg']) }, files, sizes);
    assert.deepEqual(apiOnly.map((m) => m.group), ['api_asg'], JSON.stringify(apiOnly));
    assert.match(apiOnly[0].detail, /one batch at a time .*: member properties anonymous_writes change\(s\)$/);
    // a change both tiers read still names both
    const both = memberReplacements({ oldT: main, newT: main, changedParams: new Set(['app_sha256']), changed: new Set(['api_asg', 'worker_asg']) }, files, sizes);
    assert.deepEqual(both.map((m) => m.group).sort(), ['api_asg', 'worker_asg']);
  });
}

const NAME = `diff-members-${randomBytes(3).toString('hex')}`;
const env = { OS_CLIENT_CONFIG_FILE: path.join(cloudDir, 'clouds.yaml'), OS_CLOUD: 'faafo-local' };
let dir = '';
after(async () => {
  const heat = (await connect({ cloud: 'faafo-local', env: { ...process.env, ...env } })).heat;
  const s = await heat.find(NAME).catch(() => undefined);
  if (s && s.stack_status !== 'DELETE_COMPLETE') await heat.deleteStack(s).catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('faafo-stack diff on the local Heat: a rolling member update is named; without rolling_updates it is destructive and gated', { timeout: 600_000 }, async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'faafo-diff-members-'));
  await writeFile(path.join(dir, 'member.yaml'), MEMBER);
  const rolling = path.join(dir, 'rolling.yaml');
  const plain = path.join(dir, 'plain.yaml');
  await writeFile(rolling, main(true));
  await writeFile(plain, main(false));
  const none = ['-e', path.join(cloudDir, 'env-none.yaml')];
  const c = await runCli(['create', NAME, '--template', rolling, ...none, '--wait'], env);
  assert.equal(c.code, 0, c.stdout + c.stderr);

  const d = await runCli(['diff', NAME, '--template', rolling, ...none, '--parameter', 'note=b', '--json'], env);
  assert.equal(d.code, 0, d.stdout + d.stderr);
  const j = JSON.parse(d.stdout);
  assert.deepEqual(j.members.map((m: { group: string; rolling: boolean; current: number }) => [m.group, m.rolling, m.current]), [['pool', true, 2]]);
  assert.deepEqual(j.destructive, []);
  const text = await runCli(['diff', NAME, '--template', rolling, ...none, '--parameter', 'note=b'], env);
  assert.match(text.stdout, /^\[~\] updates its 2 member\(s\) of pool \(servers whose user data changes are replaced\) one batch at a time/m);

  const p = JSON.parse((await runCli(['diff', NAME, '--template', plain, ...none, '--parameter', 'note=b', '--json'], env)).stdout);
  assert.deepEqual(p.destructive.map((x: { kind: string; resource: string }) => [x.kind, x.resource]), [['replace-members', 'pool']]);
  assert.match(p.destructive[0].detail, /^replaces its 2 member\(s\) of pool .* all at once \(no rolling_updates/);
  const u = await runCli(['update', NAME, '--template', plain, ...none, '--parameter', 'note=b', '--wait'], env);
  assert.equal(u.code, 2, u.stdout + u.stderr);
  assert.match(u.stderr, /needs approval \(.*replaces its 2 member\(s\) of pool/);
});
