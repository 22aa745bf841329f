// Issue 15 in local mode: `local up` (startLocal, in its own process) makes up a result secret for its API and
// worker processes. Its workers store results through the balancer; an upload without the secret is refused on
// both paths; the secret is in no log, state file or page of the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { cpuTierScaling } from '../monitoring/params.js';
import { makePng } from './helpers/png.js';
import { until } from './helpers/poll.js';
import { startE2E } from './helpers/local-e2e.js';

/** A process's environment variable, read from /proc (the test's way to learn the run's secret). */
async function envOf(pid: number, name: string): Promise<string | undefined> {
  const raw = await readFile(`/proc/${pid}/environ`, 'utf8');
  return raw
    .split('\0')
    .find((kv) => kv.startsWith(`${name}=`))
    ?.slice(name.length + 1);
}

test('local up: results only from its own workers; the secret is never written out', { timeout: 300_000 }, async () => {
  const common = { granularityS: 60, evaluationPeriods: 1, cooldownS: 60 };
  const e = await startE2E({
    threads: 1,
    api: cpuTierScaling({ minSize: 1, maxSize: 1, scaleUpCpu: 95, scaleDownCpu: 1, ...common }),
    workers: cpuTierScaling({ minSize: 1, maxSize: 1, scaleUpCpu: 95, scaleDownCpu: 1, ...common }),
    workerMetric: 'cpu',
    sampleS: 5,
    stopGraceS: 30,
  });
  try {
    const base = e.run.appUrl;
    const state = await e.run.state();
    const [api] = state.tiers.find((t) => t.name === 'api')!.members;
    const [worker] = state.tiers.find((t) => t.name === 'workers')!.members;
    const secret = await envOf(api!.pid, 'FAAFO_RESULT_SECRET');
    assert.ok(secret && secret.length >= 32, 'the API process has a result secret');
    assert.equal(await envOf(worker!.pid, 'FAAFO_RESULT_SECRET'), secret, 'and its worker the same one');

    const create = async () => {
      const res = await fetch(`${base}/v1/fractal`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ width: 48, height: 32, iterations: 32, xa: -2, xb: 1, ya: -1, yb: 1 }),
      });
      assert.equal(res.status, 201, 'anonymous creates stay open locally');
      return ((await res.json()) as { uuid: string }).uuid;
    };
    const uuid = await create();
    await until(
      async () => ((await (await fetch(`${base}/v1/fractal/${uuid}`)).json()) as { checksum: string | null }).checksum,
      'the local worker to store its result through the balancer',
      120_000,
    );
    const png = makePng(48, 32, 5);
    const raw = await fetch(`${base}/v1/fractal/${uuid}/image`, {
      method: 'PUT',
      headers: { 'content-type': 'image/png', 'x-faafo-checksum': png.checksum },
      body: png.bytes,
    });
    assert.equal(raw.status, 401);
    const legacy = await fetch(`${base}/v1/fractal/${uuid}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image: png.bytes.toString('base64'), checksum: png.checksum, size: png.bytes.length }),
    });
    assert.equal(legacy.status, 401);

    // Nothing the run writes or shows contains the secret.
    const shown = [
      JSON.stringify(await e.run.state()),
      await (await fetch(e.run.controlUrl)).text(),
      await readFile(path.join(e.dir, 'supervisor.log'), 'utf8'),
    ];
    const logDir = path.join(e.dir, '.faafo', 'local', 'logs');
    for (const f of await readdir(logDir)) shown.push(await readFile(path.join(logDir, f), 'utf8'));
    for (const f of await readdir(path.join(e.dir, '.faafo', 'local'))) {
      if (f.endsWith('.json')) shown.push(await readFile(path.join(e.dir, '.faafo', 'local', f), 'utf8'));
    }
    assert.ok(shown.length >= 5, `${shown.length} texts read`);
    assert.ok(!shown.some((t) => t.includes(secret)), 'the secret appears nowhere');
  } finally {
    await e.dispose();
  }
});
