// The lifecycle's pure decisions, without a cloud: nested paths from Heat's stack names, event lines, which
// security group changes widen access, when approval is needed (and that nobody is asked without a TTY), the
// cooldown read from an autoscaling group's metadata, tiers found in a template, environment merging, and
// telling Heat preview noise from real changes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import { pathFromName } from '../src/stack/nested-paths.js';
import { formatEvent } from '../src/stack/events.js';
import { securityGroupWidening } from '../src/stack/security-groups.js';
import { approvalReasons, requireApproval } from '../src/stack/approval.js';
import type { StackDiff } from '../src/stack/diff.js';
import { propagate, realChanges } from '../src/stack/diff.js';
import { activeCooldown } from '../src/stack/scale.js';
import { findTiers, pickTier } from '../src/stack/tiers.js';
import { mergeEnvironments, parseParameters } from '../src/stack/input.js';
import { isSecretOutput } from '../src/stack/outputs.js';
import { samplesDir } from './helpers/test-cloud.js';

const sample = path.join(samplesDir, 'faafo-autoscaling.yaml');

test('nested paths from Heat stack names', () => {
  assert.equal(pathFromName('s1', 's1'), '');
  assert.equal(pathFromName('s1', 's1-tier_a-ddr2lzu7iijx'), 'tier_a');
  assert.equal(pathFromName('s1', 's1-api_asg-abcdefghijkl-mk5dboxpdtjl-qwertyuiopas'), 'api_asg/mk5dboxpdtjl');
});

test('one event per line: time, status, nested path/resource, reason ("state changed" omitted)', () => {
  const base = { id: '1', time: '2026-11-25T20:51:08Z', resource: 'server', path: 'api_asg/x1', status: 'CREATE_COMPLETE' };
  assert.equal(formatEvent({ ...base, reason: 'state changed' }), '2026-11-25 20:51:08Z  CREATE_COMPLETE      api_asg/x1/server');
  assert.equal(formatEvent({ ...base, path: '', status: 'CREATE_FAILED', reason: 'boom' }), '2026-11-25 20:51:08Z  CREATE_FAILED        server  boom');
});

describe('security group widening', () => {
  const sg = (rules: object[]) => ({ resources: { sg: { type: 'OS::Neutron::SecurityGroup', properties: { rules } } } });
  test('a new port or a wider CIDR widens; a narrower rule does not', () => {
    const old = sg([{ protocol: 'tcp', port_range_min: 80, port_range_max: 80, remote_ip_prefix: '10.0.0.0/8' }]);
    assert.deepEqual(securityGroupWidening(old, old), []);
    assert.deepEqual(
      securityGroupWidening(old, sg([{ protocol: 'tcp', port_range_min: 80, port_range_max: 80, remote_ip_prefix: '10.1.0.0/16' }])),
      [],
    );
    const wider = securityGroupWidening(old, sg([{ protocol: 'tcp', port_range_min: 80, port_range_max: 80 }]));
    assert.deepEqual(wider, [{ group: 'sg', rule: 'ingress tcp port 80 from 0.0.0.0/0' }]);
    const port = securityGroupWidening(old, sg([{ protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '10.0.0.0/8' }]));
    assert.equal(port.length, 1);
    assert.match(port[0].rule, /port 22 from 10\.0\.0\.0\/8/);
  });
  test('parameters are resolved; a standalone SecurityGroupRule counts for its group', () => {
    const old = sg([{ protocol: 'tcp', port_range_min: 80, port_range_max: 80, remote_ip_prefix: { get_param: 'cidr' } }]);
    const neu = {
      resources: {
        ...old.resources,
        r: { type: 'OS::Neutron::SecurityGroupRule', properties: { security_group: { get_resource: 'sg' }, protocol: 'tcp', port_range_min: 8080, port_range_max: 8080 } },
      },
    };
    assert.deepEqual(securityGroupWidening(old, neu, { cidr: '10.0.0.0/8' }), [{ group: 'sg', rule: 'ingress tcp port 8080 from 0.0.0.0/0' }]);
  });
  test('the same template with a wider CIDR parameter widens; a narrower one does not', () => {
    const t = sg([{ protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_mode: 'remote_ip_prefix', remote_ip_prefix: { get_param: 'ssh_cidr' } }]);
    assert.deepEqual(securityGroupWidening(t, t, { ssh_cidr: '10.0.0.0/8' }, { ssh_cidr: '0.0.0.0/0' }), [
      { group: 'sg', rule: 'ingress tcp port 22 from 0.0.0.0/0' },
    ]);
    assert.deepEqual(securityGroupWidening(t, t, { ssh_cidr: '0.0.0.0/0' }, { ssh_cidr: '10.0.0.0/8' }), []);
  });
});

