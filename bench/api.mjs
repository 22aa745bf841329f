// API throughput: starts the API in-process on SQLite (a temp file) + the memory queue + a file image store,
// seeds rows (some rendered with a real PNG), then drives it with autocannon for a few seconds per case, beside
// a bare Fastify "hello" server measured the same way in the same run (the ceiling for this machine and load).
// Target: list and get at least half the hello rate.
//   npm run build && node bench/api.mjs [--seconds 5] [--connections 10] [--rows 200] [--rounds 3] [--only list,show]
// (or without building: node --import tsx bench/api.mjs). Figures depend on the machine; nothing is asserted.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID, createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { PNG } from 'pngjs';

const { fetch } = globalThis;

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '10' },
    rows: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
    // Only these cases (comma-separated keys: list, show, png) beside the hello reference, e.g. under --cpu-prof.
    only: { type: 'string' },
  },
});
const seconds = Number(args.seconds);
const connections = Number(args.connections);
const rows = Number(args.rows);
const rounds = Number(args.rounds);

// Under tsx the TypeScript sources are used, otherwise the build (dist/).
const underTsx = process.execArgv.join(' ').includes('tsx');
const load = (mod) => import(underTsx ? `../app/${mod}.ts` : `../dist/app/${mod}.js`);
const { buildApi } = await load('api/server');
const { openRepository } = await load('db/index');
const { openImageStore } = await load('images/index');
const { openQueue } = await load('queue/index');

const dir = mkdtempSync(path.join(os.tmpdir(), 'faafo-bench-api-'));
const repo = await openRepository(`sqlite:${path.join(dir, 'faafo.sqlite')}`);
const queue = await openQueue('memory:bench');
const images = await openImageStore(`file://${path.join(dir, 'images')}`);
const app = buildApi({ repo, queue, images, processMetrics: false, republish: { enabled: false } });
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${app.server.address().port}`;

// Seed: `rows` fractals through the API; every 4th gets a 256x256 PNG result.
const png = new PNG({ width: 256, height: 256 });
for (let i = 0; i < png.data.length; i += 4) png.data.set([i % 251, (i >> 8) % 253, (i >> 16) % 255, 255], i);
const pngBytes = PNG.sync.write(png);
const checksum = createHash('sha256').update(pngBytes).digest('hex');
let sampleUuid;
let renderedUuid;
for (let i = 0; i < rows; i++) {
  const uuid = randomUUID();
  const body = { uuid, width: 256, height: 256, iterations: 128, xa: -1.5, xb: 1.5, ya: -1, yb: 1 };
  const res = await fetch(`${base}/v1/fractal`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
  sampleUuid ??= uuid;
  if (i % 4 === 0) {
    const up = await fetch(`${base}/v1/fractal/${uuid}/image`, {
      method: 'PUT',
      headers: {
        'content-type': 'image/png',
        'x-faafo-checksum': checksum,
        'x-faafo-duration': '0.1',
        'x-faafo-generated-by': 'bench',
      },
      body: pngBytes,
    });
    if (up.status !== 200) throw new Error(`seeding upload failed: ${up.status}`);
    renderedUuid ??= uuid;
  }
}

// The reference: the smallest Fastify app there is, in this process like the API.
const hello = Fastify();
hello.get('/', async () => ({ hello: 'world' }));
await hello.listen({ port: 0, host: '127.0.0.1' });
const helloBase = `http://127.0.0.1:${hello.server.address().port}`;

const allCases = [
  ['hello', 'bare Fastify "hello" (reference)', '/', helloBase],
  ['list', 'GET /v1/fractal (list, 10 per page)', '/v1/fractal'],
  ['show', 'GET /v1/fractal/<uuid> (show)', `/v1/fractal/${sampleUuid}`],
  ['png', `GET /fractal/<uuid> (PNG, ${pngBytes.length} bytes)`, `/fractal/${renderedUuid}`],
];
const only = args.only?.split(',').map((k) => k.trim());
const unknown = only?.filter((k) => !allCases.some(([key]) => key === k)) ?? [];
if (unknown.length) throw new Error(`--only: unknown case ${unknown.join(', ')} (list, show, png)`);
const cases = allCases.filter(([key]) => key === 'hello' || !only || only.includes(key)).map(([, ...c]) => c);

console.log(
  `faafo API bench: SQLite + memory queue, ${rows} rows, ${connections} connections, ${seconds} s per case, node ${process.version}, ${os.cpus().length} CPUs`,
);
// Each round measures the hello reference and then every case, so each case has a reference taken just
// before it; the ratio reported is the median over the rounds of case / hello of the same round.
const results = cases.map(([name]) => ({ name, rps: [], ratio: [], p50: [], p99: [], errors: 0 }));
for (let round = 0; round < rounds; round++) {
  let reference = 0;
  for (const [i, [, url, origin = base]] of cases.entries()) {
    const r = await autocannon({ url: `${origin}${url}`, connections, duration: seconds });
    const x = results[i];
    x.errors += r.errors + r.timeouts + (r.non2xx ?? 0);
    if (i === 0) reference = r.requests.average;
    x.rps.push(r.requests.average);
    x.ratio.push(r.requests.average / reference);
    x.p50.push(r.latency.p50);
    x.p99.push(r.latency.p99);
  }
}
const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
console.log(`median of ${rounds} rounds (hello measured again before the cases of each round):`);
console.log('| case | requests/s | of hello | latency p50 ms | latency p99 ms | errors/non-2xx |');
console.log('|---|---|---|---|---|---|');
const summary = results.map((x) => ({
  name: x.name,
  rps: median(x.rps),
  ofHello: median(x.ratio),
  p50: median(x.p50),
  p99: median(x.p99),
  errors: x.errors,
}));
for (const x of summary) {
  console.log(`| ${x.name} | ${Math.round(x.rps)} | ${x.ofHello.toFixed(2)} | ${x.p50} | ${x.p99} | ${x.errors} |`);
}
console.log(
  `load average at the end: ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
console.log(JSON.stringify({ connections, seconds, rounds, rows, results: summary }));

await hello.close();
await app.close();
await queue.close();
await repo.close();
rmSync(dir, { recursive: true, force: true });
