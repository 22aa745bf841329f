// Issue 10 item 5: with no load balancer a worker is given every API server (FAAFO_ENDPOINT_URL a comma-separated
// list) and must survive the removal of any of them. Real processes: two `faafo api` sharing PostgreSQL, RabbitMQ and
// an image folder, one `faafo worker` given both URLs, the first first. The first API is killed (SIGKILL, as a
// scale-in deletes its server); fractals created afterwards through the second are still rendered and stored, and
// the worker says it switched. A worker given only the killed API (today's --no-lb wiring) stores nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Fractal } from '../app/types.js';
import { withScaledOutServices } from './helpers/scaled-out.js';
import { spawnFaafo, startListening } from './helpers/procs.js';
import { until } from './helpers/poll.js';

async function createFractal(api: string, i: number): Promise<string> {
  const uuid = randomUUID();
  const res = await fetch(`${api}/v1/fractal`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ uuid, width: 100 + i, height: 80, iterations: 100, xa: -1.6, xb: 1.6, ya: -1.2, yb: 1.2 }),
  });
  assert.equal(res.status, 201, await res.text());
  return uuid;
}

const stored = async (api: string, uuid: string) => {
  const res = await fetch(`${api}/v1/fractal/${uuid}`);
  return res.ok && Boolean(((await res.json()) as Fractal).checksum);
};

test('a worker given two API URLs keeps storing results when the first API server is gone', { timeout: 300000 }, async () => {
  await withScaledOutServices('faafo-failover-', async ({ env, procs }) => {
    const apis = [
      spawnFaafo(['api', '--port', '0', '--host', '127.0.0.1'], { env, name: 'api-1' }),
      spawnFaafo(['api', '--port', '0', '--host', '127.0.0.1'], { env, name: 'api-2' }),
    ];
    procs.push(...apis);
    const [first, second] = await Promise.all(apis.map(startListening));
    const worker = spawnFaafo(
      ['worker', '--endpoint-url', `${first}/,${second}`, '--generated-by', 'w-failover', '--threads', '1'],
      { env, name: 'worker' },
    );
    procs.push(worker);
    await worker.waitFor(/^faafo worker w-failover .*results to /);

    // Both up: a result is stored (through the first URL, the one in use).
    const early = await createFractal(second, 0);
    await until(() => stored(second, early), 'the first fractal stored', 60000);

    // The first API server goes away the way a scale-in removes it.
    apis[0].proc.kill('SIGKILL');
    await apis[0].exited;
    await assert.rejects(fetch(`${first}/healthz`), 'the first API no longer answers');

    const later: string[] = [];
    for (let i = 1; i <= 4; i++) later.push(await createFractal(second, i));
    for (const uuid of later) await until(() => stored(second, uuid), `fractal ${uuid} stored after the failover`, 120000);
    assert.ok(
      worker.lines.some((l) => l.includes(`API ${first}: cannot reach the API`) && l.includes(`switching to ${second}`)),
      worker.lines.join('\n'),
    );
    assert.ok(!worker.lines.some((l) => /could not store the result/.test(l)), worker.lines.join('\n'));
  });
});

test('a worker given only the removed API server (one URL) cannot store anything: the failure the list avoids', { timeout: 300000 }, async () => {
  await withScaledOutServices('faafo-failover-one-', async ({ env, procs }) => {
    const apis = [
      spawnFaafo(['api', '--port', '0', '--host', '127.0.0.1'], { env, name: 'api-1' }),
      spawnFaafo(['api', '--port', '0', '--host', '127.0.0.1'], { env, name: 'api-2' }),
    ];
    procs.push(...apis);
    const [first, second] = await Promise.all(apis.map(startListening));
    apis[0].proc.kill('SIGKILL');
    await apis[0].exited;
    const worker = spawnFaafo(['worker', '--endpoint-url', first, '--generated-by', 'w-one', '--threads', '1'], {
      env,
      name: 'worker',
    });
    procs.push(worker);
    await worker.waitFor(/^faafo worker w-one /);
    const uuid = await createFractal(second, 0);
    await worker.waitFor(new RegExp(`task ${uuid}: could not store the result \\(cannot reach the API`), 120000);
    assert.equal(await stored(second, uuid), false);
  });
});

test('faafo worker refuses a list with a bad URL in it: one line, exit 2', { timeout: 60000 }, async () => {
  const w = spawnFaafo(['worker', '--queue-url', 'amqp://u:p@127.0.0.1:1/', '--endpoint-url', 'http://127.0.0.1:1,ftp://x']);
  assert.equal(await w.exited, 2);
  const err = w.lines.filter((l) => l.trim() !== '');
  assert.equal(err.length, 1, err.join('\n'));
  assert.match(err[0], /endpoint-url "ftp:\/\/x" is not supported/);
});
