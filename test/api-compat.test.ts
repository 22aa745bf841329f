// Replays the original faafo client's and worker's HTTP requests byte-for-byte in shape (headers as python-requests
// sends them, bodies as Python's json.dumps writes them; spec sections 3 and 8) and checks the answers carry what
// the original code reads. The task on the queue is checked the way the original worker consumes it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { backends, collectTasks, startApi, type RunningApi, type Stack } from './helpers/api-backends.js';
import { makePng } from './helpers/png.js';

/** Python's json.dumps(): ", " and ": " separators; floats keep a fractional part (repr). */
function pyDumps(obj: Record<string, unknown>, floats: string[] = []): string {
  const parts = Object.entries(obj).map(([k, v]) => {
    let val = JSON.stringify(v);
    if (floats.includes(k) && typeof v === 'number' && Number.isInteger(v)) val = `${v}.0`;
    return `${JSON.stringify(k)}: ${val}`;
  });
  return `{${parts.join(', ')}}`;
}

const REQUESTS_HEADERS = {
  'User-Agent': 'python-requests/2.28.1',
  'Accept-Encoding': 'gzip, deflate',
  Connection: 'keep-alive',
};

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

function pyRequest(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const all: Record<string, string> = { ...REQUESTS_HEADERS, Accept: '*/*', ...headers };
    if (body !== undefined) all['Content-Length'] = String(Buffer.byteLength(body));
    else if (method !== 'GET') all['Content-Length'] = '0';
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers: all }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

// What the original client's create sends for one task (bin/faafo do_create).
function clientTask() {
  const rnd = (lo: number, hi: number) => lo + Math.random() * (hi - lo);
  return {
    uuid: randomUUID(),
    width: Math.floor(rnd(256, 1025)),
    height: Math.floor(rnd(256, 1025)),
    iterations: Math.floor(rnd(128, 513)),
    xa: rnd(-4, -1),
    xb: rnd(1, 4),
    ya: -1, // an integral float: json.dumps writes -1.0
    yb: rnd(0.5, 3),
  };
}

const FLOATS = ['xa', 'xb', 'ya', 'yb', 'duration'];

