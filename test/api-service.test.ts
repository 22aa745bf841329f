// The fractal API against real backends: the same suite on SQLite + memory queue, PostgreSQL + RabbitMQ and
// MariaDB + RabbitMQ. Covers the REST routes, the task on the queue, result uploads (C1 and legacy), images,
// readiness and metrics, and outages of the queue and the database (503, no orphan row, recovery by itself).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { openQueue } from '../app/queue/index.js';
import type { Fractal } from '../app/types.js';
import { backends, collectTasks, eventually, startApi, type RunningApi, type Stack } from './helpers/api-backends.js';
import { makePng } from './helpers/png.js';

const params = { width: 64, height: 48, iterations: 128, xa: -1.5, xb: 1.5, ya: -1, yb: 1 };

async function post(base: string, body: unknown): Promise<Response> {
  return fetch(`${base}/v1/fractal`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/plain' },
    body: JSON.stringify(body),
  });
}

async function upload(
  base: string,
  uuid: string,
  png: { bytes: Buffer; checksum: string },
  extra: Record<string, string> = {},
) {
  return fetch(`${base}/v1/fractal/${uuid}/image`, {
    method: 'PUT',
    headers: {
      'content-type': 'image/png',
      'x-faafo-checksum': png.checksum,
      'x-faafo-duration': '1.5',
      'x-faafo-generated-by': 'worker-a',
      ...extra,
    },
    body: png.bytes,
  });
}

