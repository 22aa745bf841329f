// The CLI without a server: help, usage errors (exit 2, one line, no stack), unreachable endpoint (exit 1),
// the original client's random ranges, and the settings resolver (flags over environment over defaults).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { main } from '../app/cli/main.js';
import type { Io } from '../app/cli/io.js';
import { makeFractalRequest, RANDOM_RANGES } from '../app/cli/client-commands.js';
import { DEFAULTS, resolveSettings, SettingsError } from '../app/config.js';
import { freePort } from './helpers/private-services.js';

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const oneLine = (s: string) => s.trimEnd().split('\n').length === 1 && !/\n\s+at /.test(s);

test('--help lists every command; <cmd> --help shows its options', async () => {
  const r = await run(['--help']);
  assert.equal(r.code, 0);
  for (const c of ['serve', 'api', 'worker', 'create', 'list', 'show', 'delete', 'get'])
    assert.match(r.stdout, new RegExp(`\\n  ${c} `));
  const c = await run(['create', '--help']);
  assert.equal(c.code, 0);
  assert.match(c.stdout, /--iterations/);
  const g = await run(['--endpoint-url', 'http://x:1', 'get', '-h']);
  assert.match(g.stdout, /--output/);
  const s = await run(['serve', '--help']);
  assert.match(s.stdout, /FAAFO_DATABASE_URL/);
  assert.equal((await run([])).code, 2);
});

