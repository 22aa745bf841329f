// synthesize(): threshold arithmetic, determinism, and what the templates must contain (passwords generated,
// ports closed, per-tier alarm tie-in, trust+ actions, member wiring, variants), plus the committed heat/ set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { resolveConfig } from '../src/config/index.js';
import { synthesize, cpuThresholdNs, thresholdPercent } from '../src/templates/index.js';
import { validateSet } from '../src/validate/index.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML, walked freely by the assertions
type Obj = Record<string, any>;
const gen = async (flags: Record<string, unknown> = {}) =>
  synthesize(await resolveConfig({ flags, cwd: path.join(repoRoot, 'test') }));
const parse = (text: string) => load(text) as Obj;

test('threshold arithmetic: percent of the whole server -> ns of CPU per granularity window', () => {
  const table: [number, number, number, number][] = [
    // percent, granularity s, vCPUs, ns
    [80, 300, 1, 240_000_000_000],
    [15, 300, 1, 45_000_000_000],
    [80, 60, 1, 48_000_000_000],
    [20, 60, 1, 12_000_000_000],
    [80, 300, 2, 480_000_000_000],
    [50, 600, 4, 1_200_000_000_000],
    [1, 60, 1, 600_000_000],
    [100, 3600, 64, 230_400_000_000_000],
    [33, 300, 3, 297_000_000_000],
  ];
  for (const [pct, g, v, ns] of table) {
    assert.equal(cpuThresholdNs(pct, g, v), ns, `${pct}% ${g}s ${v} vCPU`);
    assert.equal(thresholdPercent(ns, g, v), pct);
    assert.ok(Number.isSafeInteger(ns));
  }
  assert.throws(() => cpuThresholdNs(0, 60), RangeError);
  assert.throws(() => cpuThresholdNs(101, 60), RangeError);
  assert.throws(() => cpuThresholdNs(50, 0), RangeError);
});

test('deterministic: the same config gives byte-identical files', async () => {
  const flags = { 'max-workers': 5, granularity: 60, 'app-url': 'https://x.example/b.tgz' };
  const a = await gen(flags);
  const b = await gen(flags);
  assert.deepEqual(Object.keys(a.files), [
    'faafo-stack.yaml',
    'faafo-api-member.yaml',
    'faafo-worker-member.yaml',
    'env.yaml',
  ]);
  for (const f of Object.keys(a.files)) assert.equal(a.files[f], b.files[f], f);
});

test('heat/ holds exactly what `generate` writes with the defaults', async () => {
  const s = await gen();
  for (const [f, text] of Object.entries(s.files)) {
    assert.equal(
      readFileSync(path.join(repoRoot, 'heat', f), 'utf8'),
      text,
      `heat/${f} is stale: run node bin/run.js generate --out heat`,
    );
  }
});

