// Real stacks on the test cloud with compute (test/cloud/compute/: Nova on QEMU TCG, Neutron linuxbridge, Glance
// image debian-13), driven by the real CLIs as a user would: no OS::Heat::None for servers, networks, ports or
// floating IPs; every CREATE_COMPLETE below means each server's own boot script (src/templates/boot) installed
// Node.js, downloaded the bundle from Swift by TempURL, started its systemd unit and signalled its wait condition.
// Two lanes at once (the VM budget of a 2-core machine under TCG):
//   tiers   --no-lb --min-workers 1 --max-workers 3 --worker-scaling queue: the services server boots PostgreSQL,
//           RabbitMQ and the queue scaler; the API answers on its floating IP, `faafo create` through it is rendered
//           by the worker server and stored, `update` with a new bundle keeps the stored fractals, status shows the
//           real sizes, `scale workers up` boots a second worker that takes tasks, `delete --wait` leaves no server,
//           port, floating IP, security group, network or Swift object behind;
//   small   --topology all-in-one serves and renders from the bundle (sqlite: + better-sqlite3 from the tarball);
//           then a boot that fails (the bundle cannot be downloaded): the stack fails with the boot script's reason.
// Without compute (`test/cloud/start.sh --with-compute` not run) every test fails with one line saying so.
// Timings of the run go to $FAAFO_REAL_TIMINGS (default $TMPDIR/faafo-real-stack-timings.json).
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Cloud } from '../../src/openstack/index.js';
import type { ApplyResult } from '../../src/stack/apply.js';
import { repoRoot, runCli, type CliResult } from '../helpers/lifecycle-cli.js';
import { bootTimes, cliEnv, computeCloud, leftBehind, madeBy } from './cloud.js';

const ID = randomBytes(3).toString('hex');
// Which stacks run: FAAFO_REAL_STACKS=all (npm run test:cloud-real) or a list of all-in-one, failing-boot, tiers.
// `npm test` runs them all (the clean-clone CI run of 8 Dec 2026: 55 min in all, this file 50 min beside the rest);
// FAAFO_REAL_STACKS=none skips the real stacks (a quick run of the rest).
const REAL = (process.env.FAAFO_REAL_STACKS ?? 'all').split(',').map((x) => x.trim());
const want = (part: string) => REAL.includes('all') || REAL.includes(part);
/** Each stack's bundles go to its own container, so that what its delete leaves behind is its own. */
const bundles = (stack: string) => `${stack}-bundles`;
// TCG: a server takes 3-9 min to its user data; the tiers' services server, beside three other VMs and the suite,
// needed 2170 s to be ready in CI: an hour leaves room for a busier run
const BOOT = ['--boot-timeout', '3600', '--timeout', '75'];
const TINY = ['--width', '192', '--height', '128', '--iterations', '96']; // emulated CPUs render slowly
const timingsFile = process.env.FAAFO_REAL_TIMINGS ?? path.join(tmpdir(), 'faafo-real-stack-timings.json');
/** Written to timingsFile at every entry, so that a run cut short still leaves its figures. */
const timings: Record<string, unknown> = new Proxy<Record<string, unknown>>(
  { started: new Date().toISOString() },
  {
    set(target, key, value) {
      target[String(key)] = value;
      writeFileSync(timingsFile, `${JSON.stringify(target, null, 2)}\n`);
      return true;
    },
  },
);
const stacks = new Set<string>();
let cloud: Cloud;
let work: string;

const stackCli = async (args: string[]): Promise<CliResult> => runCli(args, cliEnv());
const json = <T>(r: CliResult, what: string): T => {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`${what}: exit ${r.code}, not JSON: ${r.stdout.slice(0, 400)} ${r.stderr.slice(-800)}`);
  }
};
const seconds = (t0: number) => Math.round((Date.now() - t0) / 1000);

