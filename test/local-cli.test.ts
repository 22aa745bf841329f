// The commands themselves (through oclif, as bin/run.js runs them): `local up --detach`, `local status`,
// `load` against the run found in the folder, `local down`, and the one-line usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { freshVhost } from './helpers/services.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const tsx = pathToFileURL(path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;

function cli(cwd: string, args: string[], timeoutS = 300) {
  const r = spawnSync(process.execPath, ['--import', tsx, path.join(repoRoot, 'test/helpers/run-command.ts'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: timeoutS * 1000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// For runs that need this process to keep serving (a port held busy here).
function cliAsync(cwd: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', tsx, path.join(repoRoot, 'test/helpers/run-command.ts'), ...args], { cwd });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

// --max-api 1: this test is about the commands; on a busy machine an idle API process's CPU demand (waiting for a
// core) can cross the threshold, and the API tier would grow before `local status` looks.
test('local up --detach, status, load, down through the commands', { timeout: 900_000 }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'faafo-localcli-'));
  const vhost = await freshVhost();
  try {
    const up = cli(dir, ['local/up', '--detach', '--json', '--port', '0', '--control-port', '0', '--queue-url', vhost.value, '--granularity', '2', '--cooldown', '4', '--max-workers', '2', '--worker-scaling', 'queue', '--max-api', '1']);
    assert.equal(up.code, 0, up.err + up.out);
    const state = JSON.parse(up.out) as { appUrl: string; controlUrl: string; pid: number };
    assert.match(state.appUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(!JSON.stringify(state).includes('guest:guest'), 'no password in the state');

    const again = cli(dir, ['local/up', '--queue-url', vhost.value]);
    assert.equal(again.code, 1);
    assert.match(again.err, /^Error: a local run is already up in this folder .*\(faafo-stack local down\)\n$/);

    const st = cli(dir, ['local/status', '--json']);
    assert.equal(st.code, 0, st.err);
    const s = JSON.parse(st.out) as { tiers: { name: string; size: number; metric: string }[] };
    assert.deepEqual(s.tiers.map((t) => [t.name, t.size]), [['api', 1], ['workers', 1]]);
    assert.equal(s.tiers[1]!.metric, 'backlog_per_worker');

    const load = cli(dir, ['load', '--mode', 'tasks', '--rate', '2', '--max-requests', '6', '--duration', '10', '--size', '64x64@64', '--out', path.join(dir, 'out'), '--json']);
    assert.equal(load.code, 0, load.err);
    const r = JSON.parse(load.out) as { url: string; tasks: { completed: number }; watch: { source: string }; files: { svg: string } };
    assert.equal(r.url, state.appUrl, 'found the local run');
    assert.equal(r.tasks.completed, 6);
    assert.match(r.watch.source, /^local run at /);

    const text = cli(dir, ['local/status']);
    assert.match(text.out, /^local run \(pid \d+, up since .*\): app http/);
    assert.match(text.out, /\nworkers +size \d \(min 1, max 2\) +backlog_per_worker/);

    const down = cli(dir, ['local/down', '--json']);
    assert.equal(down.code, 0, down.err);
    assert.equal((JSON.parse(down.out) as { stopped: boolean }).stopped, true);
    const gone = cli(dir, ['local/status']);
    assert.equal(gone.code, 1);
    assert.equal(gone.err, 'Error: no local run is up in this folder (start one with faafo-stack local up)\n');
  } finally {
    cli(dir, ['local/down']);
    await vhost.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});

test('bad input: one line, exit 2, nothing started', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'faafo-localcli-'));
  try {
    const mem = cli(dir, ['local/up', '--queue-url', 'memory:']);
    assert.equal(mem.code, 2);
    assert.match(mem.err, /^Error: local mode needs a queue shared by separate processes; memory: lives inside one process \(give --queue-url amqp:/);
    assert.equal(mem.err.trim().split('\n').length, 1);
    const minmax = cli(dir, ['local/up', '--min-workers', '3', '--max-workers', '1']);
    assert.equal(minmax.code, 2);
    assert.match(minmax.err, /--max-workers 1 is below --min-workers 3/);
    const rate = cli(dir, ['load', '--url', 'http://127.0.0.1:9', '--rate', 'fast']);
    assert.equal(rate.code, 2);
    assert.match(rate.err, /^Error: bad --rate "fast"/);
    const nourl = cli(dir, ['load']);
    assert.equal(nourl.code, 2);
    assert.match(nourl.err, /^Error: no target: give --url/);
    const mix = cli(dir, ['load', '--url', 'http://127.0.0.1:9', '--mode', 'api', '--mix', 'list=x']);
    assert.equal(mix.code, 2);
    assert.match(mix.err, /bad --mix entry "list=x"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('local up on a busy port: one line naming the port and its flag, exit 1, in the foreground and with --detach', { timeout: 300_000 }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'faafo-localcli-'));
  const busy = net.createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const port = (busy.address() as net.AddressInfo).port;
  const line = (flag: string) =>
    `Error: port ${port} (${flag}) is already in use on 127.0.0.1 (stop what listens there, or give ${flag} another port (0 = any free one))\n`;
  try {
    for (const detach of [['--detach'], []]) {
      const lb = await cliAsync(dir, ['local/up', ...detach, '--port', String(port), '--control-port', '0']);
      assert.equal(lb.code, 1, lb.err + lb.out);
      assert.equal(lb.err, line('--port'), `${detach.join('')}: ${lb.err}`);
      const control = await cliAsync(dir, ['local/up', ...detach, '--port', '0', '--control-port', String(port)]);
      assert.equal(control.code, 1, control.err + control.out);
      assert.equal(control.err, line('--control-port'), `${detach.join('')}: ${control.err}`);
    }
    assert.equal(cli(dir, ['local/status']).code, 1, 'nothing left running');
  } finally {
    busy.close();
    cli(dir, ['local/down']);
    await rm(dir, { recursive: true, force: true });
  }
});

test('local up --help describes every flag; --image-store-url is the one name (create uses it too), --image-url a deprecated alias', async () => {
  const { default: LocalUp } = await import('../src/commands/local/up.js');
  const { default: Create } = await import('../src/commands/create.js');
  const undescribed = Object.entries(LocalUp.flags as Record<string, { description?: string; summary?: string }>)
    .filter(([, f]) => !(f.description || f.summary))
    .map(([k]) => k);
  assert.deepEqual(undescribed, []);
  const flags = LocalUp.flags as Record<string, { aliases?: string[]; deprecateAliases?: boolean }>;
  assert.ok('image-store-url' in (Create.flags as object) && 'image-store-url' in flags);
  assert.ok(!('image-url' in flags));
  assert.deepEqual(flags['image-store-url']!.aliases, ['image-url']);
  assert.equal(flags['image-store-url']!.deprecateAliases, true);
  // The old spelling still sets the image store.
  const { toLocalOptions } = await import('../src/local/options.js');
  const { Parser } = await import('@oclif/core');
  const parsed = await Parser.parse(['--image-url', 'file:/tmp/imgs'], { flags: LocalUp.flags as never, strict: true });
  const cfg = {
    api: { min: 1, max: 2, scaleUpCpu: 80, scaleDownCpu: 15 },
    workers: { min: 1, max: 2, scaleUpCpu: 80, scaleDownCpu: 15 },
    scaling: { granularity: 60, evaluationPeriods: 1, cooldown: 60 },
  };
  assert.equal(toLocalOptions(parsed.flags as never, '/tmp', cfg).imageUrl, 'file:/tmp/imgs');
  const help = spawnSync(process.execPath, [path.join(repoRoot, 'bin/run.js'), 'local', 'up', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  for (const f of Object.keys(LocalUp.flags)) {
    assert.match(help.stdout, new RegExp(`--${f}[ =].*\\S`), `--${f} in local up --help`);
  }
});