test('default topology: what the main template contains', async () => {
  const s = await gen({ 'worker-vcpus': 2 });
  const t = parse(s.files['faafo-stack.yaml']);
  const r = t.resources as Obj;
  // passwords are generated, never constants; the URLs are built from them
  assert.equal(r.db_password.type, 'OS::Heat::RandomString');
  assert.equal(r.mq_password.type, 'OS::Heat::RandomString');
  assert.doesNotMatch(s.files['faafo-stack.yaml'], /guest:guest|password: /i);
  assert.match(
    JSON.stringify(r.api_asg.properties.resource.properties.database_url),
    /postgresql:\/\/faafo:.*db_password/,
  );
  // database and queue only from the app's groups
  const rules = r.services_sg.properties.rules as Obj[];
  const db = rules.filter((x) => x.port_range_min === 5432);
  const mq = rules.filter((x) => x.port_range_min === 5672);
  assert.deepEqual(
    db.map((x) => x.remote_group_id),
    [{ get_resource: 'api_sg' }],
  );
  assert.deepEqual(
    mq.map((x) => x.remote_group_id),
    [{ get_resource: 'api_sg' }, { get_resource: 'worker_sg' }],
  );
  for (const x of [...db, ...mq]) assert.equal(x.remote_ip_prefix, undefined);
  // Octavia LB with an HTTP health monitor on /healthz and a floating IP on the VIP
  assert.equal(r.lb_monitor.properties.url_path, '/healthz');
  assert.equal(r.lb_monitor.properties.type, 'HTTP');
  assert.deepEqual(r.lb_floating_ip.properties.port_id, { get_attr: ['lb', 'vip_port_id'] });
  // per tier: its own group id, carried as metering.server_group, selected by its own alarms only
  for (const tier of ['api', 'worker']) {
    assert.deepEqual(r[`${tier}_asg`].properties.resource.properties.metadata, {
      'metering.server_group': { get_attr: [`${tier}_group_id`, 'value'] },
    });
    for (const dir of ['high', 'low']) {
      const a = r[`${tier}_cpu_${dir}`].properties;
      assert.equal(a.metric, 'cpu');
      assert.equal(a.aggregation_method, 'rate:mean');
      assert.equal(a.resource_type, 'instance');
      assert.match(JSON.stringify(a.query), new RegExp(`${tier}_group_id`));
      assert.doesNotMatch(JSON.stringify(a.query), new RegExp(`${tier === 'api' ? 'worker' : 'api'}_group_id`));
      assert.deepEqual(a.alarm_actions, [
        {
          list_join: ['', ['trust+', { get_attr: [`${tier}_scale_${dir === 'high' ? 'up' : 'down'}`, 'signal_url'] }]],
        },
      ]);
      assert.equal(a.repeat_actions, true);
      assert.equal(a.comparison_operator, dir === 'high' ? 'gt' : 'lt');
    }
  }
  assert.equal(r.api_cpu_high.properties.threshold, 240_000_000_000);
  assert.equal(r.worker_cpu_high.properties.threshold, 480_000_000_000); // 2 vCPUs
  assert.equal(r.worker_cpu_low.properties.threshold, 90_000_000_000);
  assert.match(r.worker_cpu_high.properties.description, /ns of CPU time per 300 s window/);
  assert.equal(r.worker_scale_up.properties.scaling_adjustment, 1);
  assert.equal(r.worker_scale_down.properties.scaling_adjustment, -1);
  for (const o of [
    'app_url',
    'api_current_size',
    'worker_current_size',
    'api_scale_up_url',
    'api_scale_down_url',
    'worker_scale_up_url',
    'worker_scale_down_url',
    'watch_command',
  ])
    assert.ok(t.outputs[o], `output ${o}`);
  // parameters with constraints
  assert.deepEqual(t.parameters.image.constraints, [{ custom_constraint: 'glance.image' }]);
  assert.deepEqual(t.parameters.api_flavor.constraints, [{ custom_constraint: 'nova.flavor' }]);
  assert.deepEqual(t.parameters.key_name.constraints, [{ custom_constraint: 'nova.keypair' }]);
  assert.deepEqual(t.parameters.external_network.constraints, [{ custom_constraint: 'neutron.network' }]);
  assert.ok(t.parameters.app_sha256.constraints[0].allowed_pattern);
  // env.yaml maps the member types to the member files
  assert.deepEqual(parse(s.files['env.yaml']), {
    resource_registry: {
      'Faafo::API::Member': 'faafo-api-member.yaml',
      'Faafo::Worker::Member': 'faafo-worker-member.yaml',
    },
  });
  assert.deepEqual(
    validateSet({
      main: s.main,
      templates: { [s.main]: t, ...Object.fromEntries(Object.entries(s.childFiles).map(([k, v]) => [k, parse(v)])) },
      environment: s.environment as Obj,
    }),
    [],
  );
});

