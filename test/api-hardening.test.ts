// Issue 11's service findings, each as a check against the real API on every backend pair (SQLite + memory
// queue, PostgreSQL + RabbitMQ, MariaDB + RabbitMQ): large legacy base64 results up to the body limit (then 413,
// never 5xx), the PNG structure checked on both upload paths, legal row transitions, cr/ci both or neither,
// errors in one `{"message"}` shape in plain words, and cacheable PNG responses.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import net from 'node:net';
import { Readable } from 'node:stream';
import CRC32 from 'crc-32';
import type { Fractal } from '../app/types.js';
import { backends, startApi, type RunningApi, type Stack } from './helpers/api-backends.js';
import { makeNoisePng, makePng } from './helpers/png.js';

const params = { width: 40, height: 30, iterations: 64, xa: -1.5, xb: 1.5, ya: -1, yb: 1 };
const JSON_CT = { 'content-type': 'application/json' };

async function create(base: string, extra: Record<string, unknown> = {}): Promise<Fractal> {
  const res = await fetch(`${base}/v1/fractal`, {
    method: 'POST',
    headers: JSON_CT,
    body: JSON.stringify({ ...params, ...extra }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()) as Fractal;
}

/** The original worker's result PUT (faafo/worker/service.py): base64 `image` with checksum and size. */
function legacyBody(uuid: string, png: { bytes: Buffer; checksum: string }): string {
  return JSON.stringify({
    uuid,
    duration: 0.5,
    image: png.bytes.toString('base64'),
    checksum: png.checksum,
    size: png.bytes.length,
    generated_by: 'faafo-worker-1',
  });
}

const putJson = (base: string, uuid: string, body: string | object) =>
  fetch(`${base}/v1/fractal/${uuid}`, {
    method: 'PUT',
    headers: JSON_CT,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const upload = (base: string, uuid: string, bytes: Buffer, checksum: string, extra: Record<string, string> = {}) =>
  fetch(`${base}/v1/fractal/${uuid}/image`, {
    method: 'PUT',
    headers: { 'content-type': 'image/png', 'x-faafo-checksum': checksum, ...extra },
    body: bytes,
  });

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** One PNG chunk with a correct CRC. */
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(CRC32.buf(data, CRC32.buf(head.subarray(4))) >>> 0);
  return Buffer.concat([head, data, crc]);
}

/** Bodies that start like a PNG but are not the row's image (issue 11, item 2). */
function notThePng(good: Buffer): [string, Buffer][] {
  const sig = good.subarray(0, 8);
  const ihdr = (w: number, h: number) => {
    const d = Buffer.alloc(13);
    d.writeUInt32BE(w, 0);
    d.writeUInt32BE(h, 4);
    d[8] = 8;
    d[9] = 6;
    return chunk('IHDR', d);
  };
  const badCrc = Buffer.from(good);
  badCrc[good.length - 20] ^= 0x01; // inside the last IDAT's data
  return [
    ['a bare signature', Buffer.from(sig)],
    ['a 30-byte truncated PNG', good.subarray(0, 30)],
    ['the signature followed by random bytes', Buffer.concat([sig, randomBytes(4000)])],
    ['a PNG cut before IEND', good.subarray(0, good.length - 12)],
    ['a PNG with a corrupted IDAT (CRC)', badCrc],
    ['a PNG with bytes after IEND', Buffer.concat([good, Buffer.from('trailing')])],
    ['a PNG of another size', makePng(params.width + 1, params.height, 3).bytes],
    [
      'IHDR and IEND without image data',
      Buffer.concat([sig, ihdr(params.width, params.height), chunk('IEND', Buffer.alloc(0))]),
    ],
  ];
}

for (const backend of backends) {
  describe(`issue 11 service findings on ${backend.name}`, { timeout: 300_000 }, () => {
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

    test('1: a legacy base64 result of 4 MB is stored; 10 MB of base64 random bytes is a 400, never a 5xx', async () => {
      const png = makeNoisePng(1200, 1000, 11);
      assert.ok(png.bytes.length > 4_000_000, `${png.bytes.length} bytes`);
      const row = await create(api.base, { width: 1200, height: 1000 });
      const res = await putJson(api.base, row.uuid, legacyBody(row.uuid, png));
      assert.equal(res.status, 200, await res.clone().text());
      const stored = (await res.json()) as Fractal;
      assert.equal(stored.checksum, png.checksum);
      assert.equal(stored.size, png.bytes.length);
      const img = await fetch(`${api.base}/fractal/${row.uuid}`);
      assert.ok(Buffer.from(await img.arrayBuffer()).equals(png.bytes), 'served byte for byte');

      const victim = await create(api.base);
      const random = randomBytes(10 * 1024 * 1024);
      const bad = await putJson(api.base, victim.uuid, {
        uuid: victim.uuid,
        image: random.toString('base64'),
        checksum: sha(random),
        size: random.length,
      });
      assert.equal(bad.status, 400);
      assert.match(((await bad.json()) as { message: string }).message, /not a PNG/);
      assert.equal(((await (await fetch(`${api.base}/v1/fractal/${victim.uuid}`)).json()) as Fractal).checksum, null);
    });

    test('1: every legacy body up to the limit is stored; one byte more is a 413 with the limit in words', async () => {
      const png = makeNoisePng(400, 300, 12);
      const row = await create(api.base, { width: 400, height: 300 });
      const body = legacyBody(row.uuid, png);
      // An API whose limit is exactly this body: at the limit stored, a byte over (a JSON space) refused.
      const tight = await startApi(stack, { republish: { enabled: false }, limits: { legacyBodyLimit: body.length } });
      try {
        const other = await create(tight.base, { width: 400, height: 300 });
        const over = await putJson(tight.base, other.uuid, `${legacyBody(other.uuid, png)} `);
        assert.equal(over.status, 413);
        assert.equal(
          ((await over.json()) as { message: string }).message,
          `Request body is larger than the limit of ${body.length} bytes`,
        );
        const at = await putJson(tight.base, row.uuid, body);
        assert.equal(at.status, 200, await at.clone().text());
        assert.equal(((await at.json()) as Fractal).checksum, png.checksum);
      } finally {
        await tight.app.close();
      }
    });

    test('2: PNG structure is checked on both upload paths (signature, IHDR size, CRCs, IDAT, IEND)', async () => {
      const row = await create(api.base);
      const good = makePng(params.width, params.height, 2);
      for (const [why, bytes] of notThePng(good.bytes)) {
        const raw = await upload(api.base, row.uuid, bytes, sha(bytes));
        assert.equal(raw.status, 400, `C1 upload of ${why}`);
        assert.ok(((await raw.json()) as { message: string }).message.length > 0);
        const legacy = await putJson(api.base, row.uuid, {
          image: bytes.toString('base64'),
          checksum: sha(bytes),
          size: bytes.length,
        });
        assert.equal(legacy.status, 400, `legacy PUT of ${why}: ${await legacy.clone().text()}`);
      }
      const mismatch = await upload(api.base, row.uuid, makePng(16, 16, 1).bytes, makePng(16, 16, 1).checksum);
      assert.match(((await mismatch.json()) as { message: string }).message, /16x16 px but the fractal is 40x30 px/);
      assert.equal(((await (await fetch(`${api.base}/v1/fractal/${row.uuid}`)).json()) as Fractal).checksum, null);
      assert.equal(await stack.images.get(row.uuid), undefined, 'nothing stored');
      assert.equal((await upload(api.base, row.uuid, good.bytes, good.checksum)).status, 200, 'the real image is');
    });

    test('3: pending -> done once; a done row is immutable ({"checksum": null} refused, the image stays)', async () => {
      const row = await create(api.base);
      const pendingEdit = await putJson(api.base, row.uuid, { iterations: 99 });
      assert.equal(pendingEdit.status, 200, 'a pending row can still be edited (Flask-Restless PUT)');
      const resized = await putJson(api.base, row.uuid, { width: params.width * 2 });
      assert.equal(resized.status, 409, 'but not resized: its task is queued with the size the PNG must have');
      const png = makePng(params.width, params.height, 4);
      const done = (await (await upload(api.base, row.uuid, png.bytes, png.checksum)).json()) as Fractal;
      assert.equal(done.checksum, png.checksum);

      for (const patch of [{ checksum: null }, { size: null }, { iterations: 5 }, { duration: 9 }, { cr: 1, ci: 1 }]) {
        const res = await putJson(api.base, row.uuid, patch);
        assert.equal(res.status, 409, JSON.stringify(patch));
        assert.match(((await res.json()) as { message: string }).message, /already rendered/);
      }
      const same = await putJson(api.base, row.uuid, { iterations: done.iterations });
      assert.equal(same.status, 200, 'restating a value changes nothing and is fine');
      assert.deepEqual(await (await fetch(`${api.base}/v1/fractal/${row.uuid}`)).json(), done);
      const img = await fetch(`${api.base}/fractal/${row.uuid}`);
      assert.ok(Buffer.from(await img.arrayBuffer()).equals(png.bytes), 'the image is still served');

      // A result PUT that would also change the parameters the image was rendered with is refused.
      const other = await create(api.base);
      const moved = await putJson(api.base, other.uuid, { ...JSON.parse(legacyBody(other.uuid, png)), width: 80 });
      assert.equal(moved.status, 409);
    });

    test('4: cr without ci (or the reverse) is refused everywhere: both or neither', async () => {
      for (const body of [{ cr: 0.3 }, { ci: 0.3 }, { cr: 0.3, ci: null }, { cr: null, ci: -0.2 }]) {
        const res = await fetch(`${api.base}/v1/fractal`, {
          method: 'POST',
          headers: JSON_CT,
          body: JSON.stringify({ ...params, ...body }),
        });
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.match(((await res.json()) as { message: string }).message, /cr and ci go together/);
      }
      const both = await create(api.base, { cr: -0.8, ci: 0.156 });
      assert.deepEqual([both.cr, both.ci], [-0.8, 0.156]);
      const neither = await create(api.base);
      assert.deepEqual([neither.cr, neither.ci], [null, null]);
      assert.equal((await putJson(api.base, neither.uuid, { cr: 0.1 })).status, 400);
      assert.equal((await putJson(api.base, both.uuid, { ci: null })).status, 400);
      assert.equal((await putJson(api.base, both.uuid, { cr: 0.25, ci: 0.5 })).status, 200);
      const png = makePng(params.width, params.height, 5);
      const half = await upload(api.base, neither.uuid, png.bytes, png.checksum, { 'x-faafo-cr': '0.1' });
      assert.equal(half.status, 400);
      const ok = await upload(api.base, neither.uuid, png.bytes, png.checksum, {
        'x-faafo-cr': '0.1',
        'x-faafo-ci': '-0.2',
      });
      assert.equal(ok.status, 200);
      const julia = (await ok.json()) as Fractal;
      assert.deepEqual([julia.cr, julia.ci], [0.1, -0.2]);
    });

    test('5: errors are {"message"} in plain words; the gallery answers with an HTML page', async () => {
      const message = async (res: Response) => {
        assert.match(String(res.headers.get('content-type')), /^application\/json/);
        const body = (await res.json()) as Record<string, unknown>;
        assert.deepEqual(Object.keys(body), ['message']);
        return body.message as string;
      };
      const bad = await fetch(`${api.base}/v1/fractal/not-a-uuid`);
      assert.equal(bad.status, 400);
      const m = await message(bad);
      assert.match(m, /^uuid must be a fractal id \(a UUID such as [0-9a-f-]{36}\), got "not-a-uuid"$/);
      assert.doesNotMatch(m, /\^|\{8\}/, 'no regex');

      const page = await fetch(`${api.base}/v1/fractal?page=2147483648`);
      assert.equal(page.status, 400);
      assert.equal(await message(page), 'page must be a whole number from 1 to 999999999, got "2147483648"');

      const field = await fetch(`${api.base}/v1/fractal`, {
        method: 'POST',
        headers: JSON_CT,
        body: JSON.stringify({ ...params, width: 0 }),
      });
      assert.equal(await message(field), 'width must be at least 1, got 0');
      const unknown = await fetch(`${api.base}/v1/fractal`, {
        method: 'POST',
        headers: JSON_CT,
        body: JSON.stringify({ ...params, colour: 'red' }),
      });
      assert.equal(await message(unknown), 'unknown field "colour"');

      // Below Fastify: Node's parser refuses these before any route runs.
      const rawGet = (path: Buffer) =>
        new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
          const s = net.connect(Number(new URL(api.base).port), '127.0.0.1', () =>
            s.end(
              Buffer.concat([
                Buffer.from('GET '),
                path,
                Buffer.from(' HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'),
              ]),
            ),
          );
          const parts: Buffer[] = [];
          s.on('data', (c: Buffer) => parts.push(c));
          s.on('error', reject);
          s.on('end', () => {
            const text = Buffer.concat(parts).toString();
            const [head, body] = text.split('\r\n\r\n');
            resolve({
              status: Number(/^HTTP\/1\.1 (\d+)/.exec(head!)?.[1]),
              type: /content-type: ([^\r]+)/i.exec(head!)?.[1] ?? '',
              body: body ?? '',
            });
          });
        });
      const long = await rawGet(Buffer.from(`/v1/fractal/${'x'.repeat(20_000)}`));
      assert.equal(long.status, 431);
      assert.match(long.type, /^application\/json/);
      assert.match((JSON.parse(long.body) as { message: string }).message, /too long/);
      const snowman = await rawGet(Buffer.from('/v1/fractal/\u2603', 'utf8'));
      assert.equal(snowman.status, 400);
      assert.match((JSON.parse(snowman.body) as { message: string }).message, /URL must be ASCII/);
      const broken = await fetch(`${api.base}/v1/fractal/%E2%98`);
      assert.equal(broken.status, 400);
      assert.match(await message(broken), /broken percent-escape/);

      const gallery = await fetch(`${api.base}/index/abc`);
      assert.equal(gallery.status, 404);
      assert.match(String(gallery.headers.get('content-type')), /^text\/html/);
      const html = await gallery.text();
      assert.match(html, /<p class="error" id="error" data-status="404">There is no gallery page &quot;abc&quot;/);
      assert.doesNotMatch(html, /\{"message"/, 'no raw JSON on an HTML page');
    });

    test('6: PNG responses carry Content-Length and the checksum as ETag; If-None-Match answers 304', async () => {
      const row = await create(api.base);
      const png = makePng(params.width, params.height, 6);
      assert.equal((await upload(api.base, row.uuid, png.bytes, png.checksum)).status, 200);
      const res = await fetch(`${api.base}/fractal/${row.uuid}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), String(png.bytes.length));
      assert.equal(res.headers.get('etag'), `"${png.checksum}"`);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(png.bytes));
      for (const tag of [`"${png.checksum}"`, `W/"${png.checksum}", "other"`, '*']) {
        const again = await fetch(`${api.base}/fractal/${row.uuid}`, { headers: { 'if-none-match': tag } });
        assert.equal(again.status, 304, tag);
        assert.equal((await again.arrayBuffer()).byteLength, 0);
        assert.equal(again.headers.get('etag'), `"${png.checksum}"`);
      }
      const stale = await fetch(`${api.base}/fractal/${row.uuid}`, { headers: { 'if-none-match': '"abc"' } });
      assert.equal(stale.status, 200);
      await stale.arrayBuffer();
    });
  });
}

/** A structurally valid PNG of w×h whose IDAT chunks carry `idatBytes` of filler, generated chunk by chunk. */
function* streamedPng(w: number, h: number, idatBytes: number): Generator<Buffer> {
  yield Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  yield chunk('IHDR', ihdr);
  const filler = Buffer.alloc(1 << 20);
  for (let i = 0; i < filler.length; i++) filler[i] = (i * 31 + 7) & 0xff;
  for (let sent = 0; sent < idatBytes; sent += filler.length) {
    filler.writeUInt32BE(sent >>> 0, 0); // every chunk differs
    yield chunk('IDAT', filler.subarray(0, Math.min(filler.length, idatBytes - sent)));
  }
  yield chunk('IEND', Buffer.alloc(0));
}

/** Peak resident memory of a process so far (VmHWM), in MiB. */
const peakMiB = (pid: number) =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

describe('a 9999x9999 result streams through the API', { timeout: 300_000 }, () => {
  test('2: a 400 MiB upload is checked and stored while the API process grows by far less than the image', async (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'faafo-stream-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/api-child.ts', dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(readline.createInterface({ input: child.stdout! }), 'line')) as [string];
      const base = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
      const size = 400 * 1024 * 1024;
      const hash = createHash('sha256');
      for (const c of streamedPng(9999, 9999, size)) hash.update(c);
      const checksum = hash.digest('hex');
      const row = await create(base, { width: 9999, height: 9999 });
      // A small upload first, so the baseline includes everything an upload loads once.
      const small = await create(base);
      const png = makePng(params.width, params.height, 8);
      assert.equal((await upload(base, small.uuid, png.bytes, png.checksum)).status, 200);
      const baseline = peakMiB(child.pid!);
      const res = await fetch(`${base}/v1/fractal/${row.uuid}/image`, {
        method: 'PUT',
        headers: { 'content-type': 'image/png', 'x-faafo-checksum': checksum },
        body: Readable.toWeb(Readable.from(streamedPng(9999, 9999, size))) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      assert.equal(res.status, 200, await res.clone().text());
      const stored = (await res.json()) as Fractal;
      assert.equal(stored.checksum, checksum);
      assert.ok(stored.size! > size);
      const grew = peakMiB(child.pid!) - baseline;
      t.diagnostic(`API peak RSS ${baseline.toFixed(0)} MiB before, +${grew.toFixed(0)} MiB during the upload`);
      // Streaming adds tens of MiB (34 on a quiet machine); holding the image would add 400 or more.
      assert.ok(grew < 100, `the API's peak RSS grew by ${grew.toFixed(0)} MiB during a 400 MiB upload`);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