describe('approval', () => {
  const diff = (changes: StackDiff['changes'], extra: Partial<StackDiff> = {}): StackDiff => ({
    stack: 's', changes, parameters: [], ignored: [], unchanged: 0, widening: [], destructive: [], ...extra,
  });
  const upd = { resource: 'a', type: 'T', action: 'update' as const };
  const rep = { resource: 'b', type: 'T', action: 'replace' as const };
  test('policies', () => {
    assert.deepEqual(approvalReasons('never', diff([rep])), []);
    assert.deepEqual(approvalReasons('broadening', diff([upd])), []);
    assert.deepEqual(approvalReasons('broadening', diff([upd, rep])), ['replaces b']);
    assert.deepEqual(approvalReasons('broadening', diff([], { widening: [{ group: 'sg', rule: 'x' }] })), ['opens security group sg wider: x']);
    assert.deepEqual(approvalReasons('any-change', diff([upd])), ['1 change(s)']);
    assert.deepEqual(approvalReasons('any-change', diff([])), []);
  });
  test('never asks without a terminal; asks and honours the answer on one', async () => {
    let asked = 0;
    const p = (interactive: boolean, answer: string) => ({ interactive, ask: async () => (asked++, answer) });
    await assert.rejects(requireApproval('update of stack s', ['replaces b'], p(false, 'y')), (e: Error & { exitCode: number }) => {
      assert.equal(e.exitCode, 2);
      assert.match(e.message, /needs approval \(replaces b\) and there is no terminal/);
      return true;
    });
    assert.equal(asked, 0);
    await requireApproval('update', ['replaces b'], p(true, 'y'));
    await assert.rejects(requireApproval('update', ['replaces b'], p(true, '')), /not approved/);
    assert.equal(asked, 2);
    await requireApproval('update', [], p(false, ''));
  });
});

test('cooldown end from ASG metadata (naive UTC timestamps)', () => {
  const meta = { cooldown_end: { '2026-11-25T20:58:42.329617': 'change_in_capacity : 1' }, scaling_in_progress: false };
  assert.equal(activeCooldown(meta, new Date('2026-11-25T20:55:00Z'))?.toISOString(), '2026-11-25T20:58:42.329Z');
  assert.equal(activeCooldown(meta, new Date('2026-11-25T21:00:00Z')), undefined);
  assert.equal(activeCooldown({}, new Date()), undefined);
});

test('tiers, policies and size parameters read from the template', async () => {
  const t = load(await readFile(sample, 'utf8')) as object;
  const tiers = findTiers(t, { api_min_size: '1', api_max_size: '3', worker_min_size: '2', worker_max_size: '5', scaling_cooldown: '0' });
  assert.deepEqual(tiers, [
    { name: 'api', group: 'api_asg', up: 'api_scale_up', down: 'api_scale_down', sizeParam: 'api_min_size', min: 1, max: 3 },
    { name: 'workers', group: 'worker_asg', up: 'worker_scale_up', sizeParam: 'worker_min_size', min: 2, max: 5 },
  ]);
  assert.equal(pickTier(tiers, 'worker')?.group, 'worker_asg');
  assert.equal(pickTier(tiers, 'api_asg')?.name, 'api');
  assert.equal(pickTier(tiers, 'db'), undefined);
});