test('usage errors: one line on stderr, exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['create', '--width', 'abc'], /--width must be an integer from 1 to 16384, got "abc"/],
    [['create', '--width', '0'], /--width must be an integer/],
    [['create', '--height', '16385'], /--height must be an integer/],
    [['create', '--iterations', '1.5'], /--iterations must be an integer/],
    [['create', '--xa', 'nan'], /--xa must be a number/],
    [['create', '--xa', '1', '--xb', '-1'], /--xa must be less than --xb/],
    [['create', '--ya', '-0.5', '--yb', '-1.5'], /--ya must be less than --yb/],
    [['create', '--cr', '0.1'], /--cr and --ci go together/],
    [['create', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['create', '--width'], /--width/],
    [['show'], /missing UUID/],
    [['delete', 'a', 'b'], /unexpected argument "b"/],
    [['launch'], /unknown command "launch"/],
    [['--endpoint-url', 'not-a-url', 'list'], /--endpoint-url must be an http/],
    [['serve', '--port', '99999'], /port must be an integer from 0 to 65535/],
    [['serve', '--queue-url', 'redis://x'], /queue-url "redis:\/\/x" is not supported/],
    [['worker'], /faafo worker needs a shared queue/],
    [['api', '--database-url', 'oracle://x'], /database-url/],
    [['serve', '--threads', '0'], /threads must be an integer/],
  ];
  for (const [argv, re] of cases) {
    const r = await run(argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, argv.join(' '));
    assert.ok(oneLine(r.stderr), `one line for ${argv.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
  }
});

test('unreachable endpoint: one clear line, exit 1, for every client command (flag before or after, or env)', async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  for (const argv of [
    ['--endpoint-url', url, 'list'],
    ['list', '--endpoint-url', url],
    [`--endpoint-url=${url}`, 'show', '0b8a2e9c-51c8-4d35-a0e6-5d4c1f2b8a11'],
    ['--endpoint-url', url, 'create', '--tasks', '1', '--json'],
    ['--endpoint-url', url, 'delete', '0b8a2e9c-51c8-4d35-a0e6-5d4c1f2b8a11'],
    ['--endpoint-url', url, 'get', '0b8a2e9c-51c8-4d35-a0e6-5d4c1f2b8a11'],
  ]) {
    const r = await run(argv);
    assert.equal(r.code, 1, argv.join(' '));
    assert.match(r.stderr, new RegExp(`cannot reach the faafo API at ${url} \\(ECONNREFUSED\\)`));
    assert.ok(oneLine(r.stderr.replace(/^generating.*\n/, '')), r.stderr);
  }
  const viaEnv = await run(['list'], { FAAFO_ENDPOINT_URL: url });
  assert.equal(viaEnv.code, 1);
  assert.match(viaEnv.stderr, new RegExp(`at ${url} `));
});

test('create draws missing parameters from the original client ranges, per task', () => {
  const R = RANDOM_RANGES;
  const seen = { w: new Set<number>(), xa: new Set<number>() };
  for (let i = 0; i < 500; i++) {
    const b = makeFractalRequest({ tasks: 1 });
    assert.match(String(b.uuid), /^[0-9a-f-]{36}$/);
    const [w, h, it] = [b.width as number, b.height as number, b.iterations as number];
    assert.ok(Number.isInteger(w) && w >= R.width[0] && w <= R.width[1]);
    assert.ok(Number.isInteger(h) && h >= R.height[0] && h <= R.height[1]);
    assert.ok(Number.isInteger(it) && it >= R.iterations[0] && it <= R.iterations[1]);
    for (const k of ['xa', 'xb', 'ya', 'yb'] as const) {
      const v = b[k] as number;
      assert.ok(v >= R[k][0] && v <= R[k][1], `${k}=${v}`);
    }
    assert.equal('cr' in b, false);
    seen.w.add(w);
    seen.xa.add(b.xa as number);
  }
  assert.ok(seen.w.size > 100 && seen.xa.size > 100, 'values vary per task');
  // Extremes of randint are reachable.
  assert.equal(makeFractalRequest({ tasks: 1 }, () => 0).width, 256);
  assert.equal(makeFractalRequest({ tasks: 1 }, () => 0.999999).width, 1024);
  const fixed = makeFractalRequest({
    tasks: 1,
    width: 9999,
    height: 9999,
    iterations: 50,
    xa: -2,
    xb: 2,
    ya: -1,
    yb: 1,
    cr: 0.1,
    ci: 0.2,
  });
  assert.deepEqual(
    { ...fixed, uuid: 'x' },
    { uuid: 'x', width: 9999, height: 9999, iterations: 50, xa: -2, xb: 2, ya: -1, yb: 1, cr: 0.1, ci: 0.2 },
  );
});

test('settings: flags over environment over the embedded defaults', () => {
  const d = resolveSettings({}, {});
  assert.equal(d.databaseUrl, DEFAULTS.databaseUrl);
  assert.equal(d.queueUrl, 'memory:');
  assert.equal(d.imageUrl, 'file:.faafo/images');
  assert.equal(d.port, 8800);
  assert.equal(d.host, '0.0.0.0');
  assert.equal(d.endpointUrl, 'http://127.0.0.1:8800');
  assert.equal(d.threads, os.availableParallelism());
  assert.equal(d.generatedBy, os.hostname());
  const env = {
    PORT: '9000',
    FAAFO_DATABASE_URL: 'postgresql://u@h/db',
    FAAFO_QUEUE_URL: 'amqp://g:secret@h/v',
    FAAFO_IMAGE_URL: 'file:/tmp/x',
    FAAFO_ENDPOINT_URL: 'http://api:80/',
    FAAFO_GENERATED_BY: 'w1',
    FAAFO_THREADS: '3',
    FAAFO_WORKERS: '4',
  };
  const e = resolveSettings({}, env);
  assert.deepEqual(
    [e.port, e.databaseUrl, e.queueUrl, e.imageUrl, e.endpointUrl, e.generatedBy, e.threads, e.workers],
    [9000, 'postgresql://u@h/db', 'amqp://g:secret@h/v', 'file:/tmp/x', 'http://api:80', 'w1', 3, 4],
  );
  const f = resolveSettings({ port: '7000', queueUrl: 'memory:x', generatedBy: 'w2', threads: '1' }, env);
  assert.deepEqual(
    [f.port, f.queueUrl, f.generatedBy, f.threads, f.databaseUrl],
    [7000, 'memory:x', 'w2', 1, 'postgresql://u@h/db'],
  );
  assert.throws(() => resolveSettings({ port: 'x' }, {}), SettingsError);
  // A password in a bad URL is not echoed.
  assert.throws(
    () => resolveSettings({ queueUrl: 'redis://u:hunter2@h' }, {}),
    (err: Error) => !err.message.includes('hunter2'),
  );
});
