// Renderer benchmark: per-core speed against ../shared/bench/julia_ref.c (gcc -O2, same run, same image),
// pixel identity (rgbsum), all-core speed-up, and peak RSS / time of a 9999x9999 fractal in a child process.
//   node bench/render.mjs [--rounds 5] [--big-iterations 512] [--no-big] [--dist]
// By default app/render is compiled with esbuild into a temp folder (plain JS, like dist/); --dist uses the
// project build (npm run build) instead. The last line is JSON. Figures depend on the machine and its load:
// every timing is the best of --rounds runs, C and ours interleaved.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { Writable } from 'node:stream';
import { build } from 'esbuild';
import { PNG } from 'pngjs';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    'big-iterations': { type: 'string', default: '512' },
    'no-big': { type: 'boolean', default: false },
    dist: { type: 'boolean', default: false },
  },
});
const rounds = Number(args.rounds);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.FAAFO_SHARED ?? path.resolve(repoRoot, '../shared');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-render-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

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

// --- the code under test: plain JS modules of app/render
let renderDir;
if (args.dist) {
  renderDir = path.join(repoRoot, 'dist/app/render');
} else {
  renderDir = path.join(tmp, 'render');
  const src = path.join(repoRoot, 'app/render');
  await build({
    entryPoints: readdirSync(src)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(src, f)),
    outdir: renderDir,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  writeFileSync(path.join(renderDir, 'package.json'), '{"type":"module"}\n');
}
const mod = (name) => pathToFileURL(path.join(renderDir, name)).href;
const { Renderer } = await import(mod('index.js'));

// --- the C reference
const ref = path.join(tmp, 'julia_ref');
execFileSync('gcc', ['-O2', '-o', ref, path.join(shared, 'bench/julia_ref.c')]);
// CPU seconds (user+sys) of the C run come from bash's `time`: per-core figures that load on the machine
// (other processes competing for the cores) distorts much less than wall-clock time.
const runC = () => {
  const r = spawnSync(
    'bash',
    ['-c', 'TIMEFORMAT="cpu=%3U+%3S"; time "$@"', 'bash', ref, ...[W, H, N, C.cr, C.ci].map(String)],
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
const threadTicks = () => {
  try {
    return Object.fromEntries(
      readdirSync('/proc/self/task').map((t) => {
        const f = readFileSync(`/proc/self/task/${t}/stat`, 'utf8').split(') ')[1].split(' ');
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
if (!identical) process.exitCode = 1;
