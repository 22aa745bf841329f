// The load engine against the real fractal API (buildApi over SQLite, the memory queue and a file image store):
// api mode through autocannon (counts, mix, latency percentiles, per-interval timeline, files), tasks mode with an
// in-test consumer that uploads results by contract C1 (backlog, completion, exactly the tasks sent), and errors
// counted by kind against a closed port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { buildApi } from '../app/api/server.js';
import { openRepository } from '../app/db/index.js';
import { openImageStore } from '../app/images/index.js';
import { openQueue } from '../app/queue/index.js';
import { runLoad } from '../src/load/run.js';
import { parseMix, mixSequence, parseSize } from '../src/load/mix.js';
import { percentile } from '../src/load/stats.js';
import { freePort } from '../src/local/procs.js';

async function api() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'faafo-load-'));
  const repo = await openRepository(`sqlite:${path.join(dir, 'db.sqlite')}`);
  await repo.migrate();
  const queue = await openQueue(`memory:load-${path.basename(dir)}`);
  const images = await openImageStore(`file:${path.join(dir, 'images')}`);
  const app = buildApi({ repo, queue, images, processMetrics: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    dir,
    url,
    queue,
    async close() {
      await app.close();
      await queue.close();
      await repo.close();
      await images.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

test('mix and size parsing, percentiles', () => {
  assert.deepEqual(parseMix('list=70,get=25,create=5'), { list: 70, get: 25, create: 5 });
  assert.throws(() => parseMix('list=a'), /bad --mix entry "list=a"/);
  assert.throws(() => parseMix('list=0'), /no weight/);
  const seq = mixSequence({ list: 70, get: 25, create: 5 }, 20);
  assert.deepEqual([seq.filter((k) => k === 'list').length, seq.filter((k) => k === 'get').length, seq.filter((k) => k === 'create').length], [14, 5, 1]);
  assert.notDeepEqual(seq.slice(0, 5), ['list', 'list', 'list', 'list', 'list'], 'interleaved');
  assert.deepEqual(parseSize('512x256@128'), { width: 512, height: 256, iterations: 128 });
  assert.throws(() => parseSize('512'), /bad --size/);
  assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50), 5);
  assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99), 10);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('api mode: open loop at a rate over a duration, mix, percentiles, timeline and files', { timeout: 120_000 }, async () => {
  const a = await api();
  try {
    const out = path.join(a.dir, 'out');
    const r = await runLoad({
      url: a.url,
      mode: 'api',
      rate: 40,
      durationS: 4,
      timeoutS: 10,
      mix: { list: 60, get: 30, create: 10 },
      size: { width: 32, height: 32, iterations: 64 },
      intervalS: 1,
      drainTimeoutS: 0,
      settleS: 0,
      outDir: out,
    });
    assert.equal(r.requests.errors, 0, JSON.stringify(r.requests.errorsByKind));
    // 40/s for 4 s, evenly spaced: 160 requests (the schedule sends the first at t=0).
    assert.ok(r.requests.responses >= 150 && r.requests.responses <= 162, `responses ${r.requests.responses}`);
    const kinds = r.apiByKind!;
    assert.ok(kinds.list > kinds.get && kinds.get > kinds.create && kinds.create > 0, JSON.stringify(kinds));
    assert.ok(r.latencyMs.p50 <= r.latencyMs.p90 && r.latencyMs.p90 <= r.latencyMs.p99 && r.latencyMs.p99 <= r.latencyMs.max);
    assert.ok(r.timeline.length >= 4);
    assert.equal(r.timeline.reduce((s, row) => s + row.responses, 0), r.requests.responses, 'every response in one interval');
    const csv = await readFile(path.join(out, 'timeline.csv'), 'utf8');
    assert.equal(csv.trim().split('\n').length, r.timeline.length + 1);
    const json = JSON.parse(await readFile(path.join(out, 'timeline.json'), 'utf8'));
    assert.equal(json.requests.responses, r.requests.responses);
    const svg = await readFile(path.join(out, 'chart.svg'), 'utf8');
    assert.match(svg, /^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /latency \(ms\)/);
  } finally {
    await a.close();
  }
});

test('api mode --rate max: autocannon closed loop, bounded by --max-requests', { timeout: 120_000 }, async () => {
  const a = await api();
  try {
    const r = await runLoad({
      url: a.url,
      mode: 'api',
      rate: 'max',
      connections: 4,
      durationS: 20,
      maxRequests: 300,
      timeoutS: 10,
      mix: { list: 1, get: 1, create: 0 },
      size: {},
      intervalS: 1,
      drainTimeoutS: 0,
      settleS: 0,
    });
    assert.equal(r.requests.errors, 0, JSON.stringify(r.requests.errorsByKind));
    assert.ok(r.requests.responses >= 300 && r.requests.responses <= 304, `responses ${r.requests.responses}`);
    assert.ok(r.apiByKind!.list > 100 && r.apiByKind!.get > 100, JSON.stringify(r.apiByKind));
    assert.ok(r.loadS < 20, 'stopped at max-requests');
  } finally {
    await a.close();
  }
});

test('tasks mode: open-loop creation, backlog, completion of exactly the tasks sent', { timeout: 120_000 }, async () => {
  const a = await api();
  // A consumer that answers each task by contract C1, a little slower than the arrival rate so a backlog forms.
  // The rows' own size: the API checks the PNG's IHDR against the row.
  const png = PNG.sync.write(new PNG({ width: 16, height: 16 }));
  const sum = createHash('sha256').update(png).digest('hex');
  const seen: string[] = [];
  const consumer = await a.queue.consume(async (h) => {
    await new Promise((r) => setTimeout(r, 300));
    const res = await fetch(`${a.url}/v1/fractal/${h.task.uuid}/image`, {
      method: 'PUT',
      headers: { 'content-type': 'image/png', 'x-faafo-checksum': sum, 'x-faafo-duration': '0.3', 'x-faafo-generated-by': 'test' },
      body: png,
    });
    assert.equal(res.status, 200);
    seen.push(h.task.uuid);
    await h.ack();
  });
  try {
    const r = await runLoad({
      url: a.url,
      mode: 'tasks',
      rate: 5,
      durationS: 30,
      maxRequests: 10,
      timeoutS: 10,
      mix: { list: 0, get: 0, create: 1 },
      size: { width: 16, height: 16, iterations: 64 },
      intervalS: 1,
      drainTimeoutS: 60,
      settleS: 0,
    });
    assert.equal(r.requests.sent, 10, 'bounded by --max-requests');
    assert.ok(r.loadS < 10, `stopped sending at max-requests, not duration (${r.loadS} s)`);
    assert.equal(r.tasks!.accepted, 10);
    assert.equal(r.tasks!.completed, 10);
    assert.equal(r.tasks!.drained, true);
    assert.deepEqual([...seen].sort(), [...r.tasks!.uuids].sort(), 'exactly the tasks sent were consumed');
    assert.deepEqual(r.tasks!.byWorker, { test: 10 });
    assert.ok(Math.max(...r.timeline.map((row) => row.backlog ?? 0)) >= 2, `a backlog formed: ${JSON.stringify(r.timeline)}`);
    assert.equal(r.timeline.at(-1)!.backlog, 0);
    assert.ok(r.tasks!.completionS.p50 >= 0.3);
  } finally {
    await consumer.stop();
    await a.close();
  }
});

test('errors are counted by kind: connection refused', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const r = await runLoad({
    url: `http://127.0.0.1:${port}`,
    mode: 'tasks',
    rate: 10,
    durationS: 1,
    timeoutS: 5,
    mix: { list: 0, get: 0, create: 1 },
    size: {},
    intervalS: 1,
    drainTimeoutS: 0,
    settleS: 0,
  });
  assert.equal(r.requests.responses, 0);
  assert.equal(r.requests.errors, r.requests.sent);
  assert.ok((r.requests.errorsByKind.ECONNREFUSED ?? 0) >= 5, JSON.stringify(r.requests.errorsByKind));
});
