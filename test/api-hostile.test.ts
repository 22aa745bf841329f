// Generated hostile and malformed requests (not hand-listed): random wrong types, boundary numbers, bad JSON,
// unknown fields, wrong content types, oversize bodies, bad uuids and path traversal, bad uploads. Every answer
// must be a 4xx with a JSON body carrying a message (an HTML error page on the gallery's URLs), and afterwards the
// database holds no bad row.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Fractal } from '../app/types.js';
import { backends, startApi, type RunningApi, type Stack } from './helpers/api-backends.js';
import { makePng } from './helpers/png.js';

interface Req {
  why: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** Deterministic PRNG (mulberry32) so a failure can be replayed from the printed seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    str: (n: number, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-_./%~ ') =>
      Array.from({ length: n }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''),
  };
}

const valid = { width: 32, height: 24, iterations: 64, xa: -1.5, xb: 1.5, ya: -1, yb: 1 };
const INT_FIELDS = ['width', 'height', 'iterations'] as const;
const FLOAT_FIELDS = ['xa', 'xb', 'ya', 'yb', 'cr', 'ci'] as const;
// Raw JSON tokens (some are not expressible with JSON.stringify, e.g. 1e999 parses to Infinity).
const BAD_INT = [
  '0',
  '-1',
  '16385',
  '100001',
  '1.5',
  '1e6',
  '-2147483648',
  '9007199254740993',
  '1e999',
  '"16"',
  'true',
  'null',
  '[]',
  '{}',
  '""',
  '"NaN"',
];
const BAD_FLOAT = ['1e999', '-1e999', '1e16', '"1.0"', 'true', '[1]', '{}', '"Infinity"', '""'];
const BAD_UUIDS = [
  'not-a-uuid',
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f%2e%2e%2f',
  `${randomUUID()}x`,
  `${randomUUID()}%00`,
  randomUUID().replace(/-/g, ''),
  'x'.repeat(300),
  '%E2%98%83',
  '1%20OR%201%3D1',
  '%3Cscript%3E',
  '00000000-0000-0000-0000-00000000000g',
];

