// `faafo api --trust-proxy` / FAAFO_TRUST_PROXY: behind the Octavia load balancer the Location header of a created
// fractal names the balancer's scheme and host (X-Forwarded-Proto/-Host); without it the headers are ignored.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanEnv, spawnFaafo, startListening, type FaafoProcess } from './helpers/procs.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faafo-trust-proxy-'));
const running: FaafoProcess[] = [];
after(async () => {
  for (const p of running) await p.stop().catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function locationVia(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ location: string; base: string }> {
  const name = `api-${running.length}`;
  const api = spawnFaafo(
    ['api', '--port', '0', '--host', '127.0.0.1', '--database-url', `sqlite:${name}.sqlite`, ...args],
    { cwd: dir, env: cleanEnv(env), name },
  );
  running.push(api);
  const base = await startListening(api);
  const uuid = randomUUID();
  const res = await fetch(`${base}/v1/fractal`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'faafo.example.org',
      'x-forwarded-for': '203.0.113.7',
    },
    body: JSON.stringify({ uuid, width: 16, height: 16, iterations: 8, xa: -1, xb: 1, ya: -1, yb: 1 }),
  });
  assert.equal(res.status, 201);
  await res.arrayBuffer();
  const location = res.headers.get('location') ?? '';
  assert.ok(location.endsWith(`/v1/fractal/${uuid}`), location);
  return { location: location.slice(0, -`/v1/fractal/${uuid}`.length), base };
}

test('--trust-proxy: Location uses the forwarded scheme and host', { timeout: 180_000 }, async () => {
  const { location } = await locationVia(['--trust-proxy']);
  assert.equal(location, 'https://faafo.example.org');
});

test('FAAFO_TRUST_PROXY=true does the same', { timeout: 180_000 }, async () => {
  const { location } = await locationVia([], { FAAFO_TRUST_PROXY: 'true' });
  assert.equal(location, 'https://faafo.example.org');
});

test('default: forwarded headers are not trusted', { timeout: 180_000 }, async () => {
  const { location, base } = await locationVia([]);
  assert.equal(location, base);
});

test('a bad FAAFO_TRUST_PROXY is one line and exit 2', { timeout: 180_000 }, async () => {
  const api = spawnFaafo(['api', '--port', '0', '--database-url', 'sqlite:bad.sqlite'], {
    cwd: dir,
    env: cleanEnv({ FAAFO_TRUST_PROXY: 'maybe' }),
    name: 'api-bad',
  });
  running.push(api);
  assert.equal(await api.exited, 2);
  const errs = api.lines.filter((l) => /FAAFO_TRUST_PROXY/.test(l));
  assert.equal(errs.length, 1, api.lines.join('\n'));
  assert.ok(!api.lines.some((l) => /^\s+at /.test(l)), 'no stack trace');
});
