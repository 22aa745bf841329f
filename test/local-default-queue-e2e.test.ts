// `local up` with nothing but defaults: no --queue-url, so the API and worker processes meet on the embedded
// sqlite: queue in .faafo/local (no RabbitMQ involved), and a few tasks each complete exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { allFractals, metric, processedByWorkers } from './helpers/local-e2e.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const tsx = pathToFileURL(path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;

function cli(cwd: string, args: string[], timeoutS = 300) {
  const env = { ...process.env };
  delete env.FAAFO_QUEUE_URL; // the default is what is under test
  const r = spawnSync(process.execPath, ['--import', tsx, path.join(repoRoot, 'test/helpers/run-command.ts'), ...args], {
    cwd,
    env,
    encoding: 'utf8',
    timeout: timeoutS * 1000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('local up with the default (embedded sqlite:) queue: tasks complete exactly once', { timeout: 300_000 }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'faafo-localq-'));
  try {
    const up = cli(dir, ['local/up', '--detach', '--json', '--port', '0', '--control-port', '0', '--min-workers', '2', '--max-workers', '2']);
    assert.equal(up.code, 0, up.err + up.out);
    const state = JSON.parse(up.out) as { appUrl: string; queueUrl: string };
    assert.equal(state.queueUrl, `sqlite:${path.join(dir, '.faafo', 'local', 'queue.sqlite')}`);
    assert.ok(existsSync(path.join(dir, '.faafo', 'local', 'queue.sqlite')));

    const load = cli(dir, ['load', '--mode', 'tasks', '--rate', '2', '--max-requests', '6', '--duration', '10', '--size', '64x64@64', '--out', path.join(dir, 'out'), '--json']);
    assert.equal(load.code, 0, load.err);
    const r = JSON.parse(load.out) as { url: string; tasks: { accepted: number; completed: number; uuids: string[] } };
    assert.equal(r.url, state.appUrl);
    assert.equal(r.tasks.accepted, 6);
    assert.equal(r.tasks.completed, 6);
    const processed = await processedByWorkers(dir);
    for (const uuid of r.tasks.uuids) assert.equal(processed.get(uuid), 1, `task ${uuid} processed once`);
    const rows = await allFractals(state.appUrl);
    assert.equal(rows.length, 6);
    assert.ok(rows.every((row) => row.checksum));
    assert.equal(await metric(state.appUrl, 'faafo_queue_depth'), 0);

    const down = cli(dir, ['local/down', '--json']);
    assert.equal(down.code, 0, down.err);
  } finally {
    cli(dir, ['local/down']);
    await rm(dir, { recursive: true, force: true });
  }
});
