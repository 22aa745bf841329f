// Who may write, on the local Heat (issue 15). Two generated stacks:
// A. created through the Heat API with every Nova server mapped to a provider template that records the user
//    data Heat resolved for it (the boot script as the server would get it): the API servers get the stack's
//    API key and result secret, the workers the secret only, the services server (queue scaler) neither but the
//    stack output naming the API servers' internal listeners; neither secret is in an output or an event.
// B. created by `faafo-stack create --json` (servers as OS::Heat::None): the API key is in the JSON result once
//    (apiKey) and nowhere else - not in outputs, status, events or stderr; `outputs --show-secrets` refuses off a
//    terminal and shows the key on one; status says the stack is protected.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { dump, load } from 'js-yaml';
import { connect } from '../src/openstack/index.js';
import { HeatClient, type StackInfo } from '../src/openstack/heat.js';
import { resolveConfig } from '../src/config/index.js';
import { synthesize } from '../src/templates/index.js';
import { PORTS } from '../src/templates/security.js';
import { playServers } from './helpers/play-servers.js';
import { repoRoot, runCli, startCli } from './helpers/lifecycle-cli.js';
import { cloudDir } from './helpers/test-cloud.js';

const env = { OS_CLIENT_CONFIG_FILE: path.join(cloudDir, 'clouds.yaml'), OS_CLOUD: 'faafo-local' };
const ID = randomBytes(3).toString('hex');
const A = `acc-rec-${ID}`;
const B = `acc-cli-${ID}`;
const APP = ['--app-url', 'https://bundles.example.invalid/faafo.tar.gz', '--app-sha256', 'a'.repeat(64)];
let heat: HeatClient;
let dir: string;

before(async () => {
  heat = (await connect({ cloud: 'faafo-local', env: { ...process.env, ...env } })).heat;
  dir = await mkdtemp(path.join(tmpdir(), 'faafo-access-'));
});

