// The offline checker: each broken reference kind, alarm unit/metadata/direction/trust mistakes, world-open
// database/queue ports, removed resource types; and the `validate` command's exit codes and --json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { dump, load } from 'js-yaml';
import { resolveConfig } from '../src/config/index.js';
import { synthesize } from '../src/templates/index.js';
import { validateSet, type Finding } from '../src/validate/index.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML, walked freely by the assertions
type Obj = Record<string, any>;

async function baseSet(flags: Record<string, unknown> = {}) {
  const s = synthesize(await resolveConfig({ flags, cwd: path.join(repoRoot, 'test') }));
  const templates: Record<string, Obj> = { [s.main]: load(s.files[s.main]) as Obj };
  for (const [f, text] of Object.entries(s.childFiles)) templates[f] = load(text) as Obj;
  return { main: s.main, templates, environment: structuredClone(s.environment) as Obj };
}

/** Findings after one mutation of a fresh generated set (which itself has none). */
async function after(
  mutate: (set: Awaited<ReturnType<typeof baseSet>>) => void,
  flags: Record<string, unknown> = {},
): Promise<Finding[]> {
  const set = await baseSet(flags);
  mutate(set);
  return validateSet(set);
}

const codes = (fs: Finding[]) => fs.filter((f) => f.severity === 'error').map((f) => f.code);
const main = (set: { templates: Record<string, Obj> }) => set.templates['faafo-stack.yaml'];

test('the generated sets have no findings (all variants)', async () => {
  for (const flags of [
    {},
    { lb: false },
    { topology: 'all-in-one' },
    { 'database-url': 'mysql://u:p@h/db', 'queue-url': 'amqp://u:p@h/' },
    { 'alarm-action': 'alarm-url', cooldown: 600 },
    { 'worker-scaling': 'queue' },
  ]) {
    assert.deepEqual(validateSet(await baseSet(flags)), [], JSON.stringify(flags));
  }
});

test('reference checker: each broken reference kind is found, with its place', async () => {
  const cases: [string, (s: Awaited<ReturnType<typeof baseSet>>) => void, string, RegExp][] = [
    [
      'get_resource',
      (s) => (main(s).resources.subnet.properties.network = { get_resource: 'netwrok' }),
      'ref.get_resource',
      /resources\.subnet\.properties\.network/,
    ],
    [
      'get_attr',
      (s) => (main(s).outputs.api_current_size.value = { get_attr: ['api_asgg', 'current_size'] }),
      'ref.get_attr',
      /outputs\.api_current_size\.value/,
    ],
    [
      'get_param',
      (s) => (main(s).resources.router.properties.external_gateway_info.network = { get_param: 'ext_net' }),
      'ref.get_param',
      /external_gateway_info\.network/,
    ],
    [
      'depends_on',
      (s) => (main(s).resources.api_asg.depends_on = ['router_interface', 'services_wiat']),
      'ref.depends_on',
      /resources\.api_asg\.depends_on\[1\]/,
    ],
    [
      'get_param in a member',
      (s) => (s.templates['faafo-worker-member.yaml'].resources.server.properties.flavor = { get_param: 'flavour' }),
      'ref.get_param',
      /resources\.server\.properties\.flavor/,
    ],
    [
      'get_resource in a member',
      (s) => (s.templates['faafo-api-member.yaml'].resources.wait.properties.handle = { get_resource: 'handle' }),
      'ref.get_resource',
      /resources\.wait/,
    ],
    [
      'unmapped member type',
      (s) => (s.environment.resource_registry = {}),
      'ref.provider',
      /resources\.api_asg\.properties\.resource\.type/,
    ],
    ['member file missing', (s) => delete s.templates['faafo-worker-member.yaml'], 'ref.provider', /worker_asg/],
    [
      'property the member does not declare',
      (s) => (main(s).resources.worker_asg.properties.resource.properties.colour = 'red'),
      'ref.provider-property',
      /properties\.colour/,
    ],
    [
      'member parameter not given',
      (s) => delete main(s).resources.api_asg.properties.resource.properties.app_sha256,
      'ref.provider-property',
      /needs parameter app_sha256/,
    ],
  ];
  for (const [what, mutate, code, where] of cases) {
    const fs = await after(mutate);
    const hit = fs.find((f) => f.code === code);
    assert.ok(hit, `${what}: expected ${code}, got ${JSON.stringify(fs)}`);
    assert.match(`${hit.path} ${hit.message}`, where, what);
  }
});