function jsonWith(overrides: Record<string, string>, drop: string[] = []): string {
  // A Map, not an object: a key like "__proto__" must stay an ordinary key of the generated JSON.
  const fields = new Map<string, string>(Object.entries(valid).map(([k, v]) => [k, JSON.stringify(v)]));
  for (const [k, v] of Object.entries(overrides)) fields.set(k, v);
  for (const d of drop) fields.delete(d);
  return `{${[...fields].map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'text/plain' };

function generate(seed: number, victim: string, rendered: string): Req[] {
  const r = rng(seed);
  const out: Req[] = [];
  const post = (why: string, body: string | Buffer, headers: Record<string, string> = JSON_HEADERS) =>
    out.push({ why, method: 'POST', path: '/v1/fractal', headers, body });

  // 1. one field with a wrong type or out-of-range value
  for (let i = 0; i < 70; i++) {
    if (r.next() < 0.5) {
      const f = r.pick(INT_FIELDS);
      // 16385 is a bad width/height but a fine iteration count.
      const v = f === 'iterations' ? r.pick(BAD_INT.map((x) => (x === '16385' ? '100001' : x))) : r.pick(BAD_INT);
      post(`POST ${f}=${v}`, jsonWith({ [f]: v }));
    } else {
      const f = r.pick(FLOAT_FIELDS);
      const v = r.pick(BAD_FLOAT);
      post(`POST ${f}=${v}`, jsonWith({ [f]: v }));
    }
  }
  // 2. empty or inverted plane
  for (let i = 0; i < 16; i++) {
    const a = r.int(-5, 5) / 2;
    const b = a - r.int(0, 4) / 2;
    const [lo, hi] = r.next() < 0.5 ? ['xa', 'xb'] : ['ya', 'yb'];
    post(`POST ${lo}=${a} >= ${hi}=${b}`, jsonWith({ [lo]: String(a), [hi]: String(b) }));
  }
  // 3. unknown or forbidden fields
  const forbidden = ['image', 'published', 'created_at', 'id', '__proto__', 'constructor', 'prototype'];
  for (let i = 0; i < 20; i++) {
    const name = i < forbidden.length ? forbidden[i]! : r.str(r.int(1, 12), 'abcdefghijklmnopqrstuvwxyz_');
    const v = r.pick(['1', '"x"', '{"polluted":true}', 'null', '[]']);
    if (name === 'image' && v === 'null') continue;
    post(`POST unknown field ${name}`, jsonWith(Object.fromEntries([[name, v]])));
  }
  post('POST checksum set at creation', jsonWith({ checksum: JSON.stringify('a'.repeat(64)) }));
  post('POST size set at creation', jsonWith({ size: '10' }));
  // 4. required fields missing
  for (let i = 0; i < 12; i++) {
    const keys = Object.keys(valid);
    const drop = keys.filter(() => r.next() < 0.4);
    if (drop.length === 0) drop.push(r.pick(keys));
    post(`POST without ${drop.join(',')}`, jsonWith({}, drop));
  }
  // 5. bad uuid in the body
  for (const u of BAD_UUIDS) post(`POST uuid=${u.slice(0, 40)}`, jsonWith({ uuid: JSON.stringify(u) }));
  post('POST uuid as number', jsonWith({ uuid: '123' }));
  // 6. malformed JSON: fixed oddities plus random truncations and corruptions of a valid body
  const good = jsonWith({});
  for (const b of [
    '',
    '{',
    '}',
    '{"width":}',
    "{'width':1}",
    'NaN',
    '[1,2]',
    'null',
    '1',
    '"s"',
    'true',
    '{"width":1,}',
    '['.repeat(5000),
    '\u0000',
    '{"a":1}{"b":2}',
    '{"__proto__":{"x":1},"width":1}',
  ]) {
    post(`POST body ${JSON.stringify(b.slice(0, 20))}`, b);
  }
  for (let i = 0; i < 20; i++) {
    const cut = r.int(1, good.length - 2);
    post(`POST truncated at ${cut}`, good.slice(0, cut));
  }
  for (let i = 0; i < 10; i++) {
    const pos = r.int(0, good.length - 1);
    const ch = r.pick(['"', '{', ']', ':', ',', '\\', 'x']);
    const corrupted = good.slice(0, pos) + ch + good.slice(pos + 1);
    try {
      JSON.parse(corrupted);
      continue; // still valid JSON (and maybe a valid fractal): not a hostile request
    } catch {
      post(`POST corrupted at ${pos} with ${ch}`, corrupted);
    }
  }
  // 7. wrong content types
  for (const ct of [
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'image/png',
    'application/xml',
    'text/html',
    'application/octet-stream',
    'application/jsonx',
    'json',
  ]) {
    post(`POST content-type ${ct}`, good, { 'content-type': ct });
    out.push({
      why: `PUT content-type ${ct}`,
      method: 'PUT',
      path: `/v1/fractal/${victim}`,
      headers: { 'content-type': ct },
      body: '{"iterations":5}',
    });
  }
  post('POST without content-type', good, {});
  post('POST form-encoded fields', 'width=10&height=10&iterations=10&xa=-1&xb=1&ya=-1&yb=1', {
    'content-type': 'application/x-www-form-urlencoded',
  });
  // 8. oversize bodies
  for (const n of [20_000, 1_000_000, 4_000_000])
    post(`POST ${n} bytes`, jsonWith({ pad: JSON.stringify('x'.repeat(n)) }));
  // 9. bad uuids and traversal in paths
  for (let i = 0; i < 45; i++) {
    const u = i < BAD_UUIDS.length ? BAD_UUIDS[i]! : encodeURIComponent(r.str(r.int(1, 60)));
    const route = r.pick(['GET v1', 'PUT v1', 'DELETE v1', 'GET png', 'PUT image'] as const);
    if (route === 'GET v1') out.push({ why: `GET /v1/fractal/${u}`, method: 'GET', path: `/v1/fractal/${u}` });
    else if (route === 'DELETE v1') out.push({ why: `DELETE ${u}`, method: 'DELETE', path: `/v1/fractal/${u}` });
    else if (route === 'GET png') out.push({ why: `GET /fractal/${u}`, method: 'GET', path: `/fractal/${u}` });
    else if (route === 'PUT v1')
      out.push({
        why: `PUT ${u}`,
        method: 'PUT',
        path: `/v1/fractal/${u}`,
        headers: JSON_HEADERS,
        body: '{"iterations":5}',
      });
    else {
      const png = makePng(4, 4, i);
      out.push({
        why: `PUT image ${u}`,
        method: 'PUT',
        path: `/v1/fractal/${u}/image`,
        headers: { 'content-type': 'image/png', 'x-faafo-checksum': png.checksum },
        body: png.bytes,
      });
    }
  }
  // 10. hostile partial updates of an existing row (legacy PUT)
  // The victim's own size: these requests must fail for the reason they name, not for a size mismatch.
  const png = makePng(valid.width, valid.height, 7);
  const b64 = png.bytes.toString('base64');
  const patches: Record<string, unknown>[] = [
    { width: 0 },
    { height: 16385 },
    { iterations: 1.5 },
    { image: '!!!not base64!!!' },
    { image: Buffer.from('hello, not a png').toString('base64') },
    { image: b64.slice(0, -3) },
    { image: b64, checksum: 'f'.repeat(64) },
    { image: b64, size: 1 },
    { image: b64, size: -1 },
    { checksum: 'zz' },
    { checksum: png.checksum },
    { size: 10 },
    { duration: 'x' },
    { duration: -1 },
    { uuid: randomUUID() },
    { xa: 10 },
    { yb: -10 },
    { foo: 1 },
    { generated_by: 'g'.repeat(300) },
    { url: 'u'.repeat(300) },
    { cr: '1' },
    { image: 12345 },
  ];
  for (const p of patches) {
    out.push({
      why: `PUT ${JSON.stringify(p).slice(0, 60)}`,
      method: 'PUT',
      path: `/v1/fractal/${victim}`,
      headers: JSON_HEADERS,
      body: JSON.stringify(p),
    });
  }
  // 11. hostile result uploads (C1)
  const up = (why: string, headers: Record<string, string>, body: Buffer | string) =>
    out.push({
      why,
      method: 'PUT',
      path: `/v1/fractal/${victim}/image`,
      headers: { 'content-type': 'image/png', ...headers },
      body,
    });
  up('upload without checksum', {}, png.bytes);
  up('upload short checksum', { 'x-faafo-checksum': 'abc' }, png.bytes);
  up('upload checksum mismatch', { 'x-faafo-checksum': 'e'.repeat(64) }, png.bytes);
  up('upload not a png', { 'x-faafo-checksum': 'e'.repeat(64) }, 'GIF89a....');
  up('upload empty', { 'x-faafo-checksum': 'e'.repeat(64) }, Buffer.alloc(0));
  up('upload truncated png', { 'x-faafo-checksum': png.checksum }, png.bytes.subarray(0, png.bytes.length - 5));
  for (const d of ['abc', '-1', 'NaN', 'Infinity', '1e9999', ''])
    up(`upload duration ${d}`, { 'x-faafo-checksum': png.checksum, 'x-faafo-duration': d }, png.bytes);
  for (const c of ['NaN', 'Infinity', 'abc', '1,5'])
    up(`upload cr ${c}`, { 'x-faafo-checksum': png.checksum, 'x-faafo-cr': c }, png.bytes);
  up(
    'upload generated-by too long',
    { 'x-faafo-checksum': png.checksum, 'x-faafo-generated-by': 'w'.repeat(300) },
    png.bytes,
  );
  out.push({
    why: 'upload as json',
    method: 'PUT',
    path: `/v1/fractal/${victim}/image`,
    headers: { 'content-type': 'application/json', 'x-faafo-checksum': png.checksum },
    body: '{}',
  });
  out.push({
    why: 'upload text/plain',
    method: 'PUT',
    path: `/v1/fractal/${victim}/image`,
    headers: { 'content-type': 'text/plain', 'x-faafo-checksum': png.checksum },
    body: 'x',
  });
  for (let i = 0; i < 8; i++) {
    const corrupt = Buffer.from(png.bytes);
    corrupt[r.int(8, corrupt.length - 1)] ^= 0xff;
    up(`upload corrupted byte #${i}`, { 'x-faafo-checksum': png.checksum }, corrupt);
  }
  // 12. query strings and gallery pages
  for (const q of [
    'page=abc',
    'page=0',
    'page=-1',
    'page=1.5',
    'page=99999999999',
    'page=1&page=2',
    'q=%7Bbad',
    'q=%7B%22filters%22%3A%5B%7B%22name%22%3A%22uuid%22%2C%22op%22%3A%22eq%22%2C%22val%22%3A1%7D%5D%7D',
    'q=%5B%5D',
    'results_per_page=1&results_per_page=2',
  ]) {
    out.push({ why: `GET list ?${q}`, method: 'GET', path: `/v1/fractal?${q}` });
  }
  for (const p of ['abc', '0', '-1', '1e3', '1.5', '%2e%2e', '9999999999'])
    out.push({ why: `GET /index/${p}`, method: 'GET', path: `/index/${p}` });
  // 13. methods the API does not have
  out.push({ why: 'PATCH collection', method: 'PATCH', path: '/v1/fractal', headers: JSON_HEADERS, body: good });
  out.push({ why: 'PUT collection', method: 'PUT', path: '/v1/fractal', headers: JSON_HEADERS, body: good });
  out.push({ why: 'DELETE collection', method: 'DELETE', path: '/v1/fractal' });
  out.push({ why: 'POST item', method: 'POST', path: `/v1/fractal/${victim}`, headers: JSON_HEADERS, body: good });
  out.push({
    why: 'POST image of rendered',
    method: 'POST',
    path: `/fractal/${rendered}`,
    headers: JSON_HEADERS,
    body: good,
  });
  return out;
}

