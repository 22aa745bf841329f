// Renderer benchmark: per-core speed against the C reference julia_ref.c (gcc -O2, same run, same image),
// pixel identity (rgbsum), all-core speed-up, the end-to-end time a user waits (POST -> stored through
// `faafo serve`, one worker, 1 thread and all threads, beside the C kernel on the same image), PNG size against
// the previous encoder and PIL's defaults, and peak RSS / time of a 9999x9999 fractal in a child process.
//   node bench/render.mjs [--rounds 5] [--e2e-rounds 5] [--levels 1,2,3,4,6] [--big-iterations 512]
//                         [--no-big] [--no-e2e] [--no-levels] [--dist]
// By default app/ is compiled with esbuild into a temp folder under node_modules/.cache (plain JS, like dist/,
// and where the service's dependencies resolve); --dist uses the project build (npm run build) instead. The
// last line is JSON. Figures depend on the machine and its load: timings are reported as best and median of
// the rounds, C and ours interleaved, with the load average.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  statSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { Writable } from 'node:stream';
import { build } from 'esbuild';
import { PNG } from 'pngjs';
import zlib from 'node:zlib';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    'big-iterations': { type: 'string', default: '512' },
    'no-big': { type: 'boolean', default: false },
    'e2e-rounds': { type: 'string', default: '5' },
    'no-e2e': { type: 'boolean', default: false },
    levels: { type: 'string', default: '1,2,3,4,6' },
    'no-levels': { type: 'boolean', default: false },
    dist: { type: 'boolean', default: false },
  },
});
const rounds = Number(args.rounds);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The C reference renderer the repository carries (bench/reference/julia_ref.c).
const refSource = path.join(repoRoot, 'bench/reference/julia_ref.c');
if (!existsSync(refSource)) throw new Error(`julia_ref.c not found: ${refSource}`);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-render-'));
// The compiled app/ sits inside the repository so that its imports of node_modules packages resolve.
const cacheDir = path.join(repoRoot, 'node_modules/.cache');
if (!args.dist) mkdirSync(cacheDir, { recursive: true });
const buildDir = args.dist ? undefined : mkdtempSync(path.join(cacheDir, 'bench-render-'));
process.on('exit', () => {
  rmSync(tmp, { recursive: true, force: true });
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

const W = 2000;
const H = 2000;
const N = 512;
const C = { cr: -0.8, ci: 0.156 };
const RECT = { xa: -2, xb: 2, ya: -1.5, yb: 1.5 };
const P = { width: W, height: H, iterations: N, ...RECT, ...C };
const cores = os.availableParallelism();
const fmt = (v, d = 3) => v.toFixed(d);
const best = (xs) => Math.min(...xs);
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

// --- the code under test: plain JS modules of app/
let appDir;
if (args.dist) {
  appDir = path.join(repoRoot, 'dist/app');
} else {
  appDir = path.join(buildDir, 'app');
  const walk = (d) =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)],
    );
  const src = path.join(repoRoot, 'app');
  await build({
    entryPoints: walk(src).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
    outdir: appDir,
    outbase: src,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  writeFileSync(path.join(buildDir, 'package.json'), '{"type":"module"}\n');
}
const renderDir = path.join(appDir, 'render');
const mod = (name) => pathToFileURL(path.join(renderDir, name)).href;
const { Renderer } = await import(mod('index.js'));

// --- the C reference
const ref = path.join(tmp, 'julia_ref');
execFileSync('gcc', ['-O2', '-o', ref, refSource, '-lm']);
// CPU seconds (user+sys) of the C run come from bash's `time`: per-core figures that load on the machine
// (other processes competing for the cores) distorts much less than wall-clock time.
const runC = (p = P) => {
  const r = spawnSync(
    'bash',
    [
      '-c',
      'TIMEFORMAT="cpu=%3U+%3S"; time "$@"',
      'bash',
      ref,
      ...[p.width, p.height, p.iterations, p.cr, p.ci].map(String),
    ],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`julia_ref failed: ${r.stderr}`);
  const f = (k) => Number(new RegExp(`${k}=([0-9.]+)`).exec(r.stdout)[1]);
  const cpu = /cpu=([0-9.]+)\+([0-9.]+)/.exec(r.stderr);
  return {
    seconds: f('seconds'),
    iters: f('iters'),
    rgbsum: f('rgbsum'),
    cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN,
  };
};

// --- ours, kernel only, in one thread (no PNG): the apples-to-apples comparison with the C loop
const kernelWorker = new Worker(
  `const { parentPort, workerData } = require('node:worker_threads');
   const fs = require('node:fs');
   // This thread's CPU ticks (utime+stime) from Linux /proc; NaN elsewhere.
   const ticks = () => {
     try {
       const f = fs.readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ');
       return Number(f[11]) + Number(f[12]);
     } catch { return NaN; }
   };
   import(workerData.mod).then(({ BandRenderer }) => {
     const b = new BandRenderer('auto');
     parentPort.on('message', (p) => {
       const t = performance.now();
       const c = ticks();
       const rows = 40;
       for (let y0 = 0; y0 < p.height; y0 += rows) b.render({ ...p, y0, y1: Math.min(p.height, y0 + rows), level: 3 });
       parentPort.postMessage({ seconds: (performance.now() - t) / 1000, cpuTicks: ticks() - c, kernel: b.kernel });
     });
     parentPort.postMessage('ready');
   });`,
  { eval: true, workerData: { mod: mod('band-renderer.js') } },
);
await new Promise((resolve) => kernelWorker.once('message', resolve));
const runKernel = () =>
  new Promise((resolve) => {
    kernelWorker.once('message', resolve);
    kernelWorker.postMessage(P);
  });

// --- ours, full render (threads, PNG encoding) into memory
const sink = () => {
  const parts = [];
  return {
    parts,
    out: new Writable({
      write(c, _e, cb) {
        parts.push(c);
        cb();
      },
    }),
  };
};
const one = new Renderer({ threads: 1 });
const all = new Renderer({ threads: cores });
const renderWith = async (r) => {
  const s = sink();
  const res = await r.render(P, s.out);
  return { ...res, png: Buffer.concat(s.parts) };
};

console.log(`machine: ${cores} cores (${os.cpus()[0]?.model ?? '?'}), Node ${process.version}, load ${load()}`);
console.log(`image: ${W}x${H}, N=${N}, c=${C.cr}+${C.ci}i, default rectangle; best of ${rounds} runs, interleaved`);

// Warm-up: starts the threads and tiers up the WebAssembly code.
await runKernel();
const first = await renderWith(one);
await renderWith(all);

const cRuns = [];
const kRuns = [];
const oneRuns = [];
const allRuns = [];
let kernelName;
let kCpuTicks = 0;
let oneCpu = 0; // process CPU seconds (all threads: main, render thread, libuv) of the threads=1 renders
for (let i = 0; i < rounds; i++) {
  cRuns.push(runC());
  const k = await runKernel();
  kernelName = k.kernel;
  kRuns.push(k.seconds);
  kCpuTicks += k.cpuTicks;
  const cpu0 = process.cpuUsage();
  oneRuns.push((await renderWith(one)).duration);
  const cpu1 = process.cpuUsage(cpu0);
  oneCpu += (cpu1.user + cpu1.system) / 1e6;
  allRuns.push((await renderWith(all)).duration);
}
await kernelWorker.terminate();
await one.close();
// How the all-core render splits its work: CPU ticks per OS thread of this process during one render (Linux).
// Under load the scheduler may not give a process more cores, so wall-clock speed-up can hide a good split;
// min(cores, total CPU / busiest thread) is the speed-up the split allows on idle cores.
const threadTicks = (pid = 'self') => {
  try {
    return Object.fromEntries(
      readdirSync(`/proc/${pid}/task`).map((t) => {
        const f = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8').split(') ')[1].split(' ');
        return [t, Number(f[11]) + Number(f[12])];
      }),
    );
  } catch {
    return undefined;
  }
};
const before = threadTicks();
await renderWith(all);
const afterTicks = threadTicks();
let split;
if (before && afterTicks) {
  const busy = Object.entries(afterTicks)
    .map(([t, v]) => v - (before[t] ?? 0))
    .filter((v) => v > 0)
    .sort((a, b) => b - a);
  const total = busy.reduce((a, v) => a + v, 0);
  split = { ticks: busy, bound: Math.min(cores, total / busy[0]) };
}
await all.close();

