// The worker's task handling against a controllable HTTP endpoint speaking contract C1 (so API failures can be
// injected): upload headers and streamed PNG, ack only after 200, 404 drops, 503 retries then requeues (without
// rendering again), poison tasks are dropped, stop() finishes the task in progress, and a redelivered task that
// is already stored is acked without rendering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { PNG } from 'pngjs';
import { openQueue } from '../app/queue/index.js';
import { startWorker, sweepStaleTmpDirs } from '../app/worker/index.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Task } from '../app/types.js';
import { CountingRenderer } from './helpers/counting-renderer.js';
import { until } from './helpers/poll.js';

interface Upload {
  uuid: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A stand-in for the API's upload route whose answers the test decides. */
async function stubApi(answer: (uuid: string, n: number) => number, rendered = new Set<string>()) {
  const uploads: Upload[] = [];
  const attempts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const m = /^\/v1\/fractal\/([0-9a-f-]+)(\/image)?$/.exec(req.url ?? '');
      if (!m) return void res.writeHead(404).end('{}');
      const uuid = m[1];
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ uuid, checksum: rendered.has(uuid) ? 'x'.repeat(64) : null }));
      }
      const n = (attempts.get(uuid) ?? 0) + 1;
      attempts.set(uuid, n);
      const status = answer(uuid, n);
      if (status === 200) {
        uploads.push({ uuid, headers: req.headers, body: Buffer.concat(chunks) });
        rendered.add(uuid);
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status === 200 ? { uuid } : { message: `status ${status}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, uploads, attempts, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const task = (w = 24, h = 16): Task => ({
  uuid: randomUUID(),
  checksum: null,
  url: null,
  duration: null,
  size: null,
  width: w,
  height: h,
  iterations: 64,
  xa: -1.5,
  xb: 1.5,
  ya: -1.0,
  yb: 1.0,
  generated_by: null,
});

async function setup(
  answer: (uuid: string, n: number) => number,
  opts: { delayMs?: number; rendered?: Set<string> } = {},
) {
  const api = await stubApi(answer, opts.rendered);
  const queue = await openQueue(`memory:worker-${randomUUID()}`);
  const renderer = new CountingRenderer(opts.delayMs);
  const lines: string[] = [];
  const worker = await startWorker({
    queue,
    renderer,
    endpointUrl: api.url,
    generatedBy: 'test-host',
    log: (l) => lines.push(l),
    retryDelayMs: 20,
    attempts: 3,
  });
  return {
    api,
    queue,
    renderer,
    lines,
    worker,
    close: async () => {
      await worker.stop();
      await queue.close();
      await api.close();
      await renderer.close();
    },
  };
}

test(
  'renders, uploads the PNG with checksum/duration/generated-by headers, acks after 200',
  { timeout: 60000 },
  async () => {
    const s = await setup(() => 200);
    const tasks = [task(24, 16), task(10, 30), { ...task(12, 12), cr: -0.4, ci: 0.6 }];
    for (const t of tasks) await s.queue.publish(t);
    await until(() => s.worker.stats.processed === 3, 'three tasks processed');
    assert.equal(await s.queue.depth(), 0);
    for (const t of tasks) {
      const up = s.api.uploads.find((u) => u.uuid === t.uuid);
      assert.ok(up, `upload for ${t.uuid}`);
      assert.equal(up.headers['content-type'], 'image/png');
      assert.equal(up.headers['x-faafo-checksum'], createHash('sha256').update(up.body).digest('hex'));
      assert.equal(up.headers['x-faafo-generated-by'], 'test-host');
      assert.equal(Number(up.headers['content-length']), up.body.length);
      assert.ok(Number(up.headers['x-faafo-duration']) >= 0);
      const png = PNG.sync.read(up.body);
      assert.deepEqual([png.width, png.height], [t.width, t.height]);
      assert.ok(s.lines.includes(`processing task ${t.uuid}`));
      assert.ok(s.lines.some((l) => new RegExp(`^task ${t.uuid} processed in [0-9.e-]+ seconds$`).test(l)));
    }
    const withC = s.api.uploads.find((u) => u.uuid === tasks[2].uuid);
    assert.equal(Number(withC?.headers['x-faafo-cr']), -0.4);
    assert.equal(Number(withC?.headers['x-faafo-ci']), 0.6);
    assert.equal(s.api.uploads.length, 3);
    await s.close();
  },
);

test(
  '404 (row deleted) acks and drops; other 4xx drop too; 503 is retried until it succeeds',
  { timeout: 60000 },
  async () => {
    const [gone, refused, flaky] = [task(), task(), task()];
    const s = await setup((uuid, n) =>
      uuid === gone.uuid ? 404 : uuid === refused.uuid ? 400 : uuid === flaky.uuid && n < 3 ? 503 : 200,
    );
    for (const t of [gone, refused, flaky]) await s.queue.publish(t);
    await until(() => s.worker.stats.processed === 1 && s.worker.stats.dropped === 2, 'all settled');
    assert.equal(s.api.attempts.get(flaky.uuid), 3);
    assert.equal(s.api.attempts.get(gone.uuid), 1);
    assert.equal(s.api.attempts.get(refused.uuid), 1);
    assert.equal(s.worker.stats.requeued, 0);
    assert.equal(await s.queue.depth(), 0);
    assert.equal(s.renderer.calls.length, 3);
    await s.close();
  },
);

test(
  'API down longer than the retries: the task is requeued, then stored once it is back, without rendering again',
  { timeout: 60000 },
  async () => {
    let down = true;
    const t = task();
    const s = await setup(() => (down ? 503 : 200));
    await s.queue.publish(t);
    await until(() => s.worker.stats.requeued >= 1, 'requeued after 3 failed attempts');
    down = false;
    await until(() => s.worker.stats.processed === 1, 'stored after the API came back');
    assert.equal(s.renderer.calls.length, 1, 'the kept result was uploaded, not rendered again');
    assert.equal(s.api.uploads.length, 1);
    assert.equal(await s.queue.depth(), 0);
    await s.close();
  },
);

test(
  'poison tasks (float/string width, bad uuid, missing bounds) are dropped with one line, never redelivered',
  { timeout: 60000 },
  async () => {
    const s = await setup(() => 200);
    const bad = [
      { ...task(), width: 16.5 },
      { ...task(), width: '16' },
      { ...task(), uuid: 'not-a-uuid' },
      { ...task(), height: 0 },
      { ...task(), iterations: 1e9 },
      { ...task(), xa: null },
      { ...task(), cr: 'x' },
    ] as unknown as Task[];
    const good = task();
    for (const t of bad) await s.queue.publish(t);
    await s.queue.publish(good);
    await until(() => s.worker.stats.processed === 1, 'the good task');
    await until(() => s.worker.stats.dropped === bad.length, 'all poison dropped');
    assert.equal(await s.queue.depth(), 0);
    assert.equal(s.renderer.calls.length, 1);
    const drops = s.lines.filter((l) => l.startsWith('dropping task'));
    assert.equal(drops.length, bad.length);
    assert.ok(drops.some((l) => /width must be an integer/.test(l)));
    await s.close();
  },
);

test('stop() lets the task in progress finish and be stored before returning', { timeout: 60000 }, async () => {
  const s = await setup(() => 200, { delayMs: 400 });
  const [a, b] = [task(), task()];
  await s.queue.publish(a);
  await s.queue.publish(b);
  await until(() => s.lines.includes(`processing task ${a.uuid}`), 'first task started');
  await s.worker.stop();
  assert.equal(s.worker.stats.processed, 1);
  assert.deepEqual(
    s.api.uploads.map((u) => u.uuid),
    [a.uuid],
  );
  assert.equal(await s.queue.depth(), 1, 'the second task stays queued for another worker');
  await s.queue.close();
  await s.api.close();
  await s.renderer.close();
});

test('a redelivered task already stored is acked without rendering', { timeout: 60000 }, async () => {
  const t = task();
  const rendered = new Set([t.uuid]);
  const queueName = `memory:redeliver-${randomUUID()}`;
  const q = await openQueue(queueName);
  await q.publish(t);
  // A first consumer takes the task and dies without acking: the task comes back flagged redelivered.
  const first = await q.consume(async () => undefined);
  await until(async () => (await q.depth()) === 0, 'taken by the first consumer');
  await first.stop();
  const api = await stubApi(() => 200, rendered);
  const renderer = new CountingRenderer();
  const lines: string[] = [];
  const w = await startWorker({
    queue: q,
    renderer,
    endpointUrl: api.url,
    generatedBy: 'h',
    log: (l) => lines.push(l),
  });
  await until(() => w.stats.processed === 1, 'acked');
  assert.equal(renderer.calls.length, 0);
  assert.equal(api.uploads.length, 0);
  assert.ok(lines.includes(`task ${t.uuid} was already stored; acknowledging`));
  await w.stop();
  await q.close();
  await api.close();
  await renderer.close();
});

test('temp folders of dead workers are swept at start; live ones and foreign names are kept', async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'faafo-sweep-'));
  try {
    let dead = 4_000_000;
    for (;;) {
      try {
        process.kill(dead, 0);
        dead--;
      } catch {
        break;
      }
    }
    const names = [`faafo-worker-${dead}-AbC123`, `faafo-worker-${process.pid}-xYz789`, 'faafo-worker-other'];
    for (const n of names) {
      fs.mkdirSync(path.join(base, n));
      fs.writeFileSync(path.join(base, n, 'half.png'), 'x');
    }
    assert.equal(await sweepStaleTmpDirs(base), 1);
    assert.deepEqual(fs.readdirSync(base).sort(), names.slice(1).sort());
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});
