// Restarting RabbitMQ or PostgreSQL during a run (PRIVATE instances: the machine's shared services are never
// restarted): while the dependency is down the API answers 503 promptly (never hangs, never 500) and /readyz
// says so; afterwards API and worker recover by themselves and every accepted (201) task is rendered.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Fractal } from '../app/types.js';
import { openQueue } from '../app/queue/index.js';
import { freshPostgres, freshVhost } from './helpers/services.js';
import { privatePostgres, privateRabbit, type PrivateService } from './helpers/private-services.js';
import { cleanEnv, spawnFaafo, startListening, type FaafoProcess } from './helpers/procs.js';
import { until } from './helpers/poll.js';

// About a second or two of rendering each on one thread (mostly inside the connected Julia set of -0.4+0.6i),
// so tasks are still queued and in progress when the dependency stops.
const body = (uuid: string) =>
  JSON.stringify({
    uuid,
    width: 1200,
    height: 1200,
    iterations: 1000,
    xa: -0.6,
    xb: 0.6,
    ya: -0.6,
    yb: 0.6,
    cr: -0.4,
    ci: 0.6,
  });

async function post(url: string): Promise<{ uuid: string; status: number; text: string }> {
  const uuid = randomUUID();
  const res = await fetch(`${url}/v1/fractal`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body(uuid),
    signal: AbortSignal.timeout(60000),
  });
  return { uuid, status: res.status, text: await res.text() };
}

async function row(url: string, uuid: string): Promise<Fractal | undefined> {
  const res = await fetch(`${url}/v1/fractal/${uuid}`);
  return res.status === 200 ? ((await res.json()) as Fractal) : undefined;
}

/** Runs one API and one worker against the given URLs, stops `dep` mid-run, restarts it, checks no loss. */
async function queueDepth(url: string): Promise<number> {
  const q = await openQueue(url, { log: () => undefined });
  try {
    return await q.depth();
  } finally {
    await q.close();
  }
}

async function restartScenario(
  t: TestContext,
  dep: PrivateService,
  env: NodeJS.ProcessEnv,
  imgDir: string,
  downChecks: (url: string) => Promise<void>,
) {
  const procs: FaafoProcess[] = [];
  try {
    const api = spawnFaafo(['api', '--port', '0', '--host', '127.0.0.1'], { env, name: 'api' });
    procs.push(api);
    const url = await startListening(api);
    const worker = spawnFaafo(['worker', '--endpoint-url', url, '--generated-by', 'restart-worker', '--threads', '1'], {
      env,
      name: 'worker',
    });
    procs.push(worker);
    await worker.waitFor(/^faafo worker restart-worker /);

    const accepted: string[] = [];
    const refused: string[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await post(url);
      assert.equal(r.status, 201, r.text);
      accepted.push(r.uuid);
    }
    await worker.waitFor(/^task \S+ processed in /, 240000);
    const waiting = await queueDepth(env.FAAFO_QUEUE_URL as string);
    t.diagnostic(`tasks waiting on the queue when the dependency stops: ${waiting}`);

    await dep.stop();
    // The API notices and answers 503 with a JSON message, promptly (each request has a 60 s client timeout).
    await until(
      async () => {
        const r = await post(url);
        if (r.status === 201) accepted.push(r.uuid);
        else {
          assert.equal(r.status, 503, `while down: ${r.status} ${r.text}`);
          assert.equal(typeof (JSON.parse(r.text) as { message?: unknown }).message, 'string');
          refused.push(r.uuid);
        }
        return r.status === 503;
      },
      'a 503 while the dependency is down',
      120000,
      200,
    );
    await until(async () => (await fetch(`${url}/readyz`)).status === 503, '/readyz 503', 60000, 200);
    await downChecks(url);
    assert.equal((await fetch(`${url}/healthz`)).status, 200, 'the process stays up');

    await dep.start();
    // Recovers by itself: creating works again, without restarting API or worker.
    await until(
      async () => {
        const r = await post(url);
        if (r.status === 201) accepted.push(r.uuid);
        else refused.push(r.uuid);
        return r.status === 201;
      },
      'a 201 after the restart',
      180000,
      500,
    );
    await until(async () => (await fetch(`${url}/readyz`)).status === 200, '/readyz 200 again', 120000, 500);

    // No accepted task lost: every 201 gets rendered.
    await until(
      async () => {
        for (const u of accepted) if (!(await row(url, u))?.checksum) return false;
        return true;
      },
      `all ${accepted.length} accepted tasks rendered`,
      480000,
      1000,
    );
    // A refused task left no half-created row behind (or, if its row survived, it was rendered).
    for (const u of refused) {
      const r = await row(url, u);
      assert.ok(r === undefined || r.checksum, `refused ${u} left an unrendered row`);
    }
    const images = fs.readdirSync(imgDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.png'));
    assert.ok(images.length >= accepted.length);
    assert.ok(
      !api.lines.some((l) => /^\s+at /.test(l)) && !worker.lines.some((l) => /^\s+at /.test(l)),
      'no stack traces',
    );
    for (const p of procs) assert.equal(await p.stop('SIGTERM'), 0, p.lines.slice(-3).join(' | '));
  } finally {
    for (const p of procs) if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
  }
}

test(
  'RabbitMQ restart during a run: 503 while down, recovery by itself, no accepted task lost',
  { timeout: 900000 },
  async (t) => {
    const rmq = await privateRabbit();
    const db = await freshPostgres();
    const imgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faafo-rmq-img-'));
    try {
      const env = cleanEnv({
        FAAFO_DATABASE_URL: db.value,
        FAAFO_QUEUE_URL: rmq.url,
        FAAFO_IMAGE_URL: `file:${imgDir}`,
      });
      await restartScenario(t, rmq, env, imgDir, async (url) => {
        const ready = (await (await fetch(`${url}/readyz`)).json()) as { down?: string[] };
        assert.ok(ready.down?.includes('queue'), JSON.stringify(ready));
        // Reads do not need the queue.
        assert.equal((await fetch(`${url}/v1/fractal`)).status, 200);
      });
    } finally {
      await rmq.dispose();
      await db.dispose();
      fs.rmSync(imgDir, { recursive: true, force: true });
    }
  },
);

test(
  'PostgreSQL restart during a run: 503 while down, recovery by itself, no accepted task lost',
  { timeout: 900000 },
  async (t) => {
    const pg = await privatePostgres();
    const vh = await freshVhost();
    const imgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faafo-pg-img-'));
    try {
      const env = cleanEnv({
        FAAFO_DATABASE_URL: pg.url,
        FAAFO_QUEUE_URL: vh.value,
        FAAFO_IMAGE_URL: `file:${imgDir}`,
      });
      await restartScenario(t, pg, env, imgDir, async (url) => {
        const ready = (await (await fetch(`${url}/readyz`)).json()) as { down?: string[] };
        assert.ok(ready.down?.includes('database'), JSON.stringify(ready));
        const list = await fetch(`${url}/v1/fractal`);
        assert.equal(list.status, 503);
      });
    } finally {
      await pg.dispose();
      await vh.dispose();
      fs.rmSync(imgDir, { recursive: true, force: true });
    }
  },
);
