// Issue 15, the service side, against the real API on SQLite + memory queue and PostgreSQL + RabbitMQ: with a
// result secret and an API key, anonymous uploads (both paths), deletes, edits and creates are refused and the
// right secret/key is accepted; the original worker (no secret) uploads only when legacy workers are turned on,
// from the allowed networks; a flood of large creates gets 413/429/503 and leaves the backlog bounded; /metrics
// is absent on the public listener when the internal one serves it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Fractal } from '../app/types.js';
import { startWorker } from '../app/worker/index.js';
import { readQueueSignal } from '../monitoring/metrics.js';
import { backends, startApi, type RunningApi, type Stack } from './helpers/api-backends.js';
import { CountingRenderer } from './helpers/counting-renderer.js';
import { makePng } from './helpers/png.js';
import { until } from './helpers/poll.js';

const SECRET = 'worker-secret-0123456789abcdef';
const KEY = 'client-key-0123456789abcdef';
const params = { width: 40, height: 30, iterations: 64, xa: -1.5, xb: 1.5, ya: -1, yb: 1 };
const JSON_CT = { 'content-type': 'application/json' };
const auth = (key = KEY) => ({ authorization: `Bearer ${key}` });
const worker = (secret = SECRET) => ({ 'x-faafo-result-secret': secret });

const post = (base: string, headers: Record<string, string> = {}, body: object = params) =>
  fetch(`${base}/v1/fractal`, { method: 'POST', headers: { ...JSON_CT, ...headers }, body: JSON.stringify(body) });

async function created(base: string, body: object = params): Promise<Fractal> {
  const res = await post(base, auth(), body);
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()) as Fractal;
}

const rawUpload = (base: string, uuid: string, png: { bytes: Buffer; checksum: string }, headers = {}) =>
  fetch(`${base}/v1/fractal/${uuid}/image`, {
    method: 'PUT',
    headers: { 'content-type': 'image/png', 'x-faafo-checksum': png.checksum, ...headers },
    body: png.bytes,
  });

/** The original worker's result (faafo/worker/service.py): base64 `image`, no secret. */
const legacyUpload = (base: string, uuid: string, png: { bytes: Buffer; checksum: string }, headers = {}) =>
  fetch(`${base}/v1/fractal/${uuid}`, {
    method: 'PUT',
    headers: { ...JSON_CT, ...headers },
    body: JSON.stringify({
      uuid,
      duration: 0.5,
      image: png.bytes.toString('base64'),
      checksum: png.checksum,
      size: png.bytes.length,
      generated_by: 'original-worker',
    }),
  });

const message = async (res: Response) => ((await res.json()) as { message: string }).message;

async function row(stack: Stack, uuid: string) {
  return stack.repo.get(uuid);
}

