// Issue 15 through the CLI, against a real `faafo serve` process: with FAAFO_API_KEY the client's writes need
// `--api-key` (or FAAFO_API_KEY) and fail with one line saying so; serve makes up a result secret for its own
// workers (they store results, an anonymous upload is refused, nothing secret is printed); with --internal-port
// /metrics moves off the public listener. Also `faafo api`'s settings errors never echo a secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../app/cli/main.js';
import type { Io } from '../app/cli/io.js';
import type { Fractal } from '../app/types.js';
import { makePng } from './helpers/png.js';
import { until } from './helpers/poll.js';
import { cleanEnv, spawnFaafo, startListening } from './helpers/procs.js';

const KEY = 'cli-test-key-0123456789abcdef';

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

test('faafo serve with an API key and an internal listener, driven by the client', { timeout: 300_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faafo-access-'));
  const serve = spawnFaafo(['serve', '--port', '0', '--workers', '1', '--threads', '1', '--internal-port', '0'], {
    cwd: dir,
    env: cleanEnv({ FAAFO_API_KEY: KEY }),
    name: 'serve',
  });
  try {
    const url = await startListening(serve);
    const internal = (await serve.waitFor(/metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics only/))[1]!;
    const ep = ['--endpoint-url', url];
    const small = ['--tasks', '1', '--width', '48', '--height', '32', '--iterations', '32', '--json'];

    const anon = await cli([...ep, 'create', ...small]);
    assert.equal(anon.code, 1);
    assert.match(
      anon.stderr,
      /^faafo: creating a fractal failed: the API answered 401 .*--api-key or FAAFO_API_KEY\n$/,
    );
    const wrong = await cli([...ep, '--api-key', 'not-the-key-0123456789', 'create', ...small]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /API key is not right/);
    assert.ok(!wrong.stderr.includes('not-the-key'), 'the key given is not echoed');

    const made = await cli([...ep, '--api-key', KEY, 'create', ...small]);
    assert.equal(made.code, 0, made.stderr);
    const [f] = JSON.parse(made.stdout) as Fractal[];
    // serve's own worker carries the secret serve made up: the result is stored.
    await until(
      async () => {
        const r = await cli([...ep, 'show', f!.uuid, '--json']);
        return r.code === 0 && (JSON.parse(r.stdout) as Fractal).checksum !== null;
      },
      "the fractal rendered by serve's worker",
      120_000,
    );
    // Anyone else's upload is refused, on both paths.
    const png = makePng(48, 32, 1);
    const raw = await fetch(`${url}/v1/fractal/${f!.uuid}/image`, {
      method: 'PUT',
      headers: { 'content-type': 'image/png', 'x-faafo-checksum': png.checksum },
      body: png.bytes,
    });
    assert.equal(raw.status, 401);
    const fromEnv = await cli([...ep, 'create', ...small], { FAAFO_API_KEY: KEY });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    const [g] = JSON.parse(fromEnv.stdout) as Fractal[];
    const legacy = await fetch(`${url}/v1/fractal/${g!.uuid}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image: png.bytes.toString('base64'), checksum: png.checksum, size: png.bytes.length }),
    });
    assert.equal(legacy.status, 401);

    const delAnon = await cli([...ep, 'delete', f!.uuid]);
    assert.equal(delAnon.code, 1);
    assert.match(delAnon.stderr, /401/);
    assert.equal((await cli([...ep, '--api-key', KEY, 'delete', f!.uuid])).code, 0);
    assert.equal((await cli([...ep, 'list', '--json'])).code, 0, 'reads need no key');

    assert.equal((await fetch(`${url}/metrics`)).status, 404);
    assert.match(await (await fetch(`${internal}/metrics`)).text(), /^faafo_fractals_pending /m);
    const printed = serve.lines.join('\n');
    assert.ok(!printed.includes(KEY), 'the API key is never printed');
    assert.match(printed, /results with the worker secret, writes with the API key/);
  } finally {
    assert.equal(await serve.stop(), 0);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bad protection settings are one line that never shows the secret', async () => {
  const short = await cli(['api', '--port', '0'], { FAAFO_API_KEY: 'short-secret' });
  assert.equal(short.code, 2);
  assert.equal(short.stderr, 'faafo: api-key (FAAFO_API_KEY) must be 16 to 512 printable characters without spaces\n');
  const deny = await cli(['api', '--port', '0', '--anonymous-writes', 'deny']);
  assert.equal(deny.code, 2);
  assert.match(deny.stderr, /^faafo: anonymous-writes deny needs an API key/);
  const cidr = await cli(['api', '--legacy-workers', 'allow', '--legacy-worker-cidrs', '10.0.0.0/33']);
  assert.equal(cidr.code, 2);
  assert.match(cidr.stderr, /"10\.0\.0\.0\/33" is not an address or CIDR/);
});
