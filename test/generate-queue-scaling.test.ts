// generate --worker-scaling queue: the worker tier loses its CPU alarms (policies stay), the services server's
// boot script installs the queue scaler (scaler.mjs of the bundle) as a systemd unit with a root-only env file,
// the application credential comes in as hidden parameters (never a password, never in outputs or files),
// bad combinations fail with one line, and the default (cpu) output is unchanged; without a load balancer the
// scaler reads the API servers' internal listeners from the stack's api_metrics_urls output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { load } from 'js-yaml';
import { resolveConfig } from '../src/config/index.js';
import { synthesize } from '../src/templates/index.js';
import { validateSet } from '../src/validate/index.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML, walked freely by the assertions
type Obj = Record<string, any>;
const gen = async (flags: Record<string, unknown> = {}) =>
  synthesize(await resolveConfig({ flags, cwd: path.join(repoRoot, 'test') }));
const parse = (text: string) => load(text) as Obj;

test('queue mode: no worker CPU alarms, worker policies kept, API alarms kept', async () => {
  const t = parse((await gen({ 'worker-scaling': 'queue' })).files['faafo-stack.yaml']);
  assert.equal(t.resources.worker_cpu_high, undefined);
  assert.equal(t.resources.worker_cpu_low, undefined);
  assert.equal(t.resources.worker_scale_up.type, 'OS::Heat::ScalingPolicy');
  assert.equal(t.resources.worker_scale_down.properties.scaling_adjustment, -1);
  assert.equal(t.resources.api_cpu_high.type, 'OS::Aodh::GnocchiAggregationByResourcesAlarm');
  assert.equal(t.resources.api_cpu_low.type, 'OS::Aodh::GnocchiAggregationByResourcesAlarm');
  assert.match(t.description, /scaled by the queue scaler on the services server: up above 2 .* down below 0\.5/);
  const cpu = parse((await gen()).files['faafo-stack.yaml']);
  assert.ok(cpu.resources.worker_cpu_high && cpu.resources.worker_cpu_low, 'cpu mode (default) keeps them');
  assert.equal(cpu.parameters.scaler_app_cred_secret, undefined);
});

test('queue mode: application credential as hidden parameters without defaults; no password, no secret in outputs', async () => {
  const s = await gen({ 'worker-scaling': 'queue' });
  const t = parse(s.files['faafo-stack.yaml']);
  for (const p of ['scaler_app_cred_id', 'scaler_app_cred_secret']) {
    assert.equal(t.parameters[p].hidden, true, p);
    assert.equal(t.parameters[p].default, undefined, p);
    assert.equal(s.parameters[p], undefined, p);
  }
  assert.equal(t.parameters.scaler_auth_url.type, 'string');
  assert.doesNotMatch(JSON.stringify(t.outputs), /scaler_app_cred|scaler\.env/);
  for (const [f, text] of Object.entries(s.files)) {
    assert.doesNotMatch(text, /OS_PASSWORD|OS_USERNAME|trust_id/, f);
  }
});

