// Who may write, in the generated templates (issue 15): a per-stack result secret reaches the API and worker
// servers, a per-stack API key the API servers only, both through hidden parameters and never an output; the
// anonymous-writes / legacy-workers opt-ins are parameters; the API's internal listener (/metrics) is open only to
// the stack's own security groups and never behind the load balancer; the queue scaler reads it from the stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { load } from 'js-yaml';
import { resolveConfig } from '../src/config/index.js';
import { synthesize } from '../src/templates/index.js';
import { PORTS } from '../src/templates/security.js';
import { validateSet } from '../src/validate/index.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML, walked freely by the assertions
type Obj = Record<string, any>;
const gen = async (flags: Record<string, unknown> = {}) => {
  const s = synthesize(await resolveConfig({ flags, cwd: path.join(repoRoot, 'test') }));
  const main = load(s.files['faafo-stack.yaml']!) as Obj;
  const member = (tier: string) => load(s.childFiles[`faafo-${tier}-member.yaml`]!) as Obj;
  return { s, main, member };
};
const envFile = (script: string) => /cat > \/etc\/faafo\/faafo\.env <<'FAAFO_ENV'\n([\s\S]*?)\nFAAFO_ENV/.exec(script)?.[1] ?? '';
const scriptOf = (server: Obj) => server.properties.user_data.str_replace.template as string;
const paramsOf = (server: Obj) => server.properties.user_data.str_replace.params as Obj;

/** Every get_attr/get_resource target anywhere in a value. */
function targets(v: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) v.forEach((x) => targets(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'get_attr' && Array.isArray(x)) out.add(String(x[0]));
      if (k === 'get_resource') out.add(String(x));
      targets(x, out);
    }
  }
  return out;
}

test('tiers: result secret to API and workers, API key to the API only, opt-ins off, both secrets hidden and in no output', async () => {
  const { main, member } = await gen();
  for (const r of ['api_key', 'result_secret']) {
    assert.equal(main.resources[r].type, 'OS::Heat::RandomString');
    assert.ok(main.resources[r].properties.length >= 32);
  }
  const api = main.resources.api_asg.properties.resource.properties;
  const worker = main.resources.worker_asg.properties.resource.properties;
  assert.deepEqual(api.result_secret, { get_attr: ['result_secret', 'value'] });
  assert.deepEqual(api.api_key, { get_attr: ['api_key', 'value'] });
  assert.deepEqual(api.anonymous_writes, { get_param: 'anonymous_writes' });
  assert.deepEqual(api.legacy_workers, { get_param: 'legacy_workers' });
  assert.deepEqual(api.legacy_worker_cidrs, { get_param: 'network_cidr' }, 'legacy workers only from the private subnet');
  assert.deepEqual(worker.result_secret, { get_attr: ['result_secret', 'value'] });
  assert.equal(worker.api_key, undefined, 'workers never get the API key');
  assert.equal(main.parameters.anonymous_writes.default, 'deny');
  assert.equal(main.parameters.legacy_workers.default, 'deny');

  // no output, and nothing the services server gets, names either secret
  const outTargets = targets(main.outputs);
  assert.ok(!outTargets.has('api_key') && !outTargets.has('result_secret'), [...outTargets].join(' '));
  assert.ok(!targets(main.resources.services_server).has('api_key'));
  assert.ok(!targets(main.resources.services_server).has('result_secret'));

  const am = member('api');
  const wm = member('worker');
  for (const p of ['api_key', 'result_secret']) assert.equal(am.parameters[p].hidden, true, p);
  assert.equal(wm.parameters.result_secret.hidden, true);
  assert.equal(wm.parameters.api_key, undefined);
  const apiEnv = envFile(scriptOf(am.resources.server));
  for (const line of [
    'FAAFO_RESULT_SECRET=__RESULT_SECRET__',
    'FAAFO_API_KEY=__API_KEY__',
    'FAAFO_ANONYMOUS_WRITES=__ANONYMOUS_WRITES__',
    'FAAFO_LEGACY_WORKERS=__LEGACY_WORKERS__',
    'FAAFO_LEGACY_WORKER_CIDRS=__LEGACY_WORKER_CIDRS__',
    `FAAFO_INTERNAL_PORT=${PORTS.internal}`,
  ])
    assert.ok(apiEnv.split('\n').includes(line), `API env has ${line}:\n${apiEnv}`);
  assert.deepEqual(paramsOf(am.resources.server).__API_KEY__, { get_param: 'api_key' });
  assert.deepEqual(paramsOf(am.resources.server).__RESULT_SECRET__, { get_param: 'result_secret' });
  const workerEnv = envFile(scriptOf(wm.resources.server));
  assert.ok(workerEnv.split('\n').includes('FAAFO_RESULT_SECRET=__RESULT_SECRET__'), workerEnv);
  assert.doesNotMatch(workerEnv, /FAAFO_API_KEY/);
  // the env file is written 0600 (umask 077) before the secrets go in
  assert.match(scriptOf(am.resources.server), /umask 077\ncat > \/etc\/faafo\/faafo\.env/);
  // member outputs: addresses and the internal URL, never a secret
  assert.ok(!targets(am.outputs).has('api_key'));
  assert.doesNotMatch(JSON.stringify(am.outputs), /get_param.{0,4}(api_key|result_secret)/);
});

