// CLI start-up: wall time of `node -e 0`, `faafo-stack --help` and `faafo-stack generate --out <tmp>` in the same
// run (median of N runs each, interleaved so load changes hit all three alike), and the overhead over bare node.
// Target: --help under 150 ms more than bare node. Uses the compiled CLI and the oclif manifest:
//   npm run build && node bench/cli-startup.mjs [--runs 10]
// Figures depend on the machine and its load; nothing is asserted.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Math.max(1, Number(values.runs));
const bin = path.join(root, 'bin/run.js');
if (
  !existsSync(path.join(root, 'oclif.manifest.json')) ||
  !existsSync(path.join(root, 'dist/src/commands/generate.js'))
) {
  console.error('cli-startup: run `npm run build` first (needs dist/ and oclif.manifest.json)');
  process.exit(2);
}
const tmp = mkdtempSync(path.join(os.tmpdir(), 'faafo-bench-cli-'));
const emptyCwd = mkdtempSync(path.join(os.tmpdir(), 'faafo-bench-cwd-')); // no faafo-stack.yaml here

const cases = {
  'node -e 0': [process.execPath, ['-e', '0']],
  'faafo-stack --help': [process.execPath, [bin, '--help']],
  'faafo-stack generate --out <tmp>': [process.execPath, [bin, 'generate', '--out', tmp]],
};

// CPU time (user + sys) of waited-for children, from /proc/self/stat (Linux; clock ticks, 100 per second): far
// less sensitive to a loaded machine than wall time.
const childCpuMs = () => {
  try {
    const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(f[13]) + Number(f[14])) * 10; // cutime + cstime (fields 16, 17)
  } catch {
    return NaN;
  }
};

function once(cmd, args) {
  const c0 = childCpuMs();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    cwd: emptyCwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, cpu: childCpuMs() - c0 };
}

const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (const [cmd, args] of Object.values(cases)) once(cmd, args); // warm the file cache
for (let i = 0; i < runs; i++) for (const [k, [cmd, args]] of Object.entries(cases)) times[k].push(once(cmd, args));
rmSync(tmp, { recursive: true, force: true });
rmSync(emptyCwd, { recursive: true, force: true });

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const wall = (k) => median(times[k].map((t) => t.ms));
const cpu = (k) => median(times[k].map((t) => t.cpu));
const base = wall('node -e 0');
const baseCpu = cpu('node -e 0');
console.log(
  `cli-startup: median of ${runs} runs each (${os.availableParallelism()} cores, load ${os.loadavg()[0].toFixed(2)})`,
);
console.log(
  `  ${'command'.padEnd(36)} ${'wall'.padStart(9)} ${'over node'.padStart(10)} ${'cpu'.padStart(9)} ${'over node'.padStart(10)}`,
);
for (const k of Object.keys(times)) {
  const over = (a, b) => (k === 'node -e 0' ? '' : `+${(a - b).toFixed(0)} ms`);
  console.log(
    `  ${k.padEnd(36)} ${`${wall(k).toFixed(0)} ms`.padStart(9)} ${over(wall(k), base).padStart(10)} ${`${cpu(k).toFixed(0)} ms`.padStart(9)} ${over(cpu(k), baseCpu).padStart(10)}`,
  );
}
const helpOver = wall('faafo-stack --help') - base;
const helpCpuOver = cpu('faafo-stack --help') - baseCpu;
console.log(
  `  --help overhead: ${helpOver.toFixed(0)} ms wall, ${helpCpuOver.toFixed(0)} ms cpu; target < 150 ms: ${helpOver < 150 ? 'met' : `not met in wall time${helpCpuOver < 150 ? ' (met in cpu time; the machine is loaded)' : ''}`}`,
);
