// `faafo api` / `faafo serve` started before their database is reachable (Heat boots the servers in any order):
// they retry with backoff, one log line per attempt, and start once it answers; after --startup-timeout they
// exit 1 with one line. The "database" is a TCP proxy to the real PostgreSQL that is closed, then opened.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanEnv, spawnFaafo, startListening, type FaafoProcess } from './helpers/procs.js';
import { freshPostgres, type Disposable } from './helpers/services.js';
import { startTcpProxy, viaPort, type TcpProxy } from './helpers/tcp-proxy.js';

let db: Disposable<string>;
let proxy: TcpProxy;
let dbUrl = '';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faafo-startup-'));
const running: FaafoProcess[] = [];
const SECRET = 'startup-secret-pw';

before(async () => {
  db = await freshPostgres();
  proxy = await startTcpProxy(5432);
  await proxy.down(); // the port refuses connections until up()
  const u = new URL(viaPort(db.value, proxy.port));
  u.password = SECRET; // trust auth ignores it; it must never be printed
  dbUrl = u.toString();
});

after(async () => {
  for (const p of running) await p.stop().catch(() => undefined);
  await proxy?.close();
  await db?.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('faafo api waits for a database that comes up later, then serves', { timeout: 240_000 }, async () => {
  const api = spawnFaafo(['api', '--port', '0', '--host', '127.0.0.1'], {
    cwd: dir,
    env: cleanEnv({ FAAFO_DATABASE_URL: dbUrl, FAAFO_STARTUP_TIMEOUT: '200' }),
    name: 'api',
  });
  running.push(api);
  await api.waitFor(/database .* not reachable yet \(attempt 2:/);
  await proxy.up();
  const base = await startListening(api);
  const ready = await fetch(`${base}/v1/fractal`);
  assert.equal(ready.status, 200);
  await ready.arrayBuffer();
  const retries = api.lines.filter((l) => /not reachable yet/.test(l));
  assert.ok(retries.length >= 2);
  for (const l of retries)
    assert.match(
      l,
      /^faafo api: database postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/\S+ not reachable yet \(attempt \d+: .+\); retrying in \d+\.\d s, giving up in \d+ s$/,
    );
  assert.ok(!api.lines.some((l) => l.includes(SECRET)), 'password never printed');
  assert.equal(await api.stop(), 0);
  await proxy.down();
});

test('faafo serve gives up after --startup-timeout with one line and exit 1', { timeout: 240_000 }, async () => {
  await proxy.down();
  const serve = spawnFaafo(
    [
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--workers',
      '0',
      '--startup-timeout',
      '3',
      '--database-url',
      dbUrl,
    ],
    { cwd: dir, env: cleanEnv(), name: 'serve' },
  );
  running.push(serve);
  assert.equal(await serve.exited, 1);
  assert.ok(
    serve.lines.some((l) => /^faafo serve: database .* not reachable yet \(attempt 1:/.test(l)),
    serve.lines.join('\n'),
  );
  const fatal = serve.lines.filter((l) => /cannot open the database/.test(l));
  assert.equal(fatal.length, 1, serve.lines.join('\n'));
  assert.match(fatal[0]!, /cannot open the database postgresql:\/\/postgres:\*\*\*@.* \(gave up after 3 s\): /);
  assert.ok(!serve.lines.some((l) => l.includes(SECRET) || /^\s+at /.test(l)), 'no password, no stack trace');
});

test('--startup-timeout 0 fails at once; a bad value is a usage error', { timeout: 240_000 }, async () => {
  await proxy.down();
  const api = spawnFaafo(['api', '--port', '0', '--startup-timeout', '0', '--database-url', dbUrl], {
    cwd: dir,
    env: cleanEnv(),
    name: 'api-0',
  });
  running.push(api);
  assert.equal(await api.exited, 1);
  assert.ok(!api.lines.some((l) => /not reachable yet/.test(l)));
  const bad = spawnFaafo(['api', '--port', '0', '--startup-timeout', 'soon', '--database-url', dbUrl], {
    cwd: dir,
    env: cleanEnv(),
    name: 'api-bad',
  });
  running.push(bad);
  assert.equal(await bad.exited, 2);
  assert.ok(
    bad.lines.some((l) => /startup-timeout must be whole seconds/.test(l)),
    bad.lines.join('\n'),
  );
});