const iters = cRuns[0].iters;
const tC = best(cRuns.map((r) => r.seconds));
const tK = best(kRuns);
const t1 = best(oneRuns);
const tAll = best(allRuns);
const pixels = W * H;
const line = (name, t) =>
  console.log(
    `${name.padEnd(44)} ${fmt(t)} s  ${fmt(pixels / t / 1e6, 2).padStart(7)} Mpx/s  ${fmt(iters / t / 1e9)} Giter/s`,
  );
line('C julia_ref -O2 (1 core)', tC);
line(`ours, kernel only (1 thread, ${kernelName})`, tK);
line('ours, render + PNG (threads=1)', t1);
line(`ours, render + PNG (threads=${cores})`, tAll);

// Pixel identity: rgbsum of our decoded PNG equals C's.
const img = PNG.sync.read(first.png);
let rgbsum = 0;
for (let i = 0; i < img.data.length; i += 4) rgbsum += img.data[i] + img.data[i + 1] + img.data[i + 2];
const identical = rgbsum === cRuns[0].rgbsum;
console.log(`rgbsum: C ${cRuns[0].rgbsum}, ours ${rgbsum} -> ${identical ? 'identical' : 'DIFFERENT'}`);
console.log(`per-core ratio vs C (best wall times): kernel ${fmt(tC / tK, 2)}x, render+PNG ${fmt(tC / t1, 2)}x`);
// The same ratio from CPU time summed over all rounds (clock ticks of the kernel thread vs C's user+sys).
let clkTck = 100;
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // no getconf: Linux's usual 100 Hz
}
const cpuC = cRuns.reduce((a, r) => a + r.cpu, 0);
const cpuK = kCpuTicks / clkTck;
const cpuRatio = cpuC / cpuK;
if (Number.isFinite(cpuRatio)) {
  console.log(
    `per-core ratio vs C (CPU time over ${rounds} rounds): kernel ${fmt(cpuRatio, 2)}x (C ${fmt(cpuC, 2)} s, ours ${fmt(cpuK, 2)} s), ` +
      `render+PNG ${fmt(cpuC / oneCpu, 2)}x (${fmt(oneCpu, 2)} s of process CPU)`,
  );
}
console.log(`all-core speed-up (threads=${cores} vs threads=1): ${fmt(t1 / tAll, 2)}x`);
if (split) {
  console.log(
    `all-core work split: CPU ticks per busy OS thread ${split.ticks.join(', ')} -> speed-up the split allows: ${fmt(split.bound, 2)}x`,
  );
}
console.log(`PNG: ${first.png.length} bytes for ${W}x${H}`);