test('opt-ins: --anonymous-writes and --legacy-workers set the parameters (allow), the flags and the file key agree', async () => {
  const { main, s } = await gen({ 'anonymous-writes': true, 'legacy-workers': true });
  assert.equal(main.parameters.anonymous_writes.default, 'allow');
  assert.equal(main.parameters.legacy_workers.default, 'allow');
  assert.deepEqual(main.parameters.anonymous_writes.constraints, [{ allowed_values: ['allow', 'deny'] }]);
  assert.equal(s.parameters.anonymous_writes, 'allow');
  const off = await gen({ 'anonymous-writes': false });
  assert.equal(off.main.parameters.anonymous_writes.default, 'deny');
});

test('internal listener: open only to the stack\'s own groups, never in an address-range rule, never behind the load balancer', async () => {
  for (const flags of [{}, { lb: false }, { 'database-url': 'postgresql://u:p@db.example/faafo', 'queue-url': 'amqp://u:p@mq.example/' }]) {
    const { main, member } = await gen(flags);
    const rules: Obj[] = [];
    for (const [name, r] of Object.entries(main.resources as Obj)) {
      if (r.type === 'OS::Neutron::SecurityGroup') for (const x of r.properties.rules) rules.push({ ...x, at: name });
      if (r.type === 'OS::Neutron::SecurityGroupRule') rules.push({ ...r.properties, at: name });
    }
    const internal = rules.filter((r) => r.port_range_min <= PORTS.internal && r.port_range_max >= PORTS.internal);
    assert.ok(internal.length >= 2, JSON.stringify(flags));
    for (const r of internal) {
      assert.ok(r.remote_group?.get_resource, `${r.at} admits only a security group`);
      assert.equal(r.remote_ip_prefix, undefined, r.at);
      assert.deepEqual(r.security_group, { get_resource: 'api_sg' }, r.at);
    }
    const from = internal.map((r) => r.remote_group.get_resource).sort();
    assert.ok(from.includes('worker_sg') && from.includes('api_sg'), from.join(' '));
    assert.equal(from.includes('services_sg'), Boolean(main.resources.services_sg), 'the services server (queue scaler) when there is one');
    // the public rule is the HTTP port alone
    const world = rules.filter((r) => r.remote_ip_prefix === '0.0.0.0/0');
    assert.deepEqual(world.map((r) => [r.port_range_min, r.port_range_max]), [[PORTS.http, PORTS.http]]);
    if (main.resources.lb) {
      assert.equal(main.resources.lb_listener.properties.protocol_port, PORTS.http);
      assert.equal(member('api').resources.pool_member.properties.protocol_port, PORTS.http);
      const lbPorts = Object.values(main.resources as Obj)
        .filter((r) => /^OS::Octavia::/.test(r.type))
        .map((r) => r.properties.protocol_port)
        .filter((p) => p !== undefined);
      assert.deepEqual(lbPorts, [PORTS.http]);
    }
    assert.deepEqual(
      validateSet({
        main: 'faafo-stack.yaml',
        templates: { 'faafo-stack.yaml': main, 'faafo-api-member.yaml': member('api'), 'faafo-worker-member.yaml': member('worker') },
      }).filter((f) => f.code.startsWith('access.')),
      [],
    );
  }
});

test('queue scaler: reads /metrics from the API servers\' internal listeners named by the api_metrics_urls output', async () => {
  const { main, member } = await gen({ 'worker-scaling': 'queue' });
  const services = scriptOf(main.resources.services_server);
  assert.match(services, /^FAAFO_METRICS_FROM_STACK=api_metrics_urls$/m);
  const out = main.outputs.api_metrics_urls.value.yaql;
  assert.deepEqual(out.data.urls, { get_attr: ['api_asg', 'outputs_list', 'internal_url'] });
  assert.deepEqual(member('api').outputs.internal_url.value, {
    list_join: ['', ['http://', { get_attr: ['port', 'fixed_ips', 0, 'ip_address'] }, `:${PORTS.internal}`]],
  });
});

test('all-in-one: the API key reaches the server, /metrics stays on 127.0.0.1, no output names the key', async () => {
  const { main } = await gen({ topology: 'all-in-one' });
  assert.equal(main.resources.api_key.type, 'OS::Heat::RandomString');
  assert.equal(main.resources.result_secret, undefined, 'faafo serve makes its own result secret');
  const env = envFile(scriptOf(main.resources.app_server)).split('\n');
  for (const line of ['FAAFO_API_KEY=__API_KEY__', 'FAAFO_ANONYMOUS_WRITES=__ANONYMOUS_WRITES__', `FAAFO_INTERNAL_PORT=${PORTS.internal}`, 'FAAFO_INTERNAL_HOST=127.0.0.1'])
    assert.ok(env.includes(line), line);
  assert.deepEqual(paramsOf(main.resources.app_server).__API_KEY__, { get_attr: ['api_key', 'value'] });
  assert.ok(!targets(main.outputs).has('api_key'));
  assert.deepEqual(main.resources.app_sg.properties.rules.map((r: Obj) => r.port_range_min), [PORTS.http]);
});
