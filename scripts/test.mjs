// Test runner: node's built-in runner over every test/**/*.test.ts (TypeScript loaded by tsx), files run in
// parallel (each test isolates itself: own vhost, database, ports, stack names). Ensures services first.
//   node scripts/test.mjs                 all tests
//   node scripts/test.mjs --only unit     test/unit only (no services needed)
//   node scripts/test.mjs test/x.test.ts  just these files
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? args.splice(onlyIdx, 2)[1] : undefined;
const walk = (d) => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
let files = args.length ? args : walk('test').filter((f) => f.endsWith('.test.ts'));
if (only) files = files.filter((f) => f.startsWith(join('test', only)));
files.sort();
// The real-stack test (servers booting under QEMU TCG, ~40 min) starts first, so the rest runs beside it.
const longFirst = (f) => (/(^|[\\/])cloud-real[\\/]/.test(f) ? 0 : 1);
files.sort((a, b) => longFirst(a) - longFirst(b));
if (only !== 'unit') {
  const r = spawnSync('bash', ['scripts/ensure-services.sh'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const concurrency = process.env.FAAFO_TEST_CONCURRENCY ?? '3';
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, FAAFO_TEST: '1' } },
);
process.exit(r.status ?? 1);