test('environments merge key by key, later files win; --parameter KEY=VALUE', () => {
  const merged = mergeEnvironments(
    { resource_registry: { 'OS::Nova::Server': 'OS::Heat::None', a: 'x' }, parameters: { p: 1 } },
    { resource_registry: { a: 'y' }, parameter_defaults: { q: 2 } },
  );
  assert.deepEqual(merged, {
    resource_registry: { 'OS::Nova::Server': 'OS::Heat::None', a: 'y' },
    parameters: { p: 1 },
    parameter_defaults: { q: 2 },
  });
  assert.deepEqual(parseParameters(['a=1', 'b=x=y', 'c=']), { a: '1', b: 'x=y', c: '' });
  assert.throws(() => parseParameters(['novalue']), /KEY=VALUE/);
});

test('secret-looking outputs are redacted', () => {
  for (const k of ['db_password', 'api_scale_up_alarm_url', 'admin_token', 'app_credential_secret']) assert.ok(isSecretOutput(k), k);
  for (const k of ['app_url', 'worker_current_size', 'api_scale_up_url', 'lb_vip']) assert.ok(!isSecretOutput(k), k);
});

describe('preview noise vs real changes', () => {
  const base = {
    oldFiles: { 'm.yaml': 'A' },
    newFiles: { 'm.yaml': 'A' },
    oldEnv: { resource_registry: { resources: {} } },
    newEnv: {},
    changedParams: new Set<string>(),
  };
  const tpl = (extra: Record<string, unknown> = {}) => ({
    resources: {
      group: { type: 'OS::Heat::AutoScalingGroup', properties: { max_size: { get_param: 'max' }, resource: { type: 'm.yaml' } } },
      policy: { type: 'OS::Heat::ScalingPolicy', properties: { auto_scaling_group_id: { get_resource: 'group' } } },
      pw: { type: 'OS::Heat::RandomString' },
      ...extra,
    },
  });
  test('nothing changed -> nothing real', () => {
    assert.deepEqual([...realChanges({ ...base, oldT: tpl(), newT: tpl() })!], []);
  });
  test('a changed parameter, member file or definition', () => {
    assert.deepEqual([...realChanges({ ...base, oldT: tpl(), newT: tpl(), changedParams: new Set(['max']) })!], ['group']);
    assert.deepEqual([...realChanges({ ...base, oldT: tpl(), newT: tpl(), newFiles: { 'm.yaml': 'B' } })!], ['group']);
    assert.deepEqual([...realChanges({ ...base, oldT: tpl(), newT: tpl({ pw: { type: 'OS::Heat::RandomString', properties: { length: 9 } } }) })!], ['pw']);
  });
  test('what references a change: get_resource only when replaced, get_attr always', () => {
    const t = tpl({ user: { type: 'X', properties: { v: { get_attr: ['pw', 'value'] } } } });
    assert.deepEqual([...propagate(t, new Set(['group']), new Map([['group', 'update' as const]]))], ['group']);
    assert.deepEqual([...propagate(t, new Set(['group']), new Map([['group', 'replace' as const]]))].sort(), ['group', 'policy']);
    assert.deepEqual([...propagate(t, new Set(['pw']), new Map([['pw', 'update' as const]]))].sort(), ['pw', 'user']);
  });
  test('a changed resource registry: trust Heat as is', () => {
    assert.equal(realChanges({ ...base, oldT: tpl(), newT: tpl(), newEnv: { resource_registry: { 'OS::Nova::Server': 'OS::Heat::None' } } }), undefined);
  });
});

test('app URL from the outputs, never one without a host', async () => {
  const { appUrl } = await import('../src/stack/status.js');
  assert.equal(appUrl({ app_url: 'http://203.0.113.5/' }), 'http://203.0.113.5/');
  assert.equal(appUrl({ app_url: 'http:///' }), null);
  assert.equal(appUrl({ app_url: 'http:///', lb_vip: '10.0.0.5' }), 'http://10.0.0.5/');
  assert.equal(appUrl({ lb_vip: null }), null);
});