test('alarm checks: units, metric, granularity, metadata tie-in, direction, trust+', async () => {
  const alarm = (s: Awaited<ReturnType<typeof baseSet>>, name = 'worker_cpu_high') =>
    main(s).resources[name].properties;
  const cases: [string, (s: Awaited<ReturnType<typeof baseSet>>) => void, string][] = [
    ['percent as threshold', (s) => (alarm(s).threshold = 80), 'alarm.threshold-unit'],
    ['absurdly large threshold', (s) => (alarm(s).threshold = 1e15), 'alarm.threshold-unit'],
    ['cpu_util', (s) => (alarm(s).metric = 'cpu_util'), 'alarm.metric'],
    ['mean on cumulative cpu', (s) => (alarm(s).aggregation_method = 'mean'), 'alarm.aggregation'],
    ['avg is not Gnocchi', (s) => (alarm(s).aggregation_method = 'avg'), 'alarm.aggregation'],
    ['granularity 90', (s) => (alarm(s).granularity = 90), 'alarm.granularity'],
    [
      'query on metering.server_group',
      (s) => (alarm(s).query = '{"=": {"metering.server_group": "x"}}'),
      'alarm.query',
    ],
    ['query without server_group', (s) => (alarm(s).query = '{"=": {"project_id": "x"}}'), 'alarm.query'],
    [
      'worker alarm querying the api group',
      (s) => (alarm(s).query = structuredClone(alarm(s, 'api_cpu_high').query)),
      'alarm.metadata',
    ],
    [
      'members without metering metadata',
      (s) => delete main(s).resources.worker_asg.properties.resource.properties.metadata,
      'alarm.metadata',
    ],
    [
      'member drops the metadata',
      (s) => delete s.templates['faafo-worker-member.yaml'].resources.server.properties.metadata,
      'alarm.metadata',
    ],
    [
      'low alarm wired to scale-up',
      (s) => (alarm(s, 'worker_cpu_low').alarm_actions = structuredClone(alarm(s).alarm_actions)),
      'alarm.direction',
    ],
    [
      'signal_url without trust+',
      (s) => (alarm(s).alarm_actions = [{ get_attr: ['worker_scale_up', 'signal_url'] }]),
      'alarm.trust',
    ],
    [
      'removed OS::Ceilometer::Alarm',
      (s) => (main(s).resources.worker_cpu_high.type = 'OS::Ceilometer::Alarm'),
      'hot.removed-type',
    ],
    ['LBaaS v2', (s) => (main(s).resources.lb.type = 'OS::Neutron::LBaaS::LoadBalancer'), 'hot.removed-type'],
  ];
  for (const [what, mutate, code] of cases)
    assert.ok(codes(await after(mutate)).includes(code), `${what}: expected ${code}`);
  // the threshold message says what the unit is
  const fs = await after((s) => (alarm(s).threshold = 80));
  assert.match(
    fs.find((f) => f.code === 'alarm.threshold-unit')!.message,
    /ns of CPU time per 300 s window, so 80% of one vCPU is 240000000000/,
  );
  // a cooldown shorter than the window with repeat_actions: warning, not error
  const w = validateSet(await baseSet({ cooldown: 60 }));
  assert.deepEqual([...new Set(w.map((f) => `${f.severity}:${f.code}`))], ['warning:alarm.repeat']);
});

