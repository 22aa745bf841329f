// The queue scaler process's wiring, end to end on real services: settings and credentials from the environment,
// the backlog read from a real API's /metrics (fractals created, no worker), and the worker group of a real local
// Heat stack grown by its signal. Plus the one-line configuration errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildApi } from '../app/api/server.js';
import { openRepository } from '../app/db/index.js';
import { openImageStore } from '../app/images/index.js';
import { openQueue } from '../app/queue/index.js';
import { authFromEnv, scalerFromEnv } from '../monitoring/scaler-main.js';
import { heatWorkerTarget } from '../monitoring/heat.js';
import { createWorkerStack, demoHeat, poll } from './helpers/heat-worker-stack.js';

test('configuration errors are one line and never echo a secret', () => {
  assert.throws(() => authFromEnv({}), /^Error: OS_AUTH_URL is not set$/);
  assert.throws(() => authFromEnv({ OS_AUTH_URL: 'http://k/v3', OS_APPLICATION_CREDENTIAL_ID: 'x' }), /no credentials/);
  assert.deepEqual(authFromEnv({ OS_AUTH_URL: 'http://k/v3', OS_APPLICATION_CREDENTIAL_ID: 'i', OS_APPLICATION_CREDENTIAL_SECRET: 's' }), {
    authUrl: 'http://k/v3',
    applicationCredentialId: 'i',
    applicationCredentialSecret: 's',
  });
});

test('scaler from the environment: backlog on a real API grows a real Heat worker group', { timeout: 600_000 }, async () => {
  const heat = demoHeat();
  const stack = await createWorkerStack(heat, 'faafo-scalermain');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'faafo-scalermain-'));
  const repo = await openRepository(`sqlite:${path.join(dir, 'db.sqlite')}`);
  await repo.migrate();
  const queue = await openQueue(`memory:scaler-${path.basename(dir)}`);
  const images = await openImageStore(`file:${path.join(dir, 'images')}`);
  // /metrics on the internal listener only (issue 15): the scaler reads it through FAAFO_METRICS_URL.
  const app = buildApi({ repo, queue, images, processMetrics: false, internalListener: true });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await app.internal!.listen({ port: 0, host: '127.0.0.1' });
    const internalUrl = `http://127.0.0.1:${(app.internal!.server.address() as AddressInfo).port}`;
    assert.equal((await fetch(`${url}/metrics`)).status, 404, 'not on the public listener');
    for (let i = 0; i < 10; i++) {
      const r = await fetch(`${url}/v1/fractal`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ uuid: randomUUID(), width: 64, height: 64, iterations: 64, xa: -1, xb: 1, ya: -1, yb: 1 }),
      });
      assert.equal(r.status, 201);
    }
    const lines: string[] = [];
    const scaler = await scalerFromEnv(
      {
        FAAFO_API_URL: url,
        // The first internal URL does not answer (a member gone): the next one is read.
        FAAFO_METRICS_URL: `http://127.0.0.1:9/,${internalUrl}`,
        FAAFO_STACK: stack.name,
        OS_AUTH_URL: 'http://127.0.0.1:5000/v3',
        OS_USERNAME: 'demo',
        OS_PASSWORD: 'secret',
        OS_PROJECT_NAME: 'demo',
        FAAFO_GRANULARITY: '2',
        FAAFO_COOLDOWN: '5',
        FAAFO_MAX_WORKERS: '3',
      },
      (l) => lines.push(l),
    );
    const target = await heatWorkerTarget(heat, stack.name);
    await poll('the worker group to grow', 240, async () => {
      await scaler.step();
      return (await target.currentSize()) >= 2 ? true : undefined;
    });
    const up = scaler.records.find((r) => r.action === 'scale_up')!;
    assert.equal(up.signalled, true);
    assert.equal(up.backlogPerWorker, 10, 'faafo_fractals_pending 10 over 1 worker');
    assert.ok(lines.some((l) => /workers scale_up 1 -> 2: high alarm: 10 gt 2 .*signalled stack /.test(l)), lines.join('\n'));
    assert.ok(!lines.join('\n').includes('secret'));
  } finally {
    await app.close();
    await queue.close();
    await repo.close();
    await images.close();
    await rm(dir, { recursive: true, force: true });
    await stack.dispose();
  }
});
