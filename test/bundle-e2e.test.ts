// `faafo-stack bundle` end to end: the tarball's sha256 is what was reported; unpacked by the system `tar` in a
// clean folder (no node_modules anywhere above it), `node faafo.mjs api` and `node faafo.mjs worker` serve the API
// and render a fractal against the real PostgreSQL and RabbitMQ; `node bin/faafo.js serve` (the all-in-one server's
// command) serves and renders on sqlite: with the native better-sqlite3 the tarball carries for this Node.js ABI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundle, type BundleResult } from '../src/bundle/index.js';
import { freshPostgres, freshVhost, type Disposable } from './helpers/services.js';
import { connect } from '../src/openstack/index.js';

let work: string;
let result: BundleResult;
let app: string; // unpacked faafo/ folder
const children: ChildProcess[] = [];
const disposables: Disposable<string>[] = [];

async function poll<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}${last ? ` (${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Runs bundled `node faafo.mjs ...` with only PATH/HOME and the given settings in its environment. */
function run(
  args: string[],
  env: Record<string, string>,
  entry = 'faafo.mjs',
): { child: ChildProcess; out: () => string } {
  const child = spawn(process.execPath, [entry, ...args], {
    cwd: app,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  children.push(child);
  return { child, out: () => out };
}

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'faafo-bundle-'));
  result = await bundle({ out: path.join(work, 'out') });
  const clean = path.join(work, 'clean');
  execFileSync('mkdir', ['-p', clean]);
  execFileSync('tar', ['-xzf', result.tarball, '-C', clean]);
  app = path.join(clean, 'faafo');
});

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of disposables) await d.dispose();
  rmSync(work, { recursive: true, force: true });
});

test('bundle: tarball checksum matches; layout: the service, bundle.json, and only better-sqlite3 in node_modules', () => {
  const bytes = readFileSync(result.tarball);
  assert.equal(createHash('sha256').update(bytes).digest('hex'), result.sha256);
  assert.equal(bytes.length, result.size);
  assert.equal(readFileSync(`${result.tarball}.sha256`, 'utf8'), `${result.sha256}  faafo.tar.gz\n`);
  execFileSync('sha256sum', ['-c', 'faafo.tar.gz.sha256'], { cwd: path.dirname(result.tarball), stdio: 'ignore' });
  const listed = execFileSync('tar', ['-tzf', result.tarball], { encoding: 'utf8' }).trim().split('\n');
  assert.deepEqual(
    listed.filter((f) => !f.startsWith('faafo/node_modules/')),
    [
      'faafo/',
      'faafo/README.txt',
      'faafo/bin/',
      'faafo/bin/faafo',
      'faafo/bin/faafo.js',
      'faafo/bundle.json',
      'faafo/faafo.mjs',
      'faafo/scaler.mjs',
      'faafo/thread.mjs',
    ],
  );
  assert.deepEqual(
    [...new Set(listed.map((f) => /^faafo\/node_modules\/([^/]+)\//.exec(f)?.[1]).filter(Boolean))],
    ['better-sqlite3', 'bindings', 'file-uri-to-path'],
  );
  assert.ok(listed.includes('faafo/node_modules/better-sqlite3/build/Release/better_sqlite3.node'));
  assert.deepEqual(JSON.parse(readFileSync(path.join(app, 'bundle.json'), 'utf8')), {
    name: 'faafo',
    version: result.version,
    node: {
      major: Number(process.versions.node.split('.')[0]),
      abi: process.versions.modules,
      platform: 'linux',
      arch: process.arch,
    },
  });
  assert.ok(statSync(path.join(app, 'bin/faafo')).mode & 0o100, 'bin/faafo is executable');
  assert.ok(!existsSync(path.join(app, 'package.json')));
  for (let d = path.dirname(app); path.dirname(d) !== d; d = path.dirname(d))
    assert.ok(!existsSync(path.join(d, 'node_modules')), `no node_modules above: ${d}`);
});

test('bundle: scaler.mjs (the queue scaler) runs on its own; started bare it prints one line about the missing environment', async () => {
  const r = run([], {}, 'scaler.mjs');
  const code = await new Promise<number | null>((res) => r.child.on('exit', res));
  assert.equal(code, 2);
  assert.equal(r.out(), 'faafo-queue-scaler: FAAFO_STACK and one of FAAFO_METRICS_FROM_STACK, FAAFO_METRICS_URL, FAAFO_API_URL must be set\n');
});

test('bundle: the same sources give the same sha256 (reproducible)', async () => {
  const again = await bundle({ out: path.join(work, 'out2') });
  assert.equal(again.sha256, result.sha256);
});

test("bundle: the boot scripts' layout (tar --strip-components=1, node bin/faafo.js) works as CommonJS and under an ESM package", () => {
  for (const type of ['none', 'module']) {
    const root = path.join(work, `boot-${type}`);
    const opt = path.join(root, 'opt/faafo');
    execFileSync('mkdir', ['-p', opt]);
    if (type === 'module') writeFileSync(path.join(root, 'package.json'), '{"type":"module"}');
    execFileSync('tar', ['-xzf', result.tarball, '-C', opt, '--strip-components=1']);
    const help = execFileSync(process.execPath, [path.join(opt, 'bin/faafo.js'), 'help', 'worker'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH! },
    });
    assert.match(help, /worker/, type);
  }
});

test('bundle: `node bin/faafo.js serve` on sqlite: (the all-in-one server) serves and renders, clean HOME, no node_modules around', async () => {
  assert.match(
    execFileSync(path.join(app, 'bin/faafo'), ['--help'], { encoding: 'utf8', env: { PATH: process.env.PATH! } }),
    /faafo/,
  );
  const data = path.join(work, 'aio');
  const serve = run(
    ['serve', '--port', '0', '--host', '127.0.0.1'],
    {
      FAAFO_DATABASE_URL: `sqlite:${path.join(data, 'faafo.sqlite')}`,
      FAAFO_QUEUE_URL: 'memory:',
      FAAFO_IMAGE_URL: `file:${path.join(data, 'images')}`,
    },
    'bin/faafo.js',
  );
  const url = await poll(
    'serve to listen',
    () =>
      /faafo serve: (http:\/\/[^/\s]+)\//.exec(serve.out())?.[1] ??
      (serve.child.exitCode !== null ? Promise.reject(new Error(serve.out())) : undefined),
  );
  const res = await fetch(`${url}/v1/fractal`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ width: 64, height: 48, iterations: 64, xa: -2, xb: 1, ya: -1, yb: 1 }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  const { uuid } = (await res.json()) as { uuid: string };
  const row = await poll('the fractal to be rendered', async () => {
    const r = (await (await fetch(`${url}/v1/fractal/${uuid}`)).json()) as { checksum: string | null };
    return r.checksum ? r : undefined;
  });
  const png = Buffer.from(await (await fetch(`${url}/fractal/${uuid}`)).arrayBuffer());
  assert.equal(createHash('sha256').update(png).digest('hex'), row.checksum);
  assert.ok(existsSync(path.join(data, 'faafo.sqlite')), 'stored in the sqlite: database');
  serve.child.kill('SIGTERM');
  await new Promise((r) => (serve.child.exitCode !== null ? r(null) : serve.child.on('exit', r)));
  assert.doesNotMatch(serve.out(), /better-sqlite3|\n\s+at /, 'no module error, no stack trace');
});

async function renderThroughBundle(
  imageUrl: string,
  extraEnv: Record<string, string> = {},
  workerEntry = 'faafo.mjs',
): Promise<void> {
  const db = await freshPostgres();
  disposables.push(db);
  const mq = await freshVhost();
  disposables.push(mq);
  const settings = { FAAFO_DATABASE_URL: db.value, FAAFO_QUEUE_URL: mq.value, FAAFO_IMAGE_URL: imageUrl, ...extraEnv };
  const api = run(['api', '--port', '0', '--host', '127.0.0.1'], settings);
  const url = await poll(
    'the API to listen',
    () =>
      /listening on (http:\/\/[^/\s]+)\//.exec(api.out())?.[1] ??
      (api.child.exitCode !== null ? Promise.reject(new Error(api.out())) : undefined),
  );
  const worker = run(
    ['worker', '--threads', '2'],
    { ...settings, FAAFO_ENDPOINT_URL: url, FAAFO_GENERATED_BY: 'bundle-test' },
    workerEntry,
  );
  const res = await fetch(`${url}/v1/fractal`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ width: 96, height: 64, iterations: 128, xa: -2, xb: 1, ya: -1, yb: 1 }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  const { uuid } = (await res.json()) as { uuid: string };
  const row = await poll('the fractal to be rendered', async () => {
    const r = (await (await fetch(`${url}/v1/fractal/${uuid}`)).json()) as {
      checksum: string | null;
      generated_by: string | null;
      size: number | null;
    };
    return r.checksum ? r : undefined;
  });
  assert.equal(row.generated_by, 'bundle-test');
  const png = Buffer.from(await (await fetch(`${url}/fractal/${uuid}`)).arrayBuffer());
  assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
  assert.equal(createHash('sha256').update(png).digest('hex'), row.checksum);
  for (const p of [worker, api]) {
    p.child.kill('SIGTERM');
    await new Promise((r) => (p.child.exitCode !== null ? r(null) : p.child.on('exit', r)));
  }
  assert.match(worker.out(), /faafo worker bundle-test/);
}

test('bundle: `node faafo.mjs api` + `node faafo.mjs worker` on PostgreSQL + RabbitMQ render a fractal', async () => {
  await renderThroughBundle(`file:${path.join(work, 'images')}`);
});

test('bundle: the same with the swift: image store (real Swift; credentials from OS_* variables; worker via bin/faafo.js)', async () => {
  const container = `faafo-bundle-images-${process.pid}-${Date.now().toString(36)}`;
  const os = {
    OS_AUTH_URL: 'http://127.0.0.1:5000/v3',
    OS_USERNAME: 'demo',
    OS_PASSWORD: 'secret',
    OS_PROJECT_NAME: 'demo',
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
  };
  try {
    await renderThroughBundle(`swift://${container}`, os, 'bin/faafo.js'); // the worker as the boot scripts start it
  } finally {
    const cloud = await connect({ env: { HOME: work, ...os }, searchDirs: [] });
    const objects = await cloud.swift.listObjects(container);
    assert.equal(objects.length, 1, 'the PNG was stored in Swift');
    for (const o of objects) await cloud.swift.deleteObject(container, o.name);
    await cloud.swift.deleteContainer(container);
  }
});