test('world-open database/queue ports are found; group-restricted and narrow ones are not', async () => {
  const rule = (extra: Obj) => ({
    direction: 'ingress',
    protocol: 'tcp',
    port_range_min: 5432,
    port_range_max: 5432,
    ...extra,
  });
  const open: Obj[] = [
    rule({ remote_ip_prefix: '0.0.0.0/0' }),
    rule({}),
    rule({ remote_ip_prefix: '::/0', ethertype: 'IPv6' }),
    { protocol: 'tcp', port_range_min: 1, port_range_max: 65535, remote_ip_prefix: '0.0.0.0/0' },
    { remote_ip_prefix: '0.0.0.0/0' },
    rule({ port_range_min: 5672, port_range_max: 5672, remote_ip_prefix: { get_param: 'ssh_cidr' } }), // default set to 0.0.0.0/0 below
    rule({ port_range_min: 3306, port_range_max: 3306, remote_mode: 'remote_ip_prefix' }),
  ];
  for (const r of open) {
    const fs = await after((s) => {
      main(s).parameters.ssh_cidr.default = '0.0.0.0/0'; // SSH is closed by default (issue 10): open it wide here
      main(s).resources.services_sg.properties.rules.push(r);
    });
    const hit = fs.find((f) => f.code === 'port.world-open');
    assert.ok(hit, `not found: ${JSON.stringify(r)}`);
    assert.match(hit.path, /resources\.services_sg\.properties\.rules\[\d+\]/);
  }
  const fine: Obj[] = [
    rule({ remote_mode: 'remote_group_id', remote_group_id: { get_resource: 'api_sg' } }),
    rule({ remote_ip_prefix: '10.20.0.0/24' }),
    rule({ port_range_min: 80, port_range_max: 80, remote_ip_prefix: '0.0.0.0/0' }),
    rule({ direction: 'egress', remote_ip_prefix: '0.0.0.0/0' }),
    rule({ protocol: 'icmp', port_range_min: undefined, port_range_max: undefined, remote_ip_prefix: '0.0.0.0/0' }),
  ];
  for (const r of fine)
    assert.deepEqual(
      codes(await after((s) => main(s).resources.services_sg.properties.rules.push(r))),
      [],
      JSON.stringify(r),
    );
  // a separate OS::Neutron::SecurityGroupRule resource counts too
  const fs = await after(
    (s) =>
      (main(s).resources.extra_rule = {
        type: 'OS::Neutron::SecurityGroupRule',
        properties: {
          security_group: { get_resource: 'services_sg' },
          protocol: 'tcp',
          port_range_min: 5672,
          port_range_max: 5672,
        },
      }),
  );
  assert.ok(codes(fs).includes('port.world-open'));
});

const tsx = pathToFileURL(createRequire(path.join(repoRoot, 'package.json')).resolve('tsx')).href;
function cli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--import', tsx, path.join(repoRoot, 'test/helpers/run-command.ts'), ...args],
    { cwd },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