/** The API key `create --json` returned (apiKey), by app URL: writes to a generated stack need it (issue 15). */
const apiKeys = new Map<string, string>();
/** An update may give the API tier new addresses: the stack's key goes with its new app URL. */
const keepKey = (from: string, to: string) => {
  const key = apiKeys.get(from);
  if (key) apiKeys.set(to, key);
};

/** `faafo ARGS` (the fractal service's client) against an app URL, JSON out; with the stack's API key. */
function faafo<T>(url: string, args: string[]): Promise<T> {
  const key = apiKeys.get(url);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'test/helpers/faafo-cli.ts'), '--endpoint-url', url, ...args, '--json'],
      {
        cwd: repoRoot,
        env: { PATH: process.env.PATH!, HOME: work, ...(key ? { FAAFO_API_KEY: key } : {}) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`faafo ${args.join(' ')}: exit ${code}: ${err.trim()}`));
      resolve(JSON.parse(out) as T);
    });
  });
}

interface Fractal {
  uuid: string;
  checksum: string | null;
  generated_by: string | null;
}

async function until<T>(what: string, f: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}${last ? ` (${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 3000));
  }
}

/** `faafo create` of N small fractals through the app, then wait until each is rendered and stored. */
async function renderThrough(url: string, n: number): Promise<Fractal[]> {
  const created = await faafo<Fractal[]>(url, ['create', '--tasks', String(n), ...TINY]);
  assert.equal(created.length, n);
  const ids = new Set(created.map((f) => f.uuid));
  return until(
    `${n} fractals rendered through ${url}`,
    async () => {
      const all = (await faafo<Fractal[]>(url, ['list'])).filter((f) => ids.has(f.uuid));
      return all.length === n && all.every((f) => f.checksum && f.generated_by) ? all : undefined;
    },
    15 * 60_000,
  );
}

/** The PNG behind a stored fractal, checked against its checksum. */
async function assertStored(url: string, f: Fractal): Promise<void> {
  const png = Buffer.from(await (await fetch(new URL(`/fractal/${f.uuid}`, url))).arrayBuffer());
  assert.equal(createHash('sha256').update(png).digest('hex'), f.checksum, `the image of ${f.uuid} is stored`);
}

async function create(name: string, args: string[]): Promise<{ r: CliResult; result: ApplyResult; s: number }> {
  const t0 = Date.now();
  stacks.add(name);
  const r = await stackCli([
    'create',
    name,
    '--wait',
    '--json',
    '--no-rollback',
    '--container',
    bundles(name),
    ...BOOT,
    ...args,
  ]);
  const result = json<ApplyResult & { apiKey?: string }>(r, `create ${name}`);
  if (result.apiKey && result.outputs?.app_url) apiKeys.set(String(result.outputs.app_url), result.apiKey);
  return { r, result, s: seconds(t0) };
}

/**
 * `delete --wait`, then nothing of the stack is left: no Nova/Neutron resource, and in its bundle container nothing
 * but the objects the test uploaded itself with `faafo-stack bundle` (`own`: delete removes what create uploaded,
 * never a bundle the user uploaded, which other stacks may use), which the test then removes.
 */
async function deleteAndCheck(t: TestContext, name: string, own: string[] = []): Promise<void> {
  const made = await madeBy(cloud, name);
  const t0 = Date.now();
  const d = await stackCli(['delete', name, '--yes', '--wait']);
  assert.equal(d.code, 0, d.stderr);
  timings[`${name} delete`] = seconds(t0);
  stacks.delete(name);
  assert.ok(
    made.some((m) => m.type === 'OS::Nova::Server'),
    'the stack had real servers',
  );
  assert.deepEqual(await leftBehind(cloud, made), [], `nothing of ${name} left behind`);
  const objects = (await cloud.swift.listObjects(bundles(name))).map((o) => o.name);
  assert.deepEqual(objects.sort(), [...own].sort(), `no bundle create uploaded for ${name} left in Swift`);
  for (const o of objects) await cloud.swift.deleteObject(bundles(name), o);
  t.diagnostic(`${name}: delete --wait ${timings[`${name} delete`]} s, ${made.length} Nova/Neutron resources gone`);
}

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'faafo-real-'));
  cloud = await computeCloud(work); // fails every test with one line when the cloud has no compute
});

after(async () => {
  // Stacks a failed test left: delete them (no --wait needed for the assertions any more, but wait to free VMs).
  for (const name of stacks) await stackCli(['delete', name, '--yes', '--wait']).catch(() => undefined);
  timings.finished = new Date().toISOString();
  await rm(work, { recursive: true, force: true });
});

const status = async (name: string) =>
  json<{ tiers: { name: string; current: number | null; min: number | null; max: number | null }[] }>(
    await stackCli(['status', name, '--json']),
    `status ${name}`,
  );
const tierSize = (s: Awaited<ReturnType<typeof status>>, tier: RegExp) =>
  s.tiers.find((x) => tier.test(x.name))?.current;

/** A restricted application credential of the demo user (what the queue scaler signals Heat with). */
async function scalerCredential(): Promise<{ id: string; secret: string; params: string[] }> {
  const cred = await cloud.request<{ application_credential: { id: string; secret: string } }>(
    'identity',
    'POST',
    appCreds(),
    { body: { application_credential: { name: `faafo-real-scaler-${ID}` } } }, // restricted: the default
  );
  const { id, secret } = cred.data.application_credential;
  const params = ['scaler_auth_url', identityUrl(), 'scaler_app_cred_id', id, 'scaler_app_cred_secret', secret];
  return { id, secret, params: params.flatMap((v, i) => (i % 2 ? [] : ['--parameter', `${v}=${params[i + 1]}`])) };
}

async function tiersLane(t: TestContext): Promise<void> {
  const name = `real-${ID}`;
  // --worker-scaling queue: one services server runs PostgreSQL, RabbitMQ and the queue scaler, so this stack
  // proves every tier's boot script (a separate queue-mode stack cost three more servers). The scaler's thresholds
  // keep it from moving the worker tier by itself (no backlog per worker reaches 10000, none is below 0): the sizes
  // below are the test's own `scale` and update.
  const flags = ['--no-lb', '--min-workers', '1', '--max-workers', '3', '--cooldown', '0', '--worker-scaling', 'queue'];
  const inert = ['--scale-up-backlog', '10000', '--scale-down-backlog', '0'];
  let app = '';
  let first: Fractal[] = [];
  const ownBundles: string[] = []; // uploaded by this test's `faafo-stack bundle`, not by create
  let cred: Awaited<ReturnType<typeof scalerCredential>> | undefined;
  t.after(async () => {
    if (cred) await cloud.request('identity', 'DELETE', `${appCreds()}/${cred.id}`, { okStatuses: [204, 404] });
  });

  await t.test('create --no-lb: CREATE_COMPLETE because every server signalled its own wait condition', async (t) => {
    cred = await scalerCredential();
    const { r, result, s } = await create(name, [...flags, ...inert, ...cred.params]);
    assert.equal(r.code, 0, `${result.stack?.reason}\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-1500)}`);
    assert.doesNotMatch(r.stdout + r.stderr, new RegExp(cred.secret), 'the scaler secret is never printed');
    assert.equal(result.stack.status, 'CREATE_COMPLETE');
    // what the services server's boot script signalled (its wait condition handle keeps each signal's reason)
    const signals = JSON.stringify(await cloud.heat.resourceMetadata(name, 'services_wait_handle'));
    assert.match(signals, /services ready: postgresql rabbitmq queue-scaler/);
    const boots = bootTimes(result.events);
    assert.deepEqual(boots.map((b) => b.server.replace(/\/.*\//, '/*/')).sort(), [
      'api_asg/*/server',
      'services_server',
      'worker_asg/*/server',
    ]);
    timings[`${name} create`] = s;
    timings[`${name} boots`] = boots;
    app = String(result.outputs.app_url);
    assert.match(app, /^http:\/\/10\.99\.0\.\d+\/$/);
    t.diagnostic(`create ${s} s; boots ${JSON.stringify(boots)}; app ${app}`);
  });

  await t.test(
    'the API answers on its floating IP; faafo create --tasks 3 is rendered by the worker server',
    async (t) => {
      assert.ok(app, 'created');
      const health = await fetch(new URL('/healthz', app));
      assert.equal(health.status, 200);
      const t0 = Date.now();
      first = await renderThrough(app, 3);
      timings[`${name} first 3 fractals`] = seconds(t0);
      const workers = (await madeBy(cloud, name)).filter((m) => m.type === 'OS::Nova::Server').length;
      assert.equal(workers, 3, 'services, api, worker');
      for (const f of first) {
        assert.doesNotMatch(String(f.generated_by), /api/, 'rendered by a worker server, not the API');
        await assertStored(app, f);
      }
      t.diagnostic(
        `3 fractals rendered in ${timings[`${name} first 3 fractals`]} s by ${[...new Set(first.map((f) => f.generated_by))]}`,
      );
    },
  );

  await t.test('update with a new bundle keeps the fractals already stored', async (t) => {
    assert.ok(first.length, 'rendered');
    // a new bundle: the minified build has other bytes, hence another sha256 and another Swift object
    const b = json<{ url: string; sha256: string }>(
      await stackCli([
        'bundle',
        '--container',
        bundles(name),
        '--minify',
        '--out',
        path.join(work, 'bundle2'),
        '--json',
      ]),
      'bundle --minify',
    );
    ownBundles.push(decodeURIComponent(new URL(b.url).pathname.split('/').pop()!));
    const t0 = Date.now();
    const u = await stackCli([
      'update',
      name,
      ...flags,
      ...inert,
      ...cred!.params,
      ...BOOT,
      '--app-url',
      b.url,
      '--app-sha256',
      b.sha256,
      '--require-approval',
      'never',
      '--wait',
      '--json',
    ]);
    // update --json: the diff it applied and the result ({ diff, result }; result null when nothing changed)
    const { result } = json<{ result: ApplyResult }>(u, `update ${name}`);
    assert.ok(result, `update ${name} changed nothing: ${u.stdout.slice(0, 1500)}`);
    assert.equal(u.code, 0, `${result.stack?.reason}\n${u.stdout.slice(-1500)}\n${u.stderr.slice(-1500)}`);
    assert.equal(result.stack.status, 'UPDATE_COMPLETE');
    timings[`${name} update`] = seconds(t0);
    timings[`${name} update boots`] = bootTimes(result.events);
    keepKey(app, String(result.outputs.app_url));
    app = String(result.outputs.app_url);
    const all = await faafo<Fractal[]>(app, ['list']);
    for (const f of first) {
      const now = all.find((x) => x.uuid === f.uuid);
      assert.equal(now?.checksum, f.checksum, `fractal ${f.uuid} kept`);
      await assertStored(app, f);
    }
    t.diagnostic(`update ${timings[`${name} update`]} s; ${first.length} fractals kept`);
  });

  await t.test('status shows the real sizes; scale workers up boots a second worker that takes tasks', async (t) => {
    assert.ok(first.length, 'rendered');
    const s1 = await status(name);
    assert.equal(tierSize(s1, /^api/), 1);
    assert.equal(tierSize(s1, /^worker/), 1);
    const t0 = Date.now();
    const up = await stackCli(['scale', 'workers', 'up', '--stack', name, '--timeout', '2400']);
    assert.equal(up.code, 0, up.stderr);
    const s2 = await until(
      'two workers',
      async () => ((tierSize(await status(name), /^worker/) ?? 0) >= 2 ? status(name) : undefined),
      40 * 60_000,
    );
    assert.equal(tierSize(s2, /^worker/), 2);
    timings[`${name} scale-up`] = seconds(t0);
    // each worker signs the fractals it renders with its own hostname: with two workers, two names (the workers
    // of the update before were replaced, so names seen earlier do not count)
    const seen = new Set<string | null>();
    await until(
      'a fractal rendered by the second worker',
      async () => {
        for (const f of await renderThrough(app, 4)) seen.add(f.generated_by);
        return seen.size >= 2 ? seen : undefined;
      },
      20 * 60_000,
    );
    t.diagnostic(`scale-up ${timings[`${name} scale-up`]} s; workers rendering: ${[...seen].join(', ')}`);
  });

  await t.test(
    'delete --wait leaves no server, port, floating IP, security group, network or bundle behind',
    async (t) => {
      await deleteAndCheck(t, name, ownBundles);
    },
  );
}

async function smallLane(t: TestContext): Promise<void> {
  if (want('all-in-one'))
    await t.test(
      'all-in-one: faafo serve from the bundle (sqlite: on the native module it carries) serves and renders',
      async (t) => {
        const name = `real-aio-${ID}`;
        const { r, result, s } = await create(name, ['--topology', 'all-in-one']);
        assert.equal(r.code, 0, `${result.stack?.reason}\n${r.stdout.slice(-1500)}\n${r.stderr.slice(-1500)}`);
        timings[`${name} create`] = s;
        timings[`${name} boots`] = bootTimes(result.events);
        const app = String(result.outputs.app_url);
        const t0 = Date.now();
        const done = await renderThrough(app, 2);
        timings[`${name} first 2 fractals`] = seconds(t0);
        for (const f of done) await assertStored(app, f);
        t.diagnostic(`all-in-one create ${s} s, 2 fractals in ${timings[`${name} first 2 fractals`]} s at ${app}`);
        await deleteAndCheck(t, name);
      },
    );

  if (want('failing-boot'))
    await t.test('a boot step that fails reaches the user: the stack fails with the boot script reason', async (t) => {
      const name = `real-fail-${ID}`;
      // a bundle URL the server cannot download (Swift refuses an unsigned object URL)
      const swift = cloud.endpoint('object-store')!;
      stacks.add(name);
      const t0 = Date.now();
      const r = await stackCli([
        'create',
        name,
        '--wait',
        '--json',
        '--no-rollback',
        ...BOOT,
        '--topology',
        'all-in-one',
        '--app-url',
        `${swift.replace(/\/+$/, '')}/faafo-real-missing/faafo.tar.gz`,
        '--app-sha256',
        'a'.repeat(64),
      ]);
      const result = json<ApplyResult>(r, `create ${name}`);
      const s = seconds(t0);
      assert.equal(r.code, 1, r.stdout.slice(-1500) + r.stderr.slice(-1500));
      assert.equal(result.stack?.status, 'CREATE_FAILED', r.stdout.slice(-1500) + r.stderr.slice(-1500));
      const reasons = [result.stack.reason, ...result.failures.map((f) => f.reason)].join('\n');
      assert.match(reasons, /could not download the app bundle from app_url \(curl exit \d+\)/);
      timings[`${name} failed after`] = s;
      t.diagnostic(`failed after ${s} s: ${result.stack.reason}`);
      await deleteAndCheck(t, name);
    });
}

/** Keystone v3 base URL (the catalog's identity endpoint, with or without its /v3). */
const identityUrl = () => `${cloud.endpoint('identity')!.replace(/\/+$/, '').replace(/\/v3$/, '')}/v3`;
const appCreds = () => `${identityUrl()}/users/${cloud.userId}/application_credentials`;

test(
  `real stacks on the test cloud with compute (${REAL.join(', ')})`,
  { timeout: 85 * 60_000, concurrency: 2 },
  async (t) => {
    await Promise.all([
      ...(want('tiers') ? [t.test('tiers', tiersLane)] : []),
      t.test('small stacks, one after another', smallLane),
    ]);
  },
);
