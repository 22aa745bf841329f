// The commands themselves (through oclif, as bin/run.js runs them): `local up --detach`, `local status`,
// `load` against the run found in the folder, `local down`, and the one-line usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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

test('local up --detach, status, load, down through the commands', { timeout: 900_000 }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'faafo-localcli-'));
  const vhost = await freshVhost();
  try {
    const up = cli(dir, ['local/up', '--detach', '--json', '--port', '0', '--control-port', '0', '--queue-url', vhost.value, '--granularity', '2', '--cooldown', '4', '--max-workers', '2', '--worker-scaling', 'queue']);
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