for (const backend of backends) {
  describe(`API on ${backend.name}`, { timeout: 300_000 }, () => {
    let stack: Stack;
    let api: RunningApi;
    before(async () => {
      stack = await backend.setup();
      api = await startApi(stack, { republish: { enabled: true, everyMs: 3_600_000, afterMs: 0 } });
    });
    after(async () => {
      await api?.app.close();
      await stack?.dispose();
    });

    test('POST creates the row, answers 201 + Location, and publishes the task (the row without image)', async () => {
      const uuid = randomUUID();
      const res = await post(api.base, { uuid, ...params });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('location'), `${api.base}/v1/fractal/${uuid}`);
      const body = (await res.json()) as Fractal;
      assert.deepEqual(body, {
        uuid,
        ...params,
        checksum: null,
        url: null,
        duration: null,
        size: null,
        generated_by: null,
        cr: null,
        ci: null,
      });
      const tasks = await collectTasks(stack.directQueueUrl, (t) => t.some((x) => x.uuid === uuid));
      const task = tasks.find((t) => t.uuid === uuid);
      assert.deepEqual(task, body);
      assert.ok(Number.isInteger(task!.width) && Number.isInteger(task!.iterations));
      const got = await fetch(`${api.base}/v1/fractal/${uuid}`);
      assert.equal(got.status, 200);
      assert.deepEqual(await got.json(), body);
    });

    test('POST without uuid gets a server-generated one; cr/ci are accepted and kept', async () => {
      const res = await post(api.base, { ...params, cr: -0.8, ci: 0.156 });
      assert.equal(res.status, 201);
      const body = (await res.json()) as Fractal;
      assert.match(body.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(body.cr, -0.8);
      assert.equal(body.ci, 0.156);
      const dup = await post(api.base, { uuid: body.uuid, ...params });
      assert.equal(dup.status, 409);
      assert.match(((await dup.json()) as { message: string }).message, /already exists/);
    });

    test('list: Flask-Restless envelope, uuid order, page size rules and Link header', async () => {
      for (let i = 0; i < 12; i++) assert.equal((await post(api.base, params)).status, 201);
      const all: Fractal[] = [];
      const first = (await (await fetch(`${api.base}/v1/fractal?results_per_page=100`)).json()) as {
        num_results: number;
        objects: Fractal[];
        page: number;
        total_pages: number;
      };
      all.push(...first.objects);
      assert.ok(first.num_results >= 14);
      assert.equal(first.page, 1);
      assert.equal(first.total_pages, 1);
      const uuids = all.map((f) => f.uuid);
      assert.deepEqual(uuids, [...uuids].sort(), 'ordered by uuid ascending');

      const res = await fetch(`${api.base}/v1/fractal`);
      const page1 = (await res.json()) as { num_results: number; objects: Fractal[]; total_pages: number };
      assert.equal(page1.objects.length, 10, 'default 10 per page');
      assert.equal(page1.total_pages, Math.ceil(page1.num_results / 10));
      assert.equal(
        res.headers.get('link'),
        `<${api.base}/v1/fractal?page=2&results_per_page=10>; rel="next", ` +
          `<${api.base}/v1/fractal?page=${page1.total_pages}&results_per_page=10>; rel="last"`,
      );
      const page2 = (await (await fetch(`${api.base}/v1/fractal?page=2`)).json()) as {
        objects: Fractal[];
        page: number;
      };
      assert.equal(page2.page, 2);
      assert.deepEqual(
        page2.objects.map((f) => f.uuid),
        uuids.slice(10, 20),
      );
      for (const [rpp, expected] of [
        ['0', 10],
        ['-5', 10],
        ['abc', 10],
        ['1000', 100],
        ['3', 3],
      ] as const) {
        const r = (await (await fetch(`${api.base}/v1/fractal?results_per_page=${rpp}`)).json()) as {
          objects: Fractal[];
        };
        assert.equal(r.objects.length, Math.min(expected, first.num_results), `results_per_page=${rpp}`);
      }
      const slash = (await (await fetch(`${api.base}/v1/fractal/?results_per_page=100`)).json()) as {
        objects: Fractal[];
      };
      assert.deepEqual(
        slash.objects.map((f) => f.uuid),
        uuids,
        'a trailing slash is the same collection',
      );
      const beyond = (await (await fetch(`${api.base}/v1/fractal?page=999`)).json()) as {
        objects: Fractal[];
        page: number;
      };
      assert.deepEqual(beyond.objects, []);
      assert.equal(beyond.page, 999);
    });

    test('result upload (C1): stored once, checksum verified, served byte-identical, counted in metrics', async () => {
      const uuid = randomUUID();
      assert.equal((await post(api.base, { uuid, ...params })).status, 201);
      assert.deepEqual(await (await fetch(`${api.base}/fractal/${uuid}`)).json(), {
        code: 404,
        message: 'Fractal not found',
      });

      const png = makePng(64, 48, 3);
      const bad = await upload(api.base, uuid, { bytes: png.bytes, checksum: 'f'.repeat(64) });
      assert.equal(bad.status, 400);
      assert.match(((await bad.json()) as { message: string }).message, /Checksum mismatch/);
      assert.equal(((await (await fetch(`${api.base}/v1/fractal/${uuid}`)).json()) as Fractal).checksum, null);
      assert.equal((await fetch(`${api.base}/fractal/${uuid}`)).status, 404, 'nothing stored after a mismatch');

      // Numbers as the worker writes them with String(n): many digits, exponents.
      const ok = await upload(api.base, uuid, png, {
        'x-faafo-cr': String(-0.4),
        'x-faafo-ci': String(0.1 + 0.5),
        'x-faafo-duration': String(1.5),
      });
      assert.equal(ok.status, 200);
      const row = (await ok.json()) as Fractal;
      assert.equal(row.checksum, png.checksum);
      assert.equal(row.size, png.bytes.length);
      assert.equal(row.duration, 1.5);
      assert.equal(row.generated_by, 'worker-a');
      assert.equal(row.cr, -0.4);
      assert.equal(row.ci, 0.1 + 0.5);

      // A redelivered task's second upload (another rendering) is discarded: stored once.
      const again = await upload(api.base, uuid, makePng(64, 48, 4), { 'x-faafo-generated-by': 'worker-b' });
      assert.equal(again.status, 200);
      assert.deepEqual(await again.json(), row);

      const img = await fetch(`${api.base}/fractal/${uuid}`);
      assert.equal(img.status, 200);
      assert.equal(img.headers.get('content-type'), 'image/png');
      assert.ok(Buffer.from(await img.arrayBuffer()).equals(png.bytes));

      const unknown = await upload(api.base, randomUUID(), png);
      assert.equal(unknown.status, 404);
      assert.ok(((await unknown.json()) as { message: string }).message);

      const metrics = await (await fetch(`${api.base}/metrics`)).text();
      assert.match(metrics, /faafo_fractals_stored_total\{generated_by="worker-a"\} 1\b/);
      assert.doesNotMatch(metrics, /generated_by="worker-b"/);
      assert.match(metrics, /faafo_render_seconds_count 1\b/);
      assert.match(metrics, /faafo_fractals_done 1\b/);
      assert.match(metrics, /faafo_fractals_pending \d+/);
      assert.match(metrics, /faafo_queue_depth \d+/);
      assert.match(
        metrics,
        /faafo_http_requests_total\{route="\/v1\/fractal\/:uuid\/image",method="PUT",status="200"\} 2\b/,
      );
      assert.match(
        metrics,
        /faafo_http_request_duration_seconds_bucket\{le="[^"]+",route="\/v1\/fractal",method="POST",status="201"\}/,
      );
    });

    test('two uploads for one uuid at the same time (a redelivered task): one is stored, image and row agree', async () => {
      const uuid = randomUUID();
      assert.equal((await post(api.base, { uuid, ...params })).status, 201);
      const a = makePng(64, 48, 21);
      const b = makePng(64, 48, 22);
      const [ra, rb] = await Promise.all([
        upload(api.base, uuid, a),
        upload(api.base, uuid, b, { 'x-faafo-generated-by': 'worker-b' }),
      ]);
      assert.equal(ra.status, 200);
      assert.equal(rb.status, 200);
      const [ja, jb] = (await Promise.all([ra.json(), rb.json()])) as Fractal[];
      assert.deepEqual(ja, jb, 'both answers carry the one stored row');
      const img = Buffer.from(await (await fetch(`${api.base}/fractal/${uuid}`)).arrayBuffer());
      const winner = ja!.checksum === a.checksum ? a : b;
      assert.equal(ja!.checksum, winner.checksum);
      assert.ok(img.equals(winner.bytes), 'the served image is the one whose checksum is stored');
    });

    test('two API nodes storing one fractal at the same moment: the row always describes the served image', async () => {
      const other = await startApi(stack, { republish: { enabled: false } });
      try {
        for (let i = 0; i < 12; i++) {
          const uuid = randomUUID();
          assert.equal((await post(api.base, { uuid, ...params, width: 300, height: 300 })).status, 201);
          const a = makePng(300, 300, 100 + 2 * i);
          const b = makePng(300, 300, 101 + 2 * i);
          const [ra, rb] = await Promise.all([upload(api.base, uuid, a), upload(other.base, uuid, b)]);
          assert.deepEqual([ra.status, rb.status], [200, 200]);
          const row = (await (await fetch(`${other.base}/v1/fractal/${uuid}`)).json()) as Fractal;
          assert.ok(row.checksum === a.checksum || row.checksum === b.checksum);
          const img = Buffer.from(await (await fetch(`${api.base}/fractal/${uuid}`)).arrayBuffer());
          assert.equal(createHash('sha256').update(img).digest('hex'), row.checksum, `round ${i}`);
          assert.equal(row.size, img.length);
        }
      } finally {
        await other.app.close();
      }
    });

    test("the original worker's base64 PUT stores the image in the image store", async () => {
      const uuid = randomUUID();
      assert.equal((await post(api.base, { uuid, ...params })).status, 201);
      const png = makePng(64, 48, 9);
      const res = await fetch(`${api.base}/v1/fractal/${uuid}`, {
        method: 'PUT',
        headers: { 'Content-type': 'application/json', Accept: 'text/plain' },
        body: JSON.stringify({
          uuid,
          duration: 0.25,
          image: png.bytes.toString('base64'),
          checksum: png.checksum,
          size: png.bytes.length,
          generated_by: 'old-worker',
        }),
      });
      assert.equal(res.status, 200);
      const row = (await res.json()) as Fractal;
      assert.equal(row.checksum, png.checksum);
      assert.equal(row.generated_by, 'old-worker');
      assert.equal(await stack.repo.getLegacyImage(uuid), undefined, 'not in the legacy DB column');
      const img = await fetch(`${api.base}/fractal/${uuid}`);
      assert.ok(Buffer.from(await img.arrayBuffer()).equals(png.bytes));
    });

    test('rows stored by the original faafo (base64 in the image column) are still served', async () => {
      const uuid = randomUUID();
      const png = makePng(5, 5, 2);
      await stack.repo.insert({
        uuid,
        ...params,
        checksum: null,
        url: null,
        duration: null,
        size: null,
        generated_by: null,
      });
      await stack.repo.update(uuid, { checksum: png.checksum, size: png.bytes.length, duration: 1, generated_by: 'x' });
      await stack.repo.setLegacyImage(uuid, png.bytes.toString('base64'));
      const img = await fetch(`${api.base}/fractal/${uuid}`);
      assert.equal(img.status, 200);
      assert.ok(Buffer.from(await img.arrayBuffer()).equals(png.bytes));
    });

    test('PUT partial update and DELETE (image removed too)', async () => {
      const uuid = randomUUID();
      assert.equal((await post(api.base, { uuid, ...params })).status, 201);
      const put = await fetch(`${api.base}/v1/fractal/${uuid}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ iterations: 99, generated_by: 'someone' }),
      });
      assert.equal(put.status, 200);
      assert.equal(((await put.json()) as Fractal).iterations, 99);
      const badBounds = await fetch(`${api.base}/v1/fractal/${uuid}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ xa: 5 }),
      });
      assert.equal(badBounds.status, 400);
      assert.equal((await upload(api.base, uuid, makePng(64, 48))).status, 200);
      const del = await fetch(`${api.base}/v1/fractal/${uuid}`, { method: 'DELETE' });
      assert.equal(del.status, 204);
      assert.equal(await del.text(), '');
      assert.equal((await fetch(`${api.base}/v1/fractal/${uuid}`)).status, 404);
      assert.equal((await fetch(`${api.base}/v1/fractal/${uuid}`, { method: 'DELETE' })).status, 404);
      assert.equal(await stack.images.get(uuid), undefined);
    });

    test('a row whose task was never confirmed is re-published', async () => {
      const uuid = randomUUID();
      // As if an API node died between inserting the row and publishing its task.
      await stack.repo.insert({
        uuid,
        ...params,
        checksum: null,
        url: null,
        duration: null,
        size: null,
        generated_by: null,
      });
      const collecting = collectTasks(stack.directQueueUrl, (t) => t.some((x) => x.uuid === uuid));
      assert.ok((await api.app.republisher!.runOnce()) >= 1);
      const tasks = await collecting;
      assert.ok(tasks.some((t) => t.uuid === uuid));
      assert.equal(await api.app.republisher!.runOnce(), 0, 'published once, then marked');
    });

    test('healthz and readyz', async () => {
      assert.deepEqual(await (await fetch(`${api.base}/healthz`)).json(), { status: 'ok' });
      const ready = await fetch(`${api.base}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(((await ready.json()) as { down: string[] }).down, []);
    });

    test('queue down: POST answers 503 JSON and keeps no row; readyz names the queue', async () => {
      if (!stack.queueProxy) {
        // The embedded queue cannot fail on its own: give a second API a closed handle of it.
        const closed = await openQueue(stack.queueUrl);
        await closed.close();
        const other = await startApi({ ...stack, queue: closed }, { republish: { enabled: false } });
        try {
          await assertQueueDown(other.base);
        } finally {
          await other.app.close();
        }
        return;
      }
      await stack.queueProxy.down();
      try {
        await assertQueueDown(api.base);
      } finally {
        await stack.queueProxy.up();
      }
      // The queue reconnects by itself and POST works again.
      assert.ok(await eventually(async () => (await post(api.base, params)).status === 201, 90_000, 500));
      assert.equal((await fetch(`${api.base}/readyz`)).status, 200);
    });

    async function assertQueueDown(base: string) {
      const uuid = randomUUID();
      const res = await post(base, { uuid, ...params });
      assert.equal(res.status, 503);
      const body = (await res.json()) as { message: string; dependency: string };
      assert.equal(body.dependency, 'queue');
      assert.match(body.message, /queue unavailable/);
      assert.equal(await stack.repo.get(uuid), undefined, 'no orphan row');
      const ready = await fetch(`${base}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(((await ready.json()) as { down: string[] }).down, ['queue']);
    }

    // SQLite is a local file and cannot become unreachable: this one runs on the server databases.
    if (backend.servers)
      test('database down: routes answer 503 JSON, readyz names the database, and the API recovers by itself', async () => {
        const dbProxy = stack.dbProxy!;
        const uuid = randomUUID();
        assert.equal((await post(api.base, { uuid, ...params })).status, 201);
        await dbProxy.down();
        try {
          for (const [method, url, body] of [
            ['GET', '/v1/fractal', undefined],
            ['GET', `/v1/fractal/${uuid}`, undefined],
            ['POST', '/v1/fractal', params],
            ['GET', `/fractal/${uuid}`, undefined],
            ['GET', '/', undefined],
          ] as const) {
            const res = await fetch(`${api.base}${url}`, {
              method,
              headers: body ? { 'content-type': 'application/json' } : {},
              body: body ? JSON.stringify(body) : undefined,
            });
            assert.equal(res.status, 503, `${method} ${url}`);
            if (url === '/') {
              // The gallery is opened in browsers: its 503 is a page with the same words.
              assert.match(String(res.headers.get('content-type')), /^text\/html/);
              assert.match(await res.text(), /database unavailable, try again later/);
            } else assert.equal(((await res.json()) as { dependency: string }).dependency, 'database');
          }
          const ready = await fetch(`${api.base}/readyz`);
          assert.equal(ready.status, 503);
          assert.deepEqual(((await ready.json()) as { down: string[] }).down, ['database']);
          assert.equal((await fetch(`${api.base}/healthz`)).status, 200, 'still alive');
          assert.equal((await fetch(`${api.base}/metrics`)).status, 200, 'metrics still scrape');
        } finally {
          await dbProxy.up();
        }
        assert.ok(await eventually(async () => (await fetch(`${api.base}/v1/fractal/${uuid}`)).status === 200));
        assert.equal((await fetch(`${api.base}/readyz`)).status, 200);
      });
  });
}
