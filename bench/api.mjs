// API throughput: starts the API in-process on SQLite (a temp file) + the memory queue + a file image store,
// seeds rows (some rendered with a real PNG), then drives it with autocannon for a few seconds per case, beside
// a bare Fastify "hello" server measured the same way in the same run (the ceiling for this machine and load).
// Target: list and get at least half the hello rate. Also reported: CPU time per request, steadier than the
// rates when other work shares the machine.
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

// What each JSON case answers (the list: the first page at the default 10 per page, as the original faafo's
// Flask-Restless API and its `faafo list` client use it).
const listBody = await (await fetch(`${base}/v1/fractal`)).text();
const listRows = JSON.parse(listBody).objects.length;
const showBytes = Buffer.byteLength(await (await fetch(`${base}/v1/fractal/${sampleUuid}`)).text());
const helloBytes = Buffer.byteLength(await (await fetch(helloBase)).text());
const allCases = [
  ['hello', `bare Fastify "hello" (reference, ${helloBytes} bytes)`, '/', helloBase],
  ['list', `GET /v1/fractal (list: ${listRows} of ${rows} rows, ${Buffer.byteLength(listBody)} bytes)`, '/v1/fractal'],
  ['show', `GET /v1/fractal/<uuid> (show, ${showBytes} bytes)`, `/v1/fractal/${sampleUuid}`],
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
// Beside it, the CPU time this process spent per request (server and load generator together, user + system):
// on a machine busy with other work the requests/s swing with what the process gets, its CPU per request much
// less; hello's CPU per request / the case's is the ratio the process would reach on a core of its own.
const results = cases.map(([name]) => ({
  name,
  rps: [],
  ratio: [],
  cpu: [],
  cpuRatio: [],
  p50: [],
  p99: [],
  errors: 0,
}));
for (let round = 0; round < rounds; round++) {
  let reference = 0;
  let referenceCpu = 0;
  for (const [i, [, url, origin = base]] of cases.entries()) {
    const before = process.cpuUsage();
    const r = await autocannon({ url: `${origin}${url}`, connections, duration: seconds });
    const used = process.cpuUsage(before);
    const cpu = (used.user + used.system) / Math.max(1, r.requests.total);
    const x = results[i];
    x.errors += r.errors + r.timeouts + (r.non2xx ?? 0);
    if (i === 0) {
      reference = r.requests.average;
      referenceCpu = cpu;
    }
    x.rps.push(r.requests.average);
    x.ratio.push(r.requests.average / reference);
    x.cpu.push(cpu);
    x.cpuRatio.push(referenceCpu / cpu);
    x.p50.push(r.latency.p50);
    x.p99.push(r.latency.p99);
  }
}
const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const range = (xs, digits) => `${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}`;
console.log(`median (range) of ${rounds} rounds (hello measured again before the cases of each round):`);
console.log(
  '| case | requests/s | of hello | CPU µs/request | of hello by CPU | latency p50 ms | latency p99 ms | errors/non-2xx |',
);
console.log('|---|---|---|---|---|---|---|---|');
const summary = results.map((x) => ({
  name: x.name,
  rps: median(x.rps),
  ofHello: median(x.ratio),
  ofHelloRange: [Math.min(...x.ratio), Math.max(...x.ratio)],
  cpuMicros: median(x.cpu),
  ofHelloByCpu: median(x.cpuRatio),
  ofHelloByCpuRange: [Math.min(...x.cpuRatio), Math.max(...x.cpuRatio)],
  p50: median(x.p50),
  p99: median(x.p99),
  errors: x.errors,
}));
for (const [i, x] of summary.entries()) {
  const r = results[i];
  console.log(
    `| ${x.name} | ${Math.round(x.rps)} | ${x.ofHello.toFixed(2)} (${range(r.ratio, 2)}) | ${x.cpuMicros.toFixed(1)} | ${x.ofHelloByCpu.toFixed(2)} (${range(r.cpuRatio, 2)}) | ${x.p50} | ${x.p99} | ${x.errors} |`,
  );
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
