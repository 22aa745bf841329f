#!/usr/bin/env node
// Our load tool against wrk (Debian's package) on the same target: a real `faafo api` process (SQLite, memory
// queue, 50 fractals), GET /v1/fractal, same connection count and duration, runs alternated to share the machine's
// noise; wrk with one thread, as our tool runs on one event loop. On a shared machine other jobs swing single runs
// by far more than 10 % (and only ever slow them down), so the verdict compares the best round of each tool; the
// medians are printed too. Exit 1 when the best rounds differ by more than 10 %.
//   node --import tsx bench/load-vs-wrk.mjs [--duration 4] [--connections 10] [--rounds 7]
// Installs wrk with apt-get when missing (root).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { faafoCommand, freePort, spawnService, stopService } from '../src/local/procs.ts';
import { runLoad } from '../src/load/run.ts';

const { values: a } = parseArgs({ options: { duration: { type: 'string', default: '4' }, connections: { type: 'string', default: '10' }, rounds: { type: 'string', default: '7' } } });
const duration = Number(a.duration);
const connections = Number(a.connections);

if (spawnSync('wrk', ['--version']).error) {
  console.error('wrk not found: installing it (apt-get install -y wrk)');
  execFileSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'inherit' });
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'faafo-bench-wrk-'));
const port = await freePort();
const api = await spawnService({
  tier: 'api',
  name: 'bench-api',
  cwd: dir,
  logDir: dir,
  port,
  env: { FAAFO_DATABASE_URL: `sqlite:${dir}/db.sqlite`, FAAFO_QUEUE_URL: 'memory:', FAAFO_IMAGE_URL: `file:${dir}/images` },
});
const url = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await globalThis.fetch(`${url}/healthz`)).ok) break;
    } catch {
      /* not up yet */
    }
    await sleep(200);
  }
  for (let i = 0; i < 50; i++) {
    await globalThis.fetch(`${url}/v1/fractal`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uuid: randomUUID(), width: 64, height: 64, iterations: 64, xa: -1, xb: 1, ya: -1, yb: 1 }),
    });
  }
  const target = `${url}/v1/fractal`;
  const ours = [];
  const theirs = [];
  for (let round = 0; round < Number(a.rounds); round++) {
    const w = execFileSync('wrk', ['-t', '1', '-c', String(connections), '-d', `${duration}s`, target], { encoding: 'utf8' });
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(w)[1]);
    theirs.push(rps);
    const r = await runLoad({
      url,
      mode: 'api',
      rate: 'max',
      connections,
      durationS: duration,
      timeoutS: 10,
      mix: { list: 1, get: 0, create: 0 },
      size: {},
      intervalS: 1,
      drainTimeoutS: 0,
      settleS: 0,
    });
    if (r.requests.errors) console.error(`our run had errors: ${JSON.stringify(r.requests.errorsByKind)}`);
    ours.push(r.requests.throughputPerS);
    console.log(`round ${round + 1}: wrk ${rps.toFixed(0)} req/s, faafo-stack load ${r.requests.throughputPerS.toFixed(0)} req/s (p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms)`);
  }
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const best = (xs) => Math.max(...xs);
  const ratio = best(ours) / best(theirs);
  console.log(
    JSON.stringify({
      target: 'GET /v1/fractal',
      connections,
      durationS: duration,
      rounds: ours.length,
      wrkBestRps: Math.round(best(theirs)),
      oursBestRps: Math.round(best(ours)),
      ratioBest: Number(ratio.toFixed(3)),
      wrkMedianRps: Math.round(median(theirs)),
      oursMedianRps: Math.round(median(ours)),
      loadAverage: Number(os.loadavg()[0].toFixed(1)),
      server: faafoCommand().args.at(-1),
    }),
  );
  if (Math.abs(ratio - 1) > 0.1) {
    console.error(`best throughputs differ by ${((ratio - 1) * 100).toFixed(1)} % (> 10 %)`);
    process.exitCode = 1;
  }
} finally {
  await stopService(api, 10);
  rmSync(dir, { recursive: true, force: true });
}