for (const backend of backends.filter((b) => !b.name.startsWith('mariadb'))) {
  describe(`who may write, on ${backend.name}`, { timeout: 300_000 }, () => {
    let stack: Stack;
    let api: RunningApi;
    before(async () => {
      stack = await backend.setup();
      api = await startApi(stack, {
        republish: { enabled: false },
        access: { resultSecret: SECRET, apiKey: KEY },
      });
    });
    after(async () => {
      await api?.app.close();
      await stack?.dispose();
    });

    test('anonymous create, edit and delete are 401; the API key is accepted', async () => {
      const anon = await post(api.base);
      assert.equal(anon.status, 401);
      assert.match(await message(anon), /API key.*Authorization: Bearer/);
      const wrong = await post(api.base, auth('not-the-key-but-long-enough'));
      assert.equal(wrong.status, 401);
      assert.equal((await stack.repo.list(0, 100)).total, 0, 'nothing stored by refused creates');

      const f = await created(api.base);
      const edit = (headers: Record<string, string>) =>
        fetch(`${api.base}/v1/fractal/${f.uuid}`, {
          method: 'PUT',
          headers: { ...JSON_CT, ...headers },
          body: JSON.stringify({ iterations: 99 }),
        });
      assert.equal((await edit({})).status, 401);
      assert.equal((await edit(worker())).status, 401, "the workers' secret is not a client's key");
      assert.equal((await row(stack, f.uuid))?.iterations, params.iterations);
      assert.equal((await edit(auth())).status, 200);
      assert.equal((await row(stack, f.uuid))?.iterations, 99);

      const del = (headers: Record<string, string>) =>
        fetch(`${api.base}/v1/fractal/${f.uuid}`, { method: 'DELETE', headers });
      assert.equal((await del({})).status, 401);
      assert.ok(await row(stack, f.uuid), 'still there');
      assert.equal((await del(auth())).status, 204);
      assert.equal(await row(stack, f.uuid), undefined);
      // Reads stay public.
      assert.equal((await fetch(`${api.base}/v1/fractal`)).status, 200);
    });

    test("result uploads (both paths) need the workers' secret; the key or a wrong secret is refused", async () => {
      const f = await created(api.base);
      const png = makePng(params.width, params.height, 7);
      for (const headers of [{}, auth(), worker('a-wrong-secret-of-some-length')]) {
        const raw = await rawUpload(api.base, f.uuid, png, headers);
        assert.equal(raw.status, 401, JSON.stringify(Object.keys(headers)));
        assert.match(await message(raw), /secret/);
        const legacy = await legacyUpload(api.base, f.uuid, png, headers);
        assert.equal(legacy.status, 401, `legacy PUT with ${JSON.stringify(Object.keys(headers))}`);
      }
      assert.equal((await row(stack, f.uuid))?.checksum, null, 'nothing stored');
      assert.equal(await stack.images.get(f.uuid), undefined);

      const ok = await rawUpload(api.base, f.uuid, png, worker());
      assert.equal(ok.status, 200, await ok.clone().text());
      assert.equal((await row(stack, f.uuid))?.checksum, png.checksum);

      const g = await created(api.base);
      const legacyOk = await legacyUpload(api.base, g.uuid, png, worker());
      assert.equal(legacyOk.status, 200, await legacyOk.clone().text());
      assert.equal((await row(stack, g.uuid))?.checksum, png.checksum);
    });

    test('a real worker with the secret stores its result; one without it hands the task back', async () => {
      const renderer = new CountingRenderer(0, 2);
      const lines: string[] = [];
      const withSecret = () =>
        startWorker({
          queue: stack.queue,
          renderer,
          endpointUrl: api.base,
          generatedBy: 'with-secret',
          resultSecret: SECRET,
          log: () => undefined,
        });
      // Tasks left by the tests before (rows deleted or stored) are settled first, so the one below is alone.
      const drain = await withSecret();
      await until(async () => (await stack.queue.depth()) === 0, 'the queue drained', 120_000);
      await drain.stop();
      const without = await startWorker({
        queue: stack.queue,
        renderer,
        endpointUrl: api.base,
        generatedBy: 'no-secret',
        log: (l) => lines.push(l),
        attempts: 1,
      });
      const f = await created(api.base);
      try {
        const handedBack = (l: string) => l.includes(f.uuid) && /returning it to the queue/.test(l);
        await until(() => lines.some(handedBack), 'the refused upload handed back', 60_000).catch((e: Error) => {
          throw new Error(`${e.message}; the worker said:\n${lines.join('\n')}`);
        });
        assert.ok(
          lines.some((l) => l.includes(f.uuid) && /401/.test(l)),
          lines.join('\n'),
        );
        assert.ok(!lines.some((l) => l.includes(f.uuid) && /dropping/.test(l)), 'a refused upload is not dropped');
      } finally {
        await without.stop();
      }
      assert.equal((await row(stack, f.uuid))?.checksum, null);
      const good = await withSecret();
      try {
        await until(
          async () => (await row(stack, f.uuid))?.checksum != null,
          'the result stored by the worker with the secret',
          120_000,
        );
        assert.equal((await row(stack, f.uuid))?.generated_by, 'with-secret');
      } finally {
        await good.stop();
        await renderer.close();
      }
    });

    test("the original worker's upload (no secret) only when legacy workers are on, from the allowed networks", async () => {
      const png = makePng(params.width, params.height, 9);
      const modes = [
        { legacyWorkers: true, legacyWorkerCidrs: ['127.0.0.0/8'], stored: true },
        { legacyWorkers: true, legacyWorkerCidrs: ['10.0.0.0/8', 'fd00::/8'], stored: false },
        { legacyWorkers: false, stored: false },
        { stored: false }, // a secret without the opt-in: legacy workers are off
      ];
      for (const { stored, ...mode } of modes) {
        const legacy = await startApi(stack, {
          republish: { enabled: false },
          access: { resultSecret: SECRET, apiKey: KEY, ...mode },
        });
        try {
          const f = await created(legacy.base);
          const res = await legacyUpload(legacy.base, f.uuid, png);
          assert.equal(res.status, stored ? 200 : 401, `${JSON.stringify(mode)}: ${await res.clone().text()}`);
          assert.equal((await row(stack, f.uuid))?.checksum ?? null, stored ? png.checksum : null);
          // A spoofed X-Forwarded-For does not make an outsider a legacy worker.
          if (!stored) {
            const spoof = await legacyUpload(legacy.base, f.uuid, png, { 'x-forwarded-for': '10.0.0.5' });
            assert.equal(spoof.status, 401);
          }
        } finally {
          await legacy.app.close();
        }
      }
    });

    test('anonymous writes as an opt-in: creates and deletes without the key, results still need the secret', async () => {
      const open = await startApi(stack, {
        republish: { enabled: false },
        access: { resultSecret: SECRET, apiKey: KEY, anonymousWrites: true },
      });
      try {
        const res = await post(open.base);
        assert.equal(res.status, 201);
        const f = (await res.json()) as Fractal;
        assert.equal((await post(open.base, auth('a-wrong-key-of-some-length'))).status, 401, 'a wrong key is wrong');
        const png = makePng(params.width, params.height, 3);
        assert.equal((await rawUpload(open.base, f.uuid, png)).status, 401);
        assert.equal((await legacyUpload(open.base, f.uuid, png)).status, 401);
        assert.equal((await fetch(`${open.base}/v1/fractal/${f.uuid}`, { method: 'DELETE' })).status, 204);
      } finally {
        await open.app.close();
      }
    });

    test('a non-worker cannot make the API read a large legacy body (refused from its length, or capped)', async () => {
      const f = await created(api.base);
      const big = Buffer.alloc(4 * 1024 * 1024, 0x41).toString(); // far over the 16 KiB create limit
      const body = JSON.stringify({ image: big, checksum: '0'.repeat(64) });
      const sized = await fetch(`${api.base}/v1/fractal/${f.uuid}`, {
        method: 'PUT',
        headers: { ...JSON_CT, ...auth() },
        body,
      });
      assert.equal(sized.status, 401);
      // Chunked (no content-length): the body stops at the create limit.
      const chunked = await fetch(`${api.base}/v1/fractal/${f.uuid}`, {
        method: 'PUT',
        headers: { ...JSON_CT, ...auth() },
        body: new Blob([body]).stream(),
        duplex: 'half',
      } as RequestInit);
      assert.equal(chunked.status, 413, await chunked.clone().text());
      assert.match(await message(chunked), /larger than the limit of 16384 bytes/);
    });

    test('a flood of large creates: 413 over the work limit, 429 per client, 503 + Retry-After past the backlog', async () => {
      const maxWork = 1000 * 1000 * 100;
      const budgeted = await startApi(stack, {
        republish: { enabled: false },
        access: { apiKey: KEY },
        budget: { maxWork, writesPerMinute: 40, maxBacklog: 15, retryAfterS: 20 },
      });
      try {
        const huge = await post(budgeted.base, auth(), { ...params, width: 16384, height: 16384, iterations: 100000 });
        assert.equal(huge.status, 413);
        assert.match(
          await message(huge),
          /too much work: 16384 x 16384 pixels x 100000 iterations .* limit of 100000000/,
        );
        const before = (await stack.repo.counts()).pending;
        const depthBefore = await stack.queue.depth();
        // At the work limit: each is allowed alone, but not 60 of them at once.
        const large = { ...params, width: 1000, height: 1000, iterations: 100 };
        const answers = await Promise.all(Array.from({ length: 60 }, () => post(budgeted.base, auth(), large)));
        const statuses = answers.map((r) => r.status);
        const count = (s: number) => statuses.filter((x) => x === s).length;
        assert.deepEqual(
          statuses.filter((s) => ![201, 413, 429, 503].includes(s)),
          [],
          `only 201/413/429/503: ${statuses.join(',')}`,
        );
        // 60 answers (one counted above as 413): 40 within the minute's allowance, 20 over it.
        assert.equal(count(429), 60 - 39, statuses.join(','));
        assert.ok(count(503) > 0, statuses.join(','));
        const full = answers.find((r) => r.status === 503)!;
        assert.equal(full.headers.get('retry-after'), '20');
        assert.match(await message(full), /render queue is full \(15 fractals waiting\)/);
        const limited = answers.find((r) => r.status === 429)!;
        assert.ok(Number(limited.headers.get('retry-after')) > 0);
        assert.match(await message(limited), /Too many writes from this client: at most 40 per minute/);
        const pending = (await stack.repo.counts()).pending;
        assert.ok(pending <= 15, `backlog ${pending} stays within 15 (was ${before})`);
        assert.equal(count(201), pending - before);
        const depth = await stack.queue.depth();
        assert.ok(depth <= depthBefore + count(201), `queue ${depth} grew by at most the ${count(201)} admitted`);
      } finally {
        await budgeted.app.close();
      }
    });

    test('behind a balancer, a client cannot dodge the write rate with made-up X-Forwarded-For entries', async () => {
      const lb = await startApi(stack, {
        republish: { enabled: false },
        trustProxy: true,
        budget: { writesPerMinute: 3 },
      });
      try {
        // The balancer appends the client's real address last; the client wrote the first entry itself.
        const from = (spoof: string, real: string) => post(lb.base, { 'x-forwarded-for': `${spoof}, ${real}` });
        const statuses = [];
        for (let i = 0; i < 5; i++) statuses.push((await from(`198.51.100.${i}`, '203.0.113.7')).status);
        assert.deepEqual(statuses, [201, 201, 201, 429, 429]);
        assert.equal((await from('198.51.100.9', '203.0.113.8')).status, 201, 'another client has its own allowance');
      } finally {
        await lb.app.close();
      }
    });

    test('/metrics only on the internal listener when it is set; the queue scaler reads it there', async () => {
      const split = await startApi(stack, { republish: { enabled: false }, internalListener: true });
      try {
        const pub = await fetch(`${split.base}/metrics`);
        assert.equal(pub.status, 404);
        await pub.body?.cancel();
        assert.equal((await fetch(`${split.base}/healthz`)).status, 200, 'health stays on the public listener');
        const internal = split.app.internal!;
        await internal.listen({ port: 0, host: '127.0.0.1' });
        const url = `http://127.0.0.1:${(internal.server.address() as AddressInfo).port}`;
        const text = await (await fetch(`${url}/metrics`)).text();
        assert.match(text, /^faafo_queue_depth /m);
        const signal = await readQueueSignal(url);
        assert.equal(signal.pending, (await stack.repo.counts()).pending);
        await assert.rejects(readQueueSignal(split.base), /404/);
      } finally {
        await split.app.close();
      }
    });
  });
}