// --- end to end: POST -> stored through `faafo serve` (one worker), the time a user waits, beside the C kernel
// on the same image in the same run. "Stored" is the worker's `task <uuid> processed` log line, written once the
// API answered that the image and the row's size are stored (checked with a GET afterwards).
const E = { width: 4000, height: 3000, iterations: 512, ...RECT, ...C };
/** PNG size of this image with the encoder before the parallel-pipeline tuning (zlib level 3, commit 3bd6d1a). */
const PREVIOUS_SIZE = 1890762;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });

async function startServe(threads) {
  const dir = mkdtempSync(path.join(tmp, `serve-${threads}-`));
  const entry = path.join(dir, 'faafo.mjs');
  writeFileSync(
    entry,
    `import { main } from ${JSON.stringify(pathToFileURL(path.join(appDir, 'cli/main.js')).href)};\n` +
      'process.exitCode = await main(process.argv.slice(2));\n',
  );
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      entry,
      'serve',
      '--workers',
      '1',
      '--threads',
      String(threads),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--database-url',
      `sqlite:${path.join(dir, 'faafo.sqlite')}`,
      '--image-url',
      `file:${path.join(dir, 'images')}`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const waiting = new Map(); // uuid -> resolve(time stored)
  let buffered = '';
  child.stdout.on('data', (d) => {
    const now = performance.now();
    buffered += d;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const m = /task ([0-9a-f-]{36}) processed/.exec(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      if (m && waiting.has(m[1])) waiting.get(m[1])(now);
    }
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`faafo serve exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 600) throw new Error('faafo serve did not start within 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base,
    pid: child.pid,
    /** POSTs the fractal and resolves when the worker reports it stored: seconds, and the stored row. */
    async request(params) {
      const t0 = performance.now();
      const res = await fetch(`${base}/v1/fractal`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(params),
      });
      if (res.status !== 201) throw new Error(`POST answered ${res.status}: ${await res.text()}`);
      const { uuid } = await res.json();
      const t1 = await new Promise((resolve) => waiting.set(uuid, resolve));
      waiting.delete(uuid);
      const row = await (await fetch(`${base}/v1/fractal/${uuid}`)).json();
      if (typeof row.size !== 'number') throw new Error(`fractal ${uuid} reported processed but has no size`);
      return { seconds: (t1 - t0) / 1000, row };
    },
    async png(uuid) {
      return Buffer.from(await (await fetch(`${base}/fractal/${uuid}`)).arrayBuffer());
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** rgbsum (as julia_ref.c) of a PNG, and the size of its pixels as PIL would store them (zlib 6, filter 0). */
function inspectPng(png) {
  const img = PNG.sync.read(png); // checks CRCs; zlib's inflate checks the Adler-32
  const line = 1 + 3 * img.width;
  const raw = Buffer.alloc(line * img.height);
  let sum = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const i = 4 * (y * img.width + x);
      const o = y * line + 1 + 3 * x;
      raw[o] = img.data[i];
      raw[o + 1] = img.data[i + 1];
      raw[o + 2] = img.data[i + 2];
      sum += img.data[i] + img.data[i + 1] + img.data[i + 2];
    }
  }
  return { rgbsum: sum, pilSize: zlib.deflateSync(raw, { level: 6 }).length + 57 /* signature, IHDR, IDAT, IEND */ };
}

let e2e;
if (!args['no-e2e']) {
  const e2eRounds = Number(args['e2e-rounds']);
  console.log(
    `end to end: POST -> stored through faafo serve (1 worker, SQLite, file images), ${E.width}x${E.height}, ` +
      `N=${E.iterations}, c=${C.cr}+${C.ci}i; ${e2eRounds} rounds, C interleaved; load ${load()}`,
  );
  const threadCounts = [...new Set([1, cores])];
  const serves = [];
  for (const t of threadCounts) {
    serves.push({ threads: t, serve: await startServe(t), runs: [], renders: [], ticks: {} });
  }
  // Warm-up (threads started, WebAssembly tiered up), and the pixel check of the stored PNG.
  let stored;
  for (const s of serves) stored = await s.serve.request(E);
  const cE = [];
  for (let i = 0; i < e2eRounds; i++) {
    cE.push(runC(E));
    for (const s of serves) {
      // CPU ticks of every thread of the serve process (API, worker, render threads, upload, storing) during
      // the request: the load-independent cost per fractal, and how it splits over threads.
      const t0 = threadTicks(s.serve.pid);
      const r = await s.serve.request(E);
      const t1 = threadTicks(s.serve.pid);
      if (t0 && t1) for (const [t, v] of Object.entries(t1)) s.ticks[t] = (s.ticks[t] ?? 0) + v - (t0[t] ?? 0);
      s.runs.push(r.seconds);
      s.renders.push(r.row.duration);
    }
  }
  const png = await serves[serves.length - 1].serve.png(stored.row.uuid);
  for (const s of serves) await s.serve.stop();
  const seen = inspectPng(png);
  const tCE = cE.map((r) => r.seconds);
  const e2eIdentical = seen.rgbsum === cE[0].rgbsum;
  e2e = {
    image: E,
    rounds: e2eRounds,
    c: { best: best(tCE), median: median(tCE), cpu: cE.reduce((a, r) => a + r.cpu, 0) / cE.length },
    size: stored.row.size,
    previousSize: PREVIOUS_SIZE,
    pilDefaultSize: seen.pilSize,
    rgbsumIdentical: e2eIdentical,
    load: os.loadavg(),
  };
  console.log(`C julia_ref -O2 (1 core): best ${fmt(e2e.c.best)} s, median ${fmt(e2e.c.median)} s`);
  for (const s of serves) {
    const key = s.threads === 1 ? 'oneThread' : 'allThreads';
    const busy = Object.values(s.ticks)
      .filter((v) => v > 0)
      .sort((a, b) => b - a);
    const ticks = busy.reduce((a, v) => a + v, 0);
    const cpu = ticks / clkTck / e2eRounds; // serve's CPU seconds per fractal
    e2e[key] = {
      threads: s.threads,
      best: best(s.runs),
      median: median(s.runs),
      renderMedian: median(s.renders),
      ratioBest: e2e.c.best / best(s.runs),
      ratioMedian: e2e.c.median / median(s.runs),
      // Each round's C time over ours in the same round (run back to back): steadier when the load changes.
      ratioPairedMedian: median(s.runs.map((t, i) => cE[i].seconds / t)),
      cpuSeconds: busy.length ? cpu : null,
      cpuRatio: busy.length ? e2e.c.cpu / cpu : null,
      splitTicks: busy,
      splitBound: busy.length ? Math.min(s.threads, ticks / busy[0]) : null,
    };
    const x = e2e[key];
    console.log(
      `POST -> stored, threads=${s.threads}: best ${fmt(x.best)} s, median ${fmt(x.median)} s ` +
        `(render ${fmt(x.renderMedian)} s of it) -> ${fmt(x.ratioBest, 2)}x C per core (best), ${fmt(x.ratioMedian, 2)}x (median), ` +
        `${fmt(x.ratioPairedMedian, 2)}x (median of the rounds' own ratios)`,
    );
    if (busy.length) {
      console.log(
        `  serve CPU ${fmt(cpu)} s per fractal (C ${fmt(e2e.c.cpu)} s) -> ${fmt(x.cpuRatio, 2)}x C in CPU time; ` +
          `ticks per busy thread ${busy.slice(0, 6).join(', ')} -> the split allows ${fmt(x.splitBound, 2)}x on idle cores, ` +
          `i.e. at most ${fmt(x.cpuRatio * x.splitBound, 2)}x C per core there`,
      );
    }
  }
  console.log(
    `PNG ${E.width}x${E.height}: ${e2e.size} bytes; previous encoder ${PREVIOUS_SIZE} (${fmt((100 * e2e.size) / PREVIOUS_SIZE - 100, 1)}%), ` +
      `PIL defaults ${seen.pilSize}; rgbsum ${e2eIdentical ? '= C' : 'DIFFERENT from C'}`,
  );
}

// --- zlib level: time and size side by side (the renderer's `compression` option), on the end-to-end image,
// one render thread, process CPU time (render thread + main thread) of each render, median of --rounds.
let levelTable;
if (!args['no-levels']) {
  const levels = args.levels.split(',').map(Number);
  console.log(
    `zlib level (threads=1, ${E.width}x${E.height}, N=${E.iterations}; median of ${rounds}; load ${load()}):`,
  );
  const rs = levels.map((level) => ({ level, r: new Renderer({ threads: 1, compression: level }), cpu: [], wall: [] }));
  for (const x of rs) await x.r.render(E, sink().out); // warm-up
  for (let i = 0; i < rounds; i++) {
    for (const x of rs) {
      const s = sink();
      const c0 = process.cpuUsage();
      const res = await x.r.render(E, s.out);
      const c = process.cpuUsage(c0);
      x.cpu.push((c.user + c.system) / 1e6);
      x.wall.push(res.duration);
      x.size = res.size;
    }
  }
  for (const x of rs) await x.r.close();
  levelTable = rs.map((x) => ({
    level: x.level,
    cpuSeconds: median(x.cpu),
    wallSeconds: median(x.wall),
    size: x.size,
  }));
  const ref3 = levelTable.find((x) => x.level === 3) ?? levelTable[0];
  for (const x of levelTable) {
    console.log(
      `  level ${x.level}: CPU ${fmt(x.cpuSeconds)} s (${fmt((100 * x.cpuSeconds) / ref3.cpuSeconds - 100, 1)}% vs level ${ref3.level}), ` +
        `wall ${fmt(x.wallSeconds)} s, ${x.size} bytes (${fmt((100 * x.size) / ref3.size - 100, 1)}%)`,
    );
  }
}

// --- 9999x9999 in a child process: time and peak RSS
let big;
if (!args['no-big']) {
  const bigN = Number(args['big-iterations']);
  const file = path.join(tmp, 'big.png');
  const script = path.join(tmp, 'big.mjs');
  writeFileSync(
    script,
    `import fs from 'node:fs';
     import { finished } from 'node:stream/promises';
     const { Renderer } = await import(${JSON.stringify(mod('index.js'))});
     const r = new Renderer();
     const out = fs.createWriteStream(process.argv[2]);
     const t = performance.now();
     const res = await r.render({ width: 9999, height: 9999, iterations: ${bigN}, ...${JSON.stringify(RECT)}, ...${JSON.stringify(C)} }, out);
     out.end();
     await finished(out);
     const wall = (performance.now() - t) / 1000;
     await r.close();
     const u = process.resourceUsage();
     console.log(JSON.stringify({ ...res, wall, maxRssMiB: u.maxRSS / 1024, cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6 }));`,
  );
  const child = spawn(process.execPath, [script, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise((resolve) => child.on('exit', resolve));
  big = JSON.parse(out);
  big.iterations = bigN;
  if (statSync(file).size !== big.size) throw new Error('9999x9999: file size differs from the reported size');
  console.log(
    `9999x9999 N=${bigN} (threads=${cores}, to a file): ${fmt(big.duration, 1)} s, CPU ${fmt(big.cpuSeconds, 1)} s, ` +
      `peak RSS ${fmt(big.maxRssMiB, 1)} MiB, PNG ${(big.size / 2 ** 20).toFixed(1)} MiB`,
  );
}
console.log(`load at the end: ${load()}`);
console.log(
  JSON.stringify({
    image: { width: W, height: H, iterations: N, ...C },
    cores,
    kernel: kernelName,
    c: { seconds: tC, mpxS: pixels / tC / 1e6, giterS: iters / tC / 1e9 },
    kernelOneThread: {
      seconds: tK,
      mpxS: pixels / tK / 1e6,
      giterS: iters / tK / 1e9,
      ratio: tC / tK,
      cpuRatio: Number.isFinite(cpuRatio) ? cpuRatio : null,
    },
    renderOneThread: {
      seconds: t1,
      mpxS: pixels / t1 / 1e6,
      giterS: iters / t1 / 1e9,
      ratio: tC / t1,
      cpuRatio: cpuC / oneCpu,
    },
    renderAllThreads: {
      seconds: tAll,
      mpxS: pixels / tAll / 1e6,
      giterS: iters / tAll / 1e9,
      speedup: t1 / tAll,
      splitTicks: split?.ticks ?? null,
      splitBound: split?.bound ?? null,
    },
    rgbsumIdentical: identical,
    endToEnd: e2e ?? null,
    levels: levelTable ?? null,
    big: big && {
      width: 9999,
      height: 9999,
      iterations: big.iterations,
      seconds: big.duration,
      cpuSeconds: big.cpuSeconds,
      maxRssMiB: big.maxRssMiB,
      size: big.size,
    },
  }),
);
if (!identical || (e2e && !e2e.rgbsumIdentical)) process.exitCode = 1;