test('queue mode: the services boot script writes a 0600 scaler.env and starts faafo-scaler from scaler.mjs', async () => {
  const t = parse((await gen({ 'worker-scaling': 'queue', 'scale-up-backlog': 3, 'scale-down-backlog': 1 })).files['faafo-stack.yaml']);
  const ud = t.resources.services_server.properties.user_data.str_replace;
  const script: string = ud.template;
  for (const want of [
    /SCALER=\/opt\/faafo\/scaler\.mjs/,
    /cat > \/etc\/faafo\/scaler\.env <<'FAAFO_ENV'/,
    /chmod 0600 \/etc\/faafo\/scaler\.env/,
    /^FAAFO_API_URL=__SCALER_API_URL__$/m,
    /^FAAFO_STACK=__STACK_ID__$/m,
    /^OS_APPLICATION_CREDENTIAL_ID=__SCALER_APP_CRED_ID__$/m,
    /^OS_APPLICATION_CREDENTIAL_SECRET=__SCALER_APP_CRED_SECRET__$/m,
    /^FAAFO_SCALE_UP_BACKLOG=3$/m,
    /^FAAFO_SCALE_DOWN_BACKLOG=1$/m,
    /^FAAFO_GRANULARITY=300$/m,
    /EnvironmentFile=\/etc\/faafo\/scaler\.env/,
    /ExecStart=\$NODE \$SCALER/,
    /systemctl enable --now faafo-scaler\.service/,
    /__APP_SHA256__ {2}\S+["'] \| sha256sum -c/,
    /^FAAFO_LIMITS_FROM_STACK=1$/m,
  ])
    assert.match(script, want);
  assert.ok(script.lastIndexOf('faafo-scaler.service') < script.indexOf('notify SUCCESS "services ready'), 'ready only after the scaler starts');
  assert.deepEqual(ud.params.__SCALER_API_URL__, { list_join: ['', ['http://', { get_attr: ['lb', 'vip_address'] }]] });
  assert.deepEqual(ud.params.__STACK_ID__, { get_param: 'OS::stack_id' });
  assert.deepEqual(ud.params.__SCALER_APP_CRED_SECRET__, { get_param: 'scaler_app_cred_secret' });
  // issue 10 item 1: nothing that changes over the stack's life is in the services server's user data (min/max
  // and cooldown are read from the stack by the scaler), and a change of it never replaces the server
  for (const k of ['__WORKER_MAX_SIZE__', '__WORKER_MIN_SIZE__', '__SCALING_COOLDOWN__']) assert.ok(!(k in ud.params), k);
  assert.doesNotMatch(script, /FAAFO_(MIN|MAX)_WORKERS|FAAFO_COOLDOWN/);
  assert.equal(t.resources.services_server.properties.user_data_update_policy, 'IGNORE');
  // valid bash once Heat fills the placeholders
  let text = script;
  for (const k of Object.keys(ud.params)) text = text.split(k).join('x1');
  assert.doesNotMatch(text, /__[A-Z0-9_]+__/);
  const r = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('queue mode without a load balancer: the scaler finds the API servers only through the stack output', async () => {
  const t = parse((await gen({ 'worker-scaling': 'queue', lb: false })).files['faafo-stack.yaml']);
  const ud = t.resources.services_server.properties.user_data.str_replace;
  assert.equal(ud.params.__SCALER_API_URL__, '', 'no load balancer VIP to fall back on');
  assert.match(ud.template, /^FAAFO_METRICS_FROM_STACK=api_metrics_urls$/m);
  assert.ok(t.outputs.api_metrics_urls, 'the output the scaler reads');
  assert.equal(t.resources.lb, undefined);
});

test('queue mode: deterministic, and the offline checker has no findings', async () => {
  for (const flags of [
    { 'worker-scaling': 'queue' },
    { 'worker-scaling': 'queue', 'database-url': 'postgresql://u:p@h:5432/d' },
    { 'worker-scaling': 'queue', lb: false },
  ]) {
    const a = await gen(flags);
    const b = await gen(flags);
    for (const f of Object.keys(a.files)) assert.equal(a.files[f], b.files[f], f);
    const templates: Record<string, Obj> = { [a.main]: parse(a.files[a.main]) };
    for (const [f, text] of Object.entries(a.childFiles)) templates[f] = parse(text);
    assert.deepEqual(validateSet({ main: a.main, templates, environment: structuredClone(a.environment) as Obj }), []);
  }
});

test('queue mode: bad inputs are one line naming the flag and the fix', async () => {
  const problem = async (flags: Record<string, unknown>) => {
    try {
      await resolveConfig({ flags, cwd: path.join(repoRoot, 'test') });
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ 'worker-scaling': 'memory' }, /^--worker-scaling must be one of cpu, queue/],
    [{ 'worker-scaling': 'queue', topology: 'all-in-one' }, /^--worker-scaling queue needs --topology tiers/],
    [
      { 'worker-scaling': 'queue', 'database-url': 'postgresql://u:p@h:5432/d', 'queue-url': 'amqp://u:p@h/' },
      /^--worker-scaling queue runs the scaler on the services server, which external database and queue URLs remove/,
    ],
    [{ 'worker-scaling': 'queue', 'scale-up-backlog': 1, 'scale-down-backlog': 1 }, /^--scale-down-backlog \(1\) is not below --scale-up-backlog \(1\)/],
    [{ 'scale-up-backlog': 0 }, /^--scale-up-backlog must be > 0/],
    [{ 'scale-down-backlog': 'lots' }, /^--scale-down-backlog must be number/],
  ];
  for (const [flags, want] of cases) {
    const line = await problem(flags);
    assert.match(line, want, JSON.stringify(flags));
    assert.doesNotMatch(line, /\n/);
  }
});
