// resolveConfig: faafo-stack.yaml + flags, validated; every bad input is one line naming the problem and the fix.
// Plus the CLI contract: exit 2 and no files written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig, configSchema } from '../src/config/index.js';
import { oneLine, UsageError } from '../src/lib/errors.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'faafo-gencfg-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

function configFile(text: string): string {
  const f = path.join(tmp, `cfg-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(f, text);
  return f;
}

async function problem(flags: Record<string, unknown>, file?: string): Promise<string> {
  try {
    await resolveConfig({ flags, configPath: file, cwd: tmp });
  } catch (e) {
    assert.ok(e instanceof UsageError, `UsageError expected, got ${(e as Error).name}`);
    assert.equal(e.exitCode, 2);
    const line = oneLine(e);
    assert.ok(!line.includes('\n'));
    return line;
  }
  assert.fail('expected a UsageError');
}

test('defaults without a config file', async () => {
  const c = await resolveConfig({ cwd: tmp });
  assert.equal(c.topology, 'tiers');
  assert.deepEqual([c.api.min, c.api.max, c.api.desired], [1, 3, 1]);
  assert.deepEqual([c.workers.min, c.workers.max, c.workers.desired], [1, 6, 1]);
  assert.deepEqual([c.scaling.granularity, c.scaling.cooldown, c.scaling.alarmAction], [300, 300, 'signal']);
  assert.equal(c.loadBalancer, true);
  assert.equal(c.database.external, false);
});

test('flags override the file; --flavor sets every flavor, per-tier flavor flags win', async () => {
  const f = configFile('workers:\n  min: 2\n  max: 4\n  flavor: small\nscaling:\n  granularity: 60\n');
  const c = await resolveConfig({
    flags: { 'max-workers': 8, flavor: 'm1.large', 'api-flavor': 'm1.xlarge' },
    configPath: f,
    cwd: tmp,
  });
  assert.deepEqual([c.workers.min, c.workers.max], [2, 8]);
  assert.equal(c.workers.flavor, 'm1.large');
  assert.equal(c.api.flavor, 'm1.xlarge');
  assert.equal(c.services.flavor, 'm1.large');
  assert.equal(c.scaling.granularity, 60);
});

test('./faafo-stack.yaml in the working directory is the default config file', async () => {
  const dir = mkdtempSync(path.join(tmp, 'cwd-'));
  writeFileSync(path.join(dir, 'faafo-stack.yaml'), 'name: demo\napi:\n  max: 5\n');
  const c = await resolveConfig({ cwd: dir });
  assert.equal(c.name, 'demo');
  assert.equal(c.api.max, 5);
});

test('bad inputs: one line naming the key or flag and the fix', async () => {
  const cases: [Record<string, unknown>, string | undefined, RegExp][] = [
    [
      { 'min-api': 3, 'max-api': 2 },
      undefined,
      /^--max-api \(2\) is less than --min-api \(3\) \(raise --max-api or lower --min-api\)$/,
    ],
    [
      {},
      configFile('workers:\n  min: 4\n  max: 2\n'),
      /^workers\.max in cfg-\w+\.yaml \(2\) is less than workers\.min in cfg-\w+\.yaml \(4\)/,
    ],
    [
      { 'desired-workers': 9 },
      undefined,
      /^--desired-workers \(9\) is outside workers min\.\.max \(1\.\.6\) \(give a value from 1 to 6\)$/,
    ],
    [
      {},
      configFile('api:\n  min: 1\n  colour: red\n'),
      /^unknown key "api\.colour" in .* \(remove it or use one of: min, max, desired, flavor, vcpus, scaleUpCpu, scaleDownCpu\)$/,
    ],
    [{}, configFile('workerz: {}\n'), /^unknown key "workerz"/],
    [{ 'scale-up-cpu': 120 }, undefined, /^--scale-up-cpu must be a percent from 1 to 100 \(give the CPU percent/],
    [{ 'scale-down-cpu': 0 }, undefined, /^--scale-down-cpu must be a percent from 1 to 100/],
    [
      {},
      configFile('scaling:\n  scaleUpCpu: 101\n'),
      /^scaling\.scaleUpCpu in cfg-\w+\.yaml must be a percent from 1 to 100/,
    ],
    [
      { granularity: 90 },
      undefined,
      /^--granularity must be a multiple of 60 seconds \(use a multiple of 60 that the archive policy/,
    ],
    [
      {},
      configFile('scaling:\n  granularity: 45\n'),
      /^scaling\.granularity in .* must be (a multiple of 60 seconds|>= 60)/,
    ],
    [{ 'scale-up-cpu': 30, 'scale-down-cpu': 40 }, undefined, /scale-down CPU 40% is not below scale-up CPU 30%/],
    [
      { 'app-sha256': 'abc' },
      undefined,
      /^--app-sha256 is not valid .* \(give the 64 lowercase hex digits of `sha256sum BUNDLE`\)$/,
    ],
    [{ 'database-url': 'redis://x' }, undefined, /^--database-url is not valid .*postgresql:\/\//],
    [
      { topology: 'all-in-one', 'queue-url': 'amqp://u:p@h/' },
      undefined,
      /external database\/queue URLs need --topology tiers/,
    ],
    [{}, path.join(tmp, 'missing.yaml'), /^config file .*missing\.yaml not found \(check the --config path\)$/],
    [{}, configFile('api: [1, 2\n'), /is not valid YAML at line \d+/],
    [{}, configFile('- just\n- a list\n'), /must be a YAML mapping/],
    [{}, configFile('api:\n  max: many\n'), /^api\.max in .* must be integer \(fix the value\)$/],
  ];
  for (const [flags, file, want] of cases) {
    const line = await problem(flags, file);
    assert.match(line, want, `for ${JSON.stringify(flags)} ${file ?? ''}`);
  }
});

test('the published schema file is the schema the code validates with', () => {
  const published = JSON.parse(readFileSync(path.join(repoRoot, 'schema/faafo-stack.schema.json'), 'utf8'));
  assert.deepEqual(published, JSON.parse(JSON.stringify(configSchema)));
});

// tsx resolved from the repository (the child runs in a temporary directory).
const tsx = pathToFileURL(createRequire(path.join(repoRoot, 'package.json')).resolve('tsx')).href;

function cli(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--import', tsx, path.join(repoRoot, 'test/helpers/run-command.ts'), ...args],
    { cwd },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

test(
  'CLI: a bad value exits 2 with one line and writes nothing; a good run writes the four files',
  { timeout: 120_000 },
  async () => {
    const dir = mkdtempSync(path.join(tmp, 'cli-'));
    const bad = await cli(['generate', '--out', 'out', '--min-workers', '3', '--max-workers', '2'], dir);
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr,
      'Error: --max-workers (2) is less than --min-workers (3) (raise --max-workers or lower --min-workers)\n',
    );
    assert.equal(existsSync(path.join(dir, 'out')), false);
    const badCfg = await cli(['generate', '--out', 'out', '--config', 'nope.yaml'], dir);
    assert.equal(badCfg.code, 2);
    assert.match(badCfg.stderr, /^Error: config file nope\.yaml not found/);
    const good = await cli(['generate', '--out', 'out', '--json'], dir);
    assert.equal(good.code, 0, good.stderr);
    const r = JSON.parse(good.stdout) as { files: string[]; requiredParameters: string[] };
    assert.deepEqual(
      r.files.map((f) => path.basename(f)),
      ['faafo-stack.yaml', 'faafo-api-member.yaml', 'faafo-worker-member.yaml', 'env.yaml'],
    );
    // up to 3 API servers: no per-server (file:) image store default; create makes a Swift one (issue 10 item 3)
    assert.deepEqual(r.requiredParameters, ['app_url', 'app_sha256', 'image_store_url']);
    for (const f of r.files) assert.ok(existsSync(path.join(dir, f)));
  },
);
