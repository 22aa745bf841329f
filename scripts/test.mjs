// Test runner: node's built-in runner over every test/**/*.test.ts (TypeScript loaded by tsx), files run in
// parallel (each test isolates itself: own vhost, database, ports, stack names). Ensures services first.
//   node scripts/test.mjs                 all tests
//   node scripts/test.mjs --only unit     the files listed in test/unit-tests.txt (no services needed)
//   node scripts/test.mjs test/x.test.ts  just these files
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? args.splice(onlyIdx, 2)[1] : undefined;
/** test/unit-tests.txt: one test file per line, # comments. */
const unitTests = () =>
  readFileSync('test/unit-tests.txt', 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
const walk = (d) => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
let files = args.length ? args : walk('test').filter((f) => f.endsWith('.test.ts'));
if (only === 'unit') files = unitTests();
else if (only) files = files.filter((f) => f.startsWith(join('test', only)));
files.sort();
// node --test without files searches default patterns and would run scripts/test.mjs itself: never let it.
const notTests = files.filter((f) => !f.endsWith('.test.ts') || !existsSync(f));
if (files.length === 0 || notTests.length) {
  console.error(files.length ? `not test files: ${notTests.join(', ')}` : `no test files match ${only ?? args.join(' ')}`);
  process.exit(2);
}
// The real-stack test (servers booting under QEMU TCG, ~40 min) starts first, so the rest runs beside it.
const longFirst = (f) => (/(^|[\\/])cloud-real[\\/]/.test(f) ? 0 : 1);
files.sort((a, b) => longFirst(a) - longFirst(b));
if (only !== 'unit') {
  const r = spawnSync('bash', ['scripts/ensure-services.sh'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const concurrency = process.env.FAAFO_TEST_CONCURRENCY ?? '3';
const runner = [process.execPath, '--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files];
// The unit subset runs without a network (loopback only) when this user may make a namespace: a listed file that
// needs PostgreSQL, RabbitMQ or the cloud fails instead of passing by luck.
const isolate = only === 'unit' && spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up']).status === 0;
const cmd = isolate ? ['unshare', '-n', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', ...runner] : runner;
const r = spawnSync(cmd[0], cmd.slice(1), { stdio: 'inherit', env: { ...process.env, FAAFO_TEST: '1' } });
process.exit(r.status ?? 1);
