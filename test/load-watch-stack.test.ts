// `load --watch-stack` against the real local Heat: while a load runs, the worker group of a stack is scaled up
// (its policy signalled) and back down; the watcher (through src/openstack and clouds.yaml) sees the sizes and the
// timeline records both events with their times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildApi } from '../app/api/server.js';
import { openRepository } from '../app/db/index.js';
import { openImageStore } from '../app/images/index.js';
import { openQueue } from '../app/queue/index.js';
import { runLoad } from '../src/load/run.js';
import { stackWatcher } from '../src/load/watch.js';
import { cloudsYaml, createWorkerStack, demoHeat, poll } from './helpers/heat-worker-stack.js';

test('load --watch-stack reports the scale-up and scale-down of a real Heat stack', { timeout: 600_000 }, async () => {
  process.env.OS_CLIENT_CONFIG_FILE = cloudsYaml;
  const heat = demoHeat();
  const stack = await createWorkerStack(heat, 'faafo-watch');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'faafo-watch-'));
  const repo = await openRepository(`sqlite:${path.join(dir, 'db.sqlite')}`);
  await repo.migrate();
  const queue = await openQueue(`memory:watch-${path.basename(dir)}`);
  const images = await openImageStore(`file:${path.join(dir, 'images')}`);
  const app = buildApi({ repo, queue, images, processMetrics: false });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const watcher = await stackWatcher(stack.name, { cloud: 'faafo-local' });
    assert.deepEqual((await watcher.read()).tiers, { workers: 1 });
    const signal = (policy: string) => heat.request('POST', `${stack.path}/resources/${policy}/signal`, {});
    const ac = new AbortController();
    const run = runLoad({
      url,
      mode: 'api',
      rate: 5,
      durationS: 600,
      timeoutS: 10,
      mix: { list: 1, get: 0, create: 0 },
      size: {},
      intervalS: 1,
      drainTimeoutS: 0,
      settleS: 0,
      watcher,
      signal: ac.signal,
    });
    const size = async () => (await watcher.read()).tiers.workers;
    await signal('worker_scale_up');
    await poll('group at 2', 240, async () => ((await size()) === 2 ? true : undefined));
    await new Promise((r) => setTimeout(r, 2500)); // at least one interval sees size 2
    // Heat ignores a signal while the previous scaling is still in progress (its size flips first).
    await poll('scale-up finished', 240, async () => {
      const { data } = await heat.request<{ metadata: { scaling_in_progress?: boolean } }>('GET', `${stack.path}/resources/worker_asg/metadata`);
      return data.metadata.scaling_in_progress === false ? true : undefined;
    });
    await signal('worker_scale_down');
    await poll('group at 1', 240, async () => ((await size()) === 1 ? true : undefined));
    await new Promise((r) => setTimeout(r, 2500));
    ac.abort();
    const r = await run;
    const ev = r.scaling.filter((e) => e.tier === 'workers');
    assert.deepEqual(
      ev.map((e) => [e.direction, e.from, e.to]),
      [
        ['up', 1, 2],
        ['down', 2, 1],
      ],
    );
    assert.ok(ev[1]!.t > ev[0]!.t);
    assert.ok(r.timeline.some((row) => row.tiers.workers === 2));
    assert.equal(r.watch!.source, `stack ${stack.name}`);
    assert.ok(r.requests.responses > 0);
  } finally {
    await app.close();
    await queue.close();
    await repo.close();
    await images.close();
    await rm(dir, { recursive: true, force: true });
    await stack.dispose();
  }
});