test(
  'validate command: 0 on the committed heat/, 1 with findings (text and --json), 2 without templates',
  { timeout: 120_000 },
  async () => {
    const ok = await cli(['validate', 'heat'], repoRoot);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /heat: 0 error\(s\), 0 warning\(s\), 3 template\(s\) checked/);

    const dir = mkdtempSync(path.join(os.tmpdir(), 'faafo-validate-'));
    try {
      const set = await baseSet();
      main(set).resources.services_sg.properties.rules.push({
        protocol: 'tcp',
        port_range_min: 5672,
        port_range_max: 5672,
        remote_ip_prefix: '0.0.0.0/0',
      });
      main(set).resources.worker_cpu_high.properties.threshold = 80;
      mkdirSync(path.join(dir, 'bad'));
      for (const [f, t] of Object.entries(set.templates)) writeFileSync(path.join(dir, 'bad', f), dump(t));
      writeFileSync(path.join(dir, 'bad', 'env.yaml'), dump(set.environment));
      const bad = await cli(['validate', 'bad'], dir);
      assert.equal(bad.code, 1);
      assert.match(
        bad.stdout,
        /^error: faafo-stack\.yaml: resources\.services_sg\.properties\.rules\[\d\]: 5672 \(RabbitMQ\) open to 0\.0\.0\.0\/0/m,
      );
      assert.match(bad.stdout, /bad: 2 error\(s\)/);
      const js = await cli(['validate', 'bad', '--json'], dir);
      assert.equal(js.code, 1);
      const r = JSON.parse(js.stdout) as { ok: boolean; findings: Finding[] };
      assert.equal(r.ok, false);
      assert.deepEqual(r.findings.map((f) => f.code).sort(), ['alarm.threshold-unit', 'port.world-open']);
      const none = await cli(['validate', 'nothing-here'], dir);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /^Error: nothing-here\/faafo-stack\.yaml not found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

// Issue 10: the classes of data loss, caught in hand-written templates (not only in generated ones).
const HAND_WRITTEN = `heat_template_version: 2018-08-31
parameters:
  store: {type: string, default: "file:/srv/images"}
  api_max: {type: number, default: 3}
  db_password: {type: string, hidden: true}
  app_url: {type: string}
resources:
  db:
    type: OS::Nova::Server
    properties:
      image: debian-13
      flavor: m1.small
      user_data:
        str_replace:
          template: "#!/bin/sh\\nsetup-db PASS APP\\n"
          params: {PASS: {get_param: db_password}, APP: {get_param: app_url}, ID: {get_param: "OS::stack_id"}}
  api:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 1
      max_size: {get_param: api_max}
      resource:
        type: OS::Heat::Value
        properties: {value: x, image_store: {get_param: store}}
`;

test('hand-written template: per-server image store in a group of many, and a stateful server replaced by user data changes', () => {
  const t = load(HAND_WRITTEN) as Obj;
  const fs = validateSet({ main: 'stack.yaml', templates: { 'stack.yaml': t } });
  const store = fs.find((f) => f.code === 'store.per-server');
  assert.ok(store, JSON.stringify(fs));
  assert.equal(store.severity, 'error');
  assert.equal(store.path, 'resources.api.properties.resource.properties.image_store');
  assert.match(store.message, /file:\/srv\/images keeps each image on the one server .* group of up to 3/);
  const db = fs.find((f) => f.code === 'server.user-data-replace');
  assert.ok(db, JSON.stringify(fs));
  assert.equal(db.path, 'resources.db.properties.user_data');
  assert.match(db.message, /^changing app_url, db_password replaces this server and its disk/);

  // the fixes: one API server (or a swift: store), and IGNORE on the database server
  t.parameters.api_max.default = 1;
  t.resources.db.properties.user_data_update_policy = 'IGNORE';
  assert.deepEqual(validateSet({ main: 'stack.yaml', templates: { 'stack.yaml': t } }).map((f) => f.code), []);
  t.parameters.api_max.default = 3;
  t.parameters.store.default = 'swift://images';
  assert.deepEqual(validateSet({ main: 'stack.yaml', templates: { 'stack.yaml': t } }).map((f) => f.code), []);
});

test('generated: a file: store with more than one API server is refused at generate; the default is Swift then', async () => {
  await assert.rejects(resolveConfig({ flags: { 'image-store-url': 'file:/var/lib/faafo/images' }, cwd: path.join(repoRoot, 'test') }), /--image-store-url file:\/var\/lib\/faafo\/images keeps each image on one API server, and --max-api is 3/);
  const multi = await baseSet();
  assert.equal(main(multi).parameters.image_store_url.default, undefined, 'no per-server default with up to 3 API servers');
  const one = await baseSet({ 'max-api': 1 });
  assert.equal(main(one).parameters.image_store_url.default, 'file:/var/lib/faafo/images');
  // and the checker refuses the generated set edited back to file: with 3 API servers
  assert.deepEqual(codes(await after((s) => (main(s).parameters.image_store_url.default = 'file:/var/lib/faafo/images'))), ['store.per-server']);
});