after(async () => {
  for (const n of [A, B]) {
    const s = await heat?.find(n).catch(() => undefined);
    if (s && s.stack_status !== 'DELETE_COMPLETE') await heat.deleteStack(s).catch(() => undefined);
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Plays the servers (signals their wait conditions) until the stack is complete; fails on a FAILED status. */
async function untilComplete(name: string, done?: () => boolean): Promise<StackInfo> {
  const signalled = new Set<string>();
  for (;;) {
    await playServers(heat, name, signalled).catch(() => undefined);
    const s = await heat.find(name);
    if (s && (/_FAILED$/.test(s.stack_status) || /^ROLLBACK_/.test(s.stack_status)))
      throw new Error(`${name}: ${s.stack_status} ${s.stack_status_reason}`);
    if (s?.stack_status === 'CREATE_COMPLETE' && (done?.() ?? true)) return s;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * A provider template standing in for OS::Nova::Server: takes every property the generated servers use and
 * returns the user data Heat resolved for it as an output.
 */
function recorder(templates: object[]): string {
  const props = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (o.type === 'OS::Nova::Server' && o.properties && typeof o.properties === 'object')
      for (const k of Object.keys(o.properties)) props.add(k);
    Object.values(o).forEach(walk);
  };
  templates.forEach(walk);
  const parameters: Record<string, object> = {};
  for (const p of props)
    // the types of OS::Nova::Server's properties (Heat matches a facade's provider by them)
    parameters[p] =
      p === 'networks'
        ? { type: 'comma_delimited_list', default: [] }
        : p === 'metadata'
          ? { type: 'json', default: {} }
          : { type: 'string', default: '' };
  return dump({
    heat_template_version: '2018-08-31',
    parameters,
    resources: {},
    outputs: {
      user_data: { value: { get_param: 'user_data' } },
      // a facade's provider answers every attribute of the type it stands in for
      ...Object.fromEntries(
        ['name', 'addresses', 'networks', 'first_address', 'instance_name', 'accessIPv4', 'accessIPv6', 'console_urls', 'os_collect_config', 'tags'].map(
          (a) => [a, { value: '' }],
        ),
      ),
    },
  });
}

/** Every secret-free thing a user or operator sees of a stack, as one text: outputs, events, the stack itself. */
async function visible(name: string): Promise<string> {
  const s = await heat.find(name);
  const events = await heat.events(s!, { nestedDepth: 5 });
  return JSON.stringify({ stack: s, outputs: await heat.outputs(s!), events });
}

test('A: the generated stack wires the secrets to the right servers and shows them nowhere', { timeout: 900_000 }, async (t) => {
  const cfg = await resolveConfig({
    flags: { 'worker-scaling': 'queue', 'max-api': 1, 'app-url': APP[1], 'app-sha256': APP[3] },
    cwd: dir,
  });
  const synth = synthesize(cfg);
  const childTemplates = Object.values(synth.childFiles).map((f) => load(f) as object);
  const envNone = load(await readFile(path.join(cloudDir, 'env-none.yaml'), 'utf8')) as { resource_registry: object };
  await heat.createStack({
    name: A,
    template: synth.template,
    files: { ...synth.childFiles, 'recorder-server.yaml': recorder([synth.template, ...childTemplates]) },
    environment: {
      resource_registry: {
        ...envNone.resource_registry,
        ...(synth.environment as { resource_registry: object }).resource_registry,
        'OS::Nova::Server': 'recorder-server.yaml',
      },
    },
    parameters: {
      ...synth.parameters,
      scaler_auth_url: 'http://10.99.0.1:5000/v3',
      scaler_app_cred_id: 'c'.repeat(32),
      scaler_app_cred_secret: 's'.repeat(32),
    },
    timeoutMins: 15,
    disableRollback: true,
  });
  const root = await untilComplete(A);

  const value = async (r: string) => String((await heat.resource(root, r)).attributes?.value ?? '');
  const key = await value('api_key');
  const secret = await value('result_secret');
  assert.match(key, /^[A-Za-z0-9]{40}$/);
  assert.match(secret, /^[A-Za-z0-9]{40}$/);
  assert.notEqual(key, secret);

  // the boot script each (recorded) server got, by its role line
  const scripts: Record<string, string[]> = {};
  for (const r of await heat.resources(root, 5)) {
    if (!['server', 'services_server'].includes(r.resource_name) || !r.physical_resource_id) continue;
    const ud = String((await heat.outputs(r.physical_resource_id)).user_data ?? '');
    const role = /^# faafo ([\w-]+) server:/m.exec(ud)?.[1] ?? 'unknown';
    (scripts[role] ??= []).push(ud);
  }
  t.diagnostic(`recorded servers: ${Object.entries(scripts).map(([k, v]) => `${k} ${v.length}`).join(', ')}`);
  assert.equal(scripts.api?.length, 1);
  assert.equal(scripts.worker?.length, 1);
  assert.equal(scripts.services?.length, 1);
  const lines = (s: string) => s.split('\n');
  const api = lines(scripts.api![0]!);
  for (const l of [
    `FAAFO_API_KEY=${key}`,
    `FAAFO_RESULT_SECRET=${secret}`,
    'FAAFO_ANONYMOUS_WRITES=deny',
    'FAAFO_LEGACY_WORKERS=deny',
    `FAAFO_LEGACY_WORKER_CIDRS=${cfg.network.cidr}`,
    `FAAFO_INTERNAL_PORT=${PORTS.internal}`,
    // it boots alongside the services server: it retries the database as long as its boot may take
    `FAAFO_STARTUP_TIMEOUT=${cfg.bootTimeout}`,
  ])
    assert.ok(api.includes(l), `the API server gets ${l.replace(/=.*/, '=...')}`);
  // where the workers reach it (its port's address: OS::Heat::None here, so empty)
  assert.ok(api.some((l) => /^FAAFO_ADVERTISE_URL=http:\/\/[^/]*\/$/.test(l)), 'the API server advertises its address');
  const worker = scripts.worker![0]!;
  assert.ok(lines(worker).includes(`FAAFO_RESULT_SECRET=${secret}`), 'the worker gets the result secret');
  assert.ok(!worker.includes(key), 'the worker never gets the API key');
  assert.doesNotMatch(worker, /FAAFO_API_KEY/);
  const services = scripts.services![0]!;
  assert.ok(!services.includes(key) && !services.includes(secret), 'the services server gets neither secret');
  assert.ok(lines(services).includes('FAAFO_METRICS_FROM_STACK=api_metrics_urls'), 'the queue scaler reads the API servers from the stack');

  const outputs = await heat.outputs(root);
  assert.ok('api_metrics_urls' in outputs, Object.keys(outputs).join(' '));
  const seen = await visible(A);
  assert.ok(!seen.includes(key), 'the API key is in no output, event or stack field');
  assert.ok(!seen.includes(secret), 'the result secret is in no output, event or stack field');

  // what Heat stored: the internal port only from the stack's own groups, the listener on the public port only
  const tpl = (await heat.template(root)) as { resources: Record<string, { type: string; properties: Record<string, unknown> }> };
  const internal = Object.values(tpl.resources).filter(
    (r) => r.type === 'OS::Neutron::SecurityGroupRule' && r.properties.port_range_min === PORTS.internal,
  );
  assert.deepEqual(
    internal.map((r) => [r.properties.remote_ip_prefix, (r.properties.remote_group as { get_resource: string }).get_resource]).sort(),
    [
      [undefined, 'api_sg'],
      [undefined, 'services_sg'],
      [undefined, 'worker_sg'],
    ],
  );
  assert.equal(tpl.resources.lb_listener!.properties.protocol_port, PORTS.http);
});

test('B: create --json gives the API key once; outputs, status, events and stderr never show it', { timeout: 900_000 }, async () => {
  const cli = startCli(
    ['create', B, ...APP, '--max-api', '1', '--wait', '--timeout', '15', '--json', '-e', path.join(cloudDir, 'env-none.yaml')],
    env,
  );
  let finished = false;
  const done = cli.done.then((r) => ((finished = true), r));
  await untilComplete(B, () => finished).catch(async (e) => {
    cli.kill();
    throw e;
  });
  const r = await done;
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { ok: boolean; apiKey?: string; outputs: Record<string, unknown> };
  assert.equal(result.ok, true);
  const key = String((await heat.resource(B, 'api_key')).attributes?.value);
  assert.equal(result.apiKey, key, 'create --json: the stack\'s API key under "apiKey"');
  assert.equal(r.stdout.split(key).length - 1, 1, 'exactly once in the result');
  assert.ok(!JSON.stringify(result.outputs).includes(key));
  assert.ok(!r.stderr.includes(key));
  const secret = String((await heat.resource(B, 'result_secret')).attributes?.value);

  for (const args of [['outputs', B], ['outputs', B, '--json'], ['status', B, '--json'], ['events', B]]) {
    const o = await runCli(args, env);
    assert.equal(o.code, 0, `${args.join(' ')}: ${o.stderr}`);
    for (const s of [key, secret]) assert.ok(!(o.stdout + o.stderr).includes(s), `${args.join(' ')} shows no secret`);
  }
  const status = JSON.parse((await runCli(['status', B, '--json'], env)).stdout) as { access: { mode: string } | null };
  assert.equal(status.access?.mode, 'protected');
  const text = await runCli(['status', B], env);
  assert.match(text.stdout, /^ {2}writes: protected \(creates and deletes need the API key/m);

  // --show-secrets: not off a terminal (one line, exit 2), the key on one
  const piped = await runCli(['outputs', B, '--show-secrets'], env);
  assert.equal(piped.code, 2);
  assert.match(piped.stderr, /--show-secrets prints secrets only on a terminal/);
  assert.ok(!(piped.stdout + piped.stderr).includes(key));
  const cmd = [process.execPath, '--import', 'tsx', path.join(repoRoot, 'test/helpers/run-command.ts'), 'outputs', B, '--show-secrets']
    .map((a) => `'${a}'`)
    .join(' ');
  const tty = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: repoRoot, env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.equal(tty.status, 0, tty.stdout + tty.stderr);
  assert.match(tty.stdout, new RegExp(`^api_key +${key}\\s*$`, 'm'));
});
