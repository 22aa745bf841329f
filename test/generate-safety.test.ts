// Issue 10 item 7 (risky defaults) in what `generate` writes: SSH closed unless --ssh-cidr (the database host
// included), HTTP to the API servers not only from the subnet (Octavia's OVN provider keeps the client address),
// scale-down on a longer window than scale-up, no `ssh debian@` whatever the image; and the all-in-one server
// (SQLite + images on its disk) never replaced by a user-data change. The widening check follows the SSH condition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { load } from 'js-yaml';
import { resolveConfig } from '../src/config/index.js';
import { synthesize } from '../src/templates/index.js';
import { securityGroupWidening } from '../src/stack/security-groups.js';
import type { Tpl } from '../src/stack/tpl.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML, walked freely by the assertions
type Obj = Record<string, any>;

async function gen(flags: Record<string, unknown> = {}): Promise<Obj> {
  const s = synthesize(await resolveConfig({ flags, cwd: path.join(repoRoot, 'test') }));
  return load(s.files[s.main]) as Obj;
}

const rulesOf = (t: Obj) => {
  const out: Obj[] = [];
  for (const r of Object.values(t.resources) as Obj[]) {
    if (r.type === 'OS::Neutron::SecurityGroup') out.push(...(r.properties.rules ?? []));
    if (r.type === 'OS::Neutron::SecurityGroupRule') out.push({ ...r.properties, condition: r.condition });
  }
  return out;
};

test('SSH is closed by default on every group, the services (database) host included; --ssh-cidr opens it', async () => {
  for (const flags of [{}, { topology: 'all-in-one' }, { lb: false }]) {
    const t = await gen(flags);
    assert.equal(t.parameters.ssh_cidr.default, '', JSON.stringify(flags));
    const ssh = rulesOf(t).filter((r) => r.port_range_min === 22);
    assert.ok(ssh.length >= 1, JSON.stringify(flags));
    for (const r of ssh) {
      assert.equal(r.condition, 'ssh_allowed', JSON.stringify(r));
      assert.deepEqual(r.remote_ip_prefix, { get_param: 'ssh_cidr' });
    }
    assert.deepEqual(t.conditions.ssh_allowed, { not: { equals: [{ get_param: 'ssh_cidr' }, ''] } });
  }
  const t = await gen();
  const groups = rulesOf(t).filter((r) => r.port_range_min === 22).map((r) => r.security_group.get_resource).sort();
  assert.deepEqual(groups, ['api_sg', 'services_sg', 'worker_sg']);
  assert.equal((await gen({ 'ssh-cidr': '203.0.113.7/32' })).parameters.ssh_cidr.default, '203.0.113.7/32');
  assert.match('', new RegExp(t.parameters.ssh_cidr.constraints[0].allowed_pattern));
  assert.doesNotMatch('0.0.0.0', new RegExp(t.parameters.ssh_cidr.constraints[0].allowed_pattern));
});

test('the widening check follows the SSH condition: "" -> 0.0.0.0/0 opens port 22, "" -> "" does not', async () => {
  const t = (await gen()) as Tpl;
  assert.deepEqual(securityGroupWidening(t, t, { ssh_cidr: '' }, { ssh_cidr: '' }), []);
  const w = securityGroupWidening(t, t, { ssh_cidr: '' }, { ssh_cidr: '0.0.0.0/0' });
  assert.deepEqual(w.map((x) => x.group).sort(), ['api_sg', 'services_sg', 'worker_sg']);
  for (const x of w) assert.equal(x.rule, 'ingress tcp port 22 from 0.0.0.0/0');
});

test('HTTP to the API servers from anywhere also behind the load balancer (OVN keeps the client address)', async () => {
  for (const lb of [true, false]) {
    const api = (await gen({ lb })).resources.api_sg.properties.rules as Obj[];
    const http = api.find((r) => r.port_range_min === 80);
    assert.equal(http?.remote_ip_prefix, '0.0.0.0/0', `lb ${lb}`);
  }
});

test('scale-down waits three times the scale-up window (CPU alarms and the queue scaler)', async () => {
  const t = await gen({ 'evaluation-periods': 2 });
  for (const tier of ['api', 'worker']) {
    assert.equal(t.resources[`${tier}_cpu_high`].properties.evaluation_periods, 2);
    assert.equal(t.resources[`${tier}_cpu_low`].properties.evaluation_periods, 6);
  }
  const q = await gen({ 'worker-scaling': 'queue' });
  assert.match(q.resources.services_server.properties.user_data.str_replace.template, /^FAAFO_EVALUATION_PERIODS=1\nFAAFO_SCALE_DOWN_EVALUATION_PERIODS=3$/m);
});

test('all-in-one: no hard-coded login user; the server holding SQLite and the images ignores user-data changes', async () => {
  const t = await gen({ topology: 'all-in-one' });
  assert.doesNotMatch(JSON.stringify(t.outputs), /debian@/);
  assert.deepEqual(t.outputs.watch_command.value.list_join[1][0], 'ssh ');
  assert.equal(t.resources.app_server.properties.user_data_update_policy, 'IGNORE');
});