test('member templates: pool member after the wait condition, boot script checks sha256 and waits for /healthz or the queue', async () => {
  const s = await gen();
  const api = parse(s.childFiles['faafo-api-member.yaml']);
  const worker = parse(s.childFiles['faafo-worker-member.yaml']);
  assert.equal(api.resources.pool_member.type, 'OS::Octavia::PoolMember');
  assert.deepEqual(api.resources.pool_member.depends_on, ['wait']);
  assert.equal(api.parameters.database_url.hidden, true);
  assert.equal(worker.parameters.queue_url.hidden, true);
  const apiScript = api.resources.server.properties.user_data.str_replace.template as string;
  const workerScript = worker.resources.server.properties.user_data.str_replace.template as string;
  for (const sc of [apiScript, workerScript]) {
    assert.match(sc, /^#!\/bin\/bash\n/);
    assert.match(sc, /sha256sum -c/);
    assert.match(sc, /apt_install ca-certificates curl nodejs/);
    assert.match(sc, /systemctl enable --now faafo-(api|worker)\.service/);
    assert.doesNotMatch(sc, /\{\{|\}\}/);
  }
  assert.match(apiScript, /ExecStart=\$NODE \$ENTRY api/);
  assert.match(apiScript, /http:\/\/127\.0\.0\.1:80\/healthz/);
  assert.match(workerScript, /ExecStart=\$NODE \$ENTRY worker/);
  assert.match(workerScript, /dport = :\$QUEUE_PORT/);
  assert.deepEqual(Object.keys(api.resources.server.properties.user_data.str_replace.params).sort(), [
    '__ADVERTISE_ADDRESS__',
    '__ANONYMOUS_WRITES__',
    '__API_KEY__',
    '__APP_SHA256__',
    '__APP_URL__',
    '__BOOT_ID__',
    '__BOOT_TIMEOUT__',
    '__DATABASE_URL__',
    '__IMAGE_STORE_SECRET__',
    '__IMAGE_STORE_URL__',
    '__LEGACY_WORKERS__',
    '__LEGACY_WORKER_CIDRS__',
    '__NODE_TARBALL_URL__',
    '__QUEUE_URL__',
    '__RESULT_SECRET__',
    '__WC_NOTIFY__',
  ]);
  const services = parse(s.files['faafo-stack.yaml']).resources.services_server.properties.user_data.str_replace
    .template as string;
  // the broker's first start creates faafo (and no guest): the password only in the root/rabbitmq-readable file
  assert.match(services, /default_user = faafo\ndefault_pass = __MQ_PASSWORD__\n/);
  assert.match(services, /chmod 0640 \/etc\/rabbitmq\/rabbitmq.conf/);
  assert.doesNotMatch(services, /^rabbitmqctl/m);
  assert.match(services, /ALTER ROLE faafo PASSWORD '__DB_PASSWORD__'/);
});

test('the tiers boot side by side with the services server: no wait for its boot, the URLs from its port', async () => {
  for (const flags of [{}, { lb: false }, { 'worker-scaling': 'queue' }, { lb: false, 'queue-url': 'amqp://u:p@mq.example/' }]) {
    const t = parse((await gen(flags)).files['faafo-stack.yaml']);
    const what = JSON.stringify(flags);
    for (const g of ['api_asg', 'worker_asg']) {
      assert.deepEqual(t.resources[g].depends_on, ['router_interface'], `${g} ${what}`);
      const props = JSON.stringify(t.resources[g].properties);
      // nothing that only exists once the services server has booted
      assert.doesNotMatch(props, /services_wait|services_server/, `${g} ${what}`);
    }
    const api = t.resources.api_asg.properties.resource.properties;
    const worker = t.resources.worker_asg.properties.resource.properties;
    assert.ok(JSON.stringify(api.database_url).includes('{"get_attr":["services_port","fixed_ips",0,"ip_address"]}'), what);
    if (!('queue-url' in flags)) {
      assert.ok(JSON.stringify(worker.queue_url).includes('{"get_attr":["services_port","fixed_ips",0,"ip_address"]}'), what);
    }
    // the workers never name the API servers: no dependency on the API tier, and its updates leave them alone
    assert.doesNotMatch(JSON.stringify(t.resources.worker_asg), /api_asg/, what);
    if (flags.lb === false) assert.equal(worker.endpoint_url, undefined, what);
    else assert.deepEqual(worker.endpoint_url, { list_join: ['', ['http://', { get_attr: ['lb', 'vip_address'] }, '/']] }, what);
    // the services server still has its wait condition: the stack is complete only when the database and queue answer
    if (t.resources.services_server) assert.deepEqual(t.resources.services_wait.depends_on, ['services_server']);
  }
});

test('members: the API advertises its own port address to the workers; both wait for their service up to boot_timeout', async () => {
  for (const lb of [true, false]) {
    const s = await gen({ lb });
    const api = parse(s.childFiles['faafo-api-member.yaml']);
    const worker = parse(s.childFiles['faafo-worker-member.yaml']);
    const apiUd = api.resources.server.properties.user_data.str_replace;
    const workerUd = worker.resources.server.properties.user_data.str_replace;
    assert.match(apiUd.template, /^FAAFO_ADVERTISE_URL=http:\/\/__ADVERTISE_ADDRESS__\/$/m);
    assert.deepEqual(apiUd.params.__ADVERTISE_ADDRESS__, { get_attr: ['port', 'fixed_ips', 0, 'ip_address'] });
    assert.match(apiUd.template, /^FAAFO_STARTUP_TIMEOUT=__BOOT_TIMEOUT__$/m);
    assert.match(workerUd.template, /^FAAFO_ENDPOINT_URL=__ENDPOINT_URL__$/m);
    assert.deepEqual(worker.parameters.endpoint_url.default, '', 'no endpoint with --no-lb: the tasks name their API server');
    for (const m of [api, worker]) {
      // boot_id changes with boot_timeout too (it is in the user data); list_join takes strings only, so the number
      // parameter goes in through str_replace (a bare get_param of it fails the member's creation on Heat)
      const salt = m.resources.boot_id.properties.salt.digest[1].list_join[1] as Obj[];
      assert.ok(salt.some((x) => JSON.stringify(x) === '{"str_replace":{"template":"VALUE","params":{"VALUE":{"get_param":"boot_timeout"}}}}'));
      for (const x of salt) if (x?.get_param) assert.notEqual(m.parameters[x.get_param].type, 'number', x.get_param);
    }
    for (const ud of [apiUd, workerUd]) {
      assert.deepEqual(ud.params.__BOOT_TIMEOUT__, { get_param: 'boot_timeout' });
      assert.match(ud.template, /^READY_S=\$\(\( __BOOT_TIMEOUT__ - \$\(cut -d\. -f1 \/proc\/uptime\) - 30 \)\)$/m);
      assert.doesNotMatch(ud.template, /seq 1 300/);
    }
  }
  // all-in-one keeps its own readiness timeout
  const aio = parse((await gen({ topology: 'all-in-one' })).files['faafo-stack.yaml']);
  const aioScript = aio.resources.app_server.properties.user_data.str_replace.template as string;
  assert.match(aioScript, /^READY_S=300$/m);
  assert.doesNotMatch(aioScript, /BOOT_TIMEOUT|FAAFO_ADVERTISE_URL/);
});

test('services server: every package in one apt run', async () => {
  // (xz-utils only when the image's Node.js does not fit and a tarball is unpacked, as on the other servers)
  const cases: [Record<string, unknown>, string[]][] = [
    [{}, ['apt_install postgresql rabbitmq-server']],
    [
      { 'worker-scaling': 'queue' },
      ['apt_install ca-certificates curl nodejs iproute2 postgresql rabbitmq-server', '  apt_install xz-utils'],
    ],
    [{ 'queue-url': 'amqp://u:p@mq.example/' }, ['apt_install postgresql']],
    [{ 'database-url': 'postgresql://u:p@db.example/faafo' }, ['apt_install rabbitmq-server']],
  ];
  for (const [flags, lines] of cases) {
    const t = parse((await gen(flags)).files['faafo-stack.yaml']);
    const script = t.resources.services_server.properties.user_data.str_replace.template as string;
    // the calls, not the function's definition
    assert.deepEqual(script.match(/^ *apt_install\b(?!\(\)).*$/gm), lines, JSON.stringify(flags));
  }
  // the other roles keep theirs
  const s = await gen();
  for (const f of ['faafo-api-member.yaml', 'faafo-worker-member.yaml']) {
    const script = parse(s.childFiles[f]).resources.server.properties.user_data.str_replace.template as string;
    assert.deepEqual(script.match(/^ *apt_install\b(?!\(\)).*$/gm), ['apt_install ca-certificates curl nodejs iproute2', '  apt_install xz-utils'], f);
  }
});

test('variants: --no-lb, external database/queue, --alarm-action alarm-url, all-in-one', async () => {
  const noLb = await gen({ lb: false });
  const t = parse(noLb.files['faafo-stack.yaml']);
  assert.equal(t.resources.lb, undefined);
  assert.equal(parse(noLb.childFiles['faafo-api-member.yaml']).resources.floating_ip.type, 'OS::Neutron::FloatingIP');
  assert.ok(t.outputs.app_url.value.yaql);

  const ext = await gen({
    'database-url': 'postgresql://u:s3cret@db.example:5432/faafo',
    'queue-url': 'amqp://u:s3cret@mq.example:5672/',
  });
  for (const text of Object.values(ext.files)) assert.doesNotMatch(text, /s3cret/);
  const te = parse(ext.files['faafo-stack.yaml']);
  assert.equal(te.resources.services_server, undefined);
  assert.equal(te.parameters.database_url.hidden, true);
  assert.equal(ext.parameters.database_url, 'postgresql://u:s3cret@db.example:5432/faafo');

  const half = parse((await gen({ 'queue-url': 'amqp://u:p@mq.example/' })).files['faafo-stack.yaml']);
  assert.equal(half.resources.mq_password, undefined);
  assert.equal(half.resources.db_password.type, 'OS::Heat::RandomString');

  const url = parse((await gen({ 'alarm-action': 'alarm_url' })).files['faafo-stack.yaml']);
  assert.deepEqual(url.resources.api_cpu_high.properties.alarm_actions, [{ get_attr: ['api_scale_up', 'alarm_url'] }]);

  const aio = await gen({ topology: 'all-in-one' });
  assert.deepEqual(Object.keys(aio.files), ['faafo-stack.yaml', 'env.yaml']);
  const ta = parse(aio.files['faafo-stack.yaml']);
  assert.equal(ta.resources.app_server.type, 'OS::Nova::Server');
  assert.match(ta.resources.app_server.properties.user_data.str_replace.template, /ExecStart=\$NODE \$ENTRY serve/);
  assert.equal(
    Object.values(ta.resources as Obj).filter((r: Obj) => r.type === 'OS::Heat::AutoScalingGroup').length,
    0,
  );
});

test('boot scripts are valid bash once Heat has filled in the placeholders', async () => {
  const { spawnSync } = await import('node:child_process');
  const sample: Record<string, string> = {
    __WC_NOTIFY__:
      "curl -i -X POST -H 'X-Auth-Token: gAAAA' -H 'Content-Type: application/json' http://heat.example:8004/v1/p/stacks/s/i/resources/wait_handle/signal",
    __APP_URL__: 'https://bundles.example/faafo.tgz',
    __APP_SHA256__: 'a'.repeat(64),
    __BOOT_ID__: 'Ab12Cd34Ef56Gh78',
    __BOOT_TIMEOUT__: '1200',
    __ADVERTISE_ADDRESS__: '10.20.0.7',
    __NODE_TARBALL_URL__: '',
    __DATABASE_URL__: 'postgresql://faafo:Abc123@10.20.0.5:5432/faafo',
    __QUEUE_URL__: 'amqp://faafo:Abc123@10.20.0.5:5672/',
    __IMAGE_STORE_URL__: 'file:/var/lib/faafo/images',
    __IMAGE_STORE_SECRET__: '',
    __ENDPOINT_URL__: 'http://10.20.0.9/',
    __DB_PASSWORD__: 'Abc123',
    __MQ_PASSWORD__: 'Def456',
    __RESULT_SECRET__: 'R'.repeat(40),
    __API_KEY__: 'K'.repeat(40),
    __ANONYMOUS_WRITES__: 'deny',
    __LEGACY_WORKERS__: 'deny',
    __LEGACY_WORKER_CIDRS__: '10.20.0.0/24',
  };
  const scripts: [string, { str_replace: { template: string; params: Obj } }][] = [];
  for (const flags of [{}, { topology: 'all-in-one' }, { 'queue-url': 'amqp://u:p@mq.example/' }]) {
    const s = await gen(flags);
    for (const [file, text] of Object.entries(s.files)) {
      const walk = (v: unknown, where: string): void => {
        if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
        else if (v && typeof v === 'object') {
          const o = v as Obj;
          if (o.user_data?.str_replace) scripts.push([`${file} ${where}`, o.user_data]);
          for (const [k, x] of Object.entries(o)) walk(x, `${where}.${k}`);
        }
      };
      walk(parse(text), '');
    }
  }
  assert.equal(scripts.length, 7); // services + api + worker, all-in-one, services(db only) + api + worker
  for (const [where, ud] of scripts) {
    let text = ud.str_replace.template;
    for (const k of Object.keys(ud.str_replace.params)) text = text.split(k).join(sample[k]);
    assert.doesNotMatch(text, /__[A-Z0-9_]+__/, where);
    const r = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, `${where}: ${r.stderr}`);
  }
});