function send(base: string, req: Req): Promise<{ status: number; contentType: string; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
    const r = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        agent: false,
        headers: { ...(req.headers ?? {}), ...(body ? { 'content-length': String(body.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    // The server may answer (413, 415) before it reads the whole body; that is fine.
    r.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err),
    );
    r.end(body);
  });
}

const rowValid = (f: Fractal) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(f.uuid) &&
  [f.width, f.height].every((n) => Number.isInteger(n) && n >= 1 && n <= 16384) &&
  Number.isInteger(f.iterations) &&
  f.iterations >= 1 &&
  f.iterations <= 100000 &&
  [f.xa, f.xb, f.ya, f.yb].every(Number.isFinite) &&
  f.xa < f.xb &&
  f.ya < f.yb &&
  (f.checksum === null || /^[0-9a-f]{64}$/.test(f.checksum));

for (const backend of backends) {
  describe(`hostile requests on ${backend.name}`, { timeout: 300_000 }, () => {
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

    test('every generated hostile request gets a 4xx JSON answer and no bad row is stored', async (t) => {
      const post = (b: object) =>
        fetch(`${api.base}/v1/fractal`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(b) }).then(
          (r) => r.json() as Promise<Fractal>,
        );
      const victim = await post(valid);
      const rendered = await post(valid);
      const png = makePng(valid.width, valid.height, 1);
      const stored = await fetch(`${api.base}/v1/fractal/${rendered.uuid}/image`, {
        method: 'PUT',
        headers: { 'content-type': 'image/png', 'x-faafo-checksum': png.checksum },
        body: png.bytes,
      });
      assert.equal(stored.status, 200);
      const renderedRow = await stored.json();
      const before = await stack.repo.list(0, 1000);

      const seed = Number(process.env.FAAFO_HOSTILE_SEED ?? Date.now() % 100000);
      const requests = generate(seed, victim.uuid, rendered.uuid);
      assert.ok(requests.length >= 200, `generated ${requests.length} requests`);
      t.diagnostic(`${requests.length} generated requests (FAAFO_HOSTILE_SEED=${seed} replays them)`);
      const failures: string[] = [];
      for (const req of requests) {
        const res = await send(api.base, req);
        let parsed: unknown;
        try {
          parsed = JSON.parse(res.body);
        } catch {
          parsed = undefined;
        }
        const okJson =
          res.contentType.startsWith('application/json') &&
          typeof (parsed as { message?: unknown })?.message === 'string';
        // The gallery's pages are opened in browsers: their errors are HTML pages carrying the message.
        const okPage =
          req.path.startsWith('/index/') && res.contentType.startsWith('text/html') && res.body.includes('id="error"');
        if (res.status < 400 || res.status > 499 || !(okJson || okPage)) {
          failures.push(`${req.why} -> ${res.status} ${res.contentType} ${res.body.slice(0, 120)}`);
        }
      }
      assert.deepEqual(failures, [], `seed ${seed}: non-4xx-JSON answers`);

      const afterRows = await stack.repo.list(0, 1000);
      assert.equal(afterRows.total, before.total, 'no row created');
      assert.deepEqual(afterRows.rows, before.rows, 'no row changed');
      for (const row of afterRows.rows) assert.ok(rowValid(row), `valid row ${JSON.stringify(row)}`);
      assert.deepEqual(await (await fetch(`${api.base}/v1/fractal/${victim.uuid}`)).json(), victim);
      assert.deepEqual(await (await fetch(`${api.base}/v1/fractal/${rendered.uuid}`)).json(), renderedRow);
      assert.equal(await stack.images.get(victim.uuid), undefined, 'no image stored for the victim');
      assert.equal((await fetch(`${api.base}/readyz`)).status, 200, 'still healthy');
    });
  });
}