for (const backend of backends) {
  describe(`original faafo client and worker against ${backend.name}`, { timeout: 300_000 }, () => {
    let stack: Stack;
    let api: RunningApi;
    before(async () => {
      stack = await backend.setup();
      api = await startApi(stack, { republish: { enabled: false } });
    });
    after(async () => {
      await api?.app.close();
      await stack?.dispose();
    });

    test('create, list (page walk), worker task + legacy PUT, show, delete', async () => {
      // create: 13 tasks, as `faafo create --tasks 13`
      const created = Array.from({ length: 13 }, clientTask);
      for (const t of created) {
        const res = await pyRequest(
          api.base,
          'POST',
          '/v1/fractal',
          { 'Content-type': 'application/json', Accept: 'text/plain' },
          pyDumps(t, FLOATS),
        );
        assert.equal(res.status, 201, res.text);
        assert.equal(JSON.parse(res.text).uuid, t.uuid);
      }

      // the worker side: each task message is what the original worker reads
      if (backend.servers) {
        const conn = await amqplib.connect(stack.directQueueUrl);
        const ch = await conn.createChannel();
        const msg = await ch.get('normal', { noAck: false });
        assert.ok(msg, 'a task waits in queue normal');
        assert.equal(msg.fields.exchange, 'tasks');
        assert.equal(msg.fields.routingKey, 'normal');
        assert.equal(msg.properties.contentType, 'application/json');
        assert.equal(msg.properties.contentEncoding, 'utf-8');
        assert.equal(msg.properties.deliveryMode, 2);
        const body = JSON.parse(msg.content.toString());
        ch.nack(msg, false, true);
        await ch.close();
        await conn.close();
        checkTask(body);
      }
      const tasks = await collectTasks(stack.directQueueUrl, (ts) =>
        created.every((c) => ts.some((t) => t.uuid === c.uuid)),
      );
      for (const c of created) {
        const task = tasks.find((t) => t.uuid === c.uuid);
        assert.ok(task, `task for ${c.uuid}`);
        checkTask(task as unknown as Record<string, unknown>);
        assert.equal(task!.width, c.width);
        assert.equal(task!.xa, c.xa);
      }

      // the original worker's result PUT for the first task
      const target = created[0]!;
      const png = makePng(target.width, target.height, 5);
      const put = await pyRequest(
        api.base,
        'PUT',
        `/v1/fractal/${target.uuid}`,
        { 'Content-type': 'application/json', Accept: 'text/plain' },
        pyDumps(
          {
            uuid: target.uuid,
            duration: 0.5,
            image: png.bytes.toString('base64'),
            checksum: png.checksum,
            size: png.bytes.length,
            generated_by: 'faafo-worker-1',
          },
          FLOATS,
        ),
      );
      assert.equal(put.status, 200, put.text);

      // list: GET /v1/fractal?page=N from 1 while N < total_pages; reads uuid, width, height, size
      const seen: string[] = [];
      let page = 1;
      for (;;) {
        const res = await pyRequest(api.base, 'GET', `/v1/fractal?page=${page}`);
        assert.equal(res.status, 200);
        assert.match(String(res.headers['content-type']), /^application\/json/);
        const body = JSON.parse(res.text) as {
          num_results: number;
          objects: Record<string, unknown>[];
          page: number;
          total_pages: number;
        };
        assert.deepEqual(Object.keys(body).sort(), ['num_results', 'objects', 'page', 'total_pages']);
        assert.equal(body.page, page);
        assert.ok(Number.isInteger(body.total_pages) && Number.isInteger(body.num_results));
        assert.ok(body.objects.length <= 10);
        for (const f of body.objects) {
          assert.equal(typeof f.uuid, 'string');
          assert.ok(Number.isInteger(f.width) && Number.isInteger(f.height));
          assert.ok(f.size === null || Number.isInteger(f.size));
          seen.push(f.uuid as string);
        }
        if (page >= body.total_pages) break;
        page++;
      }
      assert.equal(page, 2, '13 fractals are two pages of 10');
      assert.deepEqual([...seen].sort(), created.map((c) => c.uuid).sort());

      // show: reads duration (%f), size (%d), checksum, generated_by, iterations, xa..yb
      const show = await pyRequest(api.base, 'GET', `/v1/fractal/${target.uuid}`);
      assert.equal(show.status, 200);
      const f = JSON.parse(show.text) as Record<string, unknown>;
      assert.equal(typeof f.duration, 'number');
      assert.ok(Number.isInteger(f.size));
      assert.equal(f.size, png.bytes.length);
      assert.equal(f.checksum, png.checksum);
      assert.equal(f.generated_by, 'faafo-worker-1');
      assert.equal(f.iterations, target.iterations);
      for (const k of ['xa', 'xb', 'ya', 'yb'] as const) assert.equal(f[k], target[k]);
      assert.ok(!('image' in f), 'the image is never part of the object');
      const unknown = await pyRequest(api.base, 'GET', `/v1/fractal/${randomUUID()}`);
      assert.equal(unknown.status, 404, 'show of an unknown uuid is non-200');

      // the gallery and the image, as a browser asks for them
      const img = await pyRequest(api.base, 'GET', `/fractal/${target.uuid}`);
      assert.equal(img.status, 200);
      assert.equal(img.headers['content-type'], 'image/png');

      // delete
      const del = await pyRequest(api.base, 'DELETE', `/v1/fractal/${created[1]!.uuid}`);
      assert.equal(del.status, 204);
      assert.equal((await pyRequest(api.base, 'GET', `/v1/fractal/${created[1]!.uuid}`)).status, 404);
    });
  });
}

/** The original worker reads uuid, width, height, iterations (integers!) and xa..yb. */
function checkTask(t: Record<string, unknown>) {
  assert.equal(typeof t.uuid, 'string');
  for (const k of ['width', 'height', 'iterations']) assert.ok(Number.isInteger(t[k]), `${k} is a JSON integer`);
  for (const k of ['xa', 'xb', 'ya', 'yb']) assert.equal(typeof t[k], 'number');
  assert.ok(!('image' in t));
  for (const k of ['checksum', 'url', 'duration', 'size', 'generated_by']) assert.equal(t[k], null);
}
