// A worker killed with SIGKILL in the middle of a large fractal loses nothing: RabbitMQ redelivers the unacked
// task, the other worker renders it, and it is stored once (one image file, one "processed" line, generated_by
// is the survivor).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Fractal } from '../app/types.js';
import { openQueue } from '../app/queue/index.js';
import { sweepStaleTmpDirs } from '../app/worker/index.js';
import { withScaledOutServices } from './helpers/scaled-out.js';
import { spawnFaafo, startListening, type FaafoProcess } from './helpers/procs.js';
import { until } from './helpers/poll.js';

test(
  'SIGKILL of the worker rendering a large fractal: redelivered, finished by the other worker, stored once',
  { timeout: 600000 },
  async () => {
    await withScaledOutServices('faafo-kill-img-', async ({ env, queueUrl, imgDir, procs }) => {
      const api = spawnFaafo(['api', '--port', '0', '--host', '127.0.0.1'], { env, name: 'api' });
      procs.push(api);
      const url = await startListening(api);
      const workers = ['worker-a', 'worker-b'].map((name) =>
        spawnFaafo(['worker', '--endpoint-url', url, '--generated-by', name, '--threads', '1'], { env, name }),
      );
      procs.push(...workers);
      await Promise.all(workers.map((w) => w.waitFor(/^faafo worker worker-[ab] /)));

      // Large, and mostly inside the (connected) Julia set for c = -0.4+0.6i: every such pixel runs all iterations.
      const uuid = randomUUID();
      const res = await fetch(`${url}/v1/fractal`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          uuid,
          width: 3000,
          height: 3000,
          iterations: 3000,
          xa: -0.6,
          xb: 0.6,
          ya: -0.6,
          yb: 0.6,
          cr: -0.4,
          ci: 0.6,
        }),
      });
      assert.equal(res.status, 201, await res.text());

      const started = `processing task ${uuid}`;
      const victim = await until(() => workers.find((w) => w.lines.includes(started)), 'a worker to start the task');
      const survivor = workers.find((w) => w !== victim) as FaafoProcess;
      const victimPid = victim.proc.pid as number;
      // The victim was streaming its PNG into its temp folder (named with its pid): a partial file is there.
      const victimTmp = await until(
        () =>
          fs
            .readdirSync(os.tmpdir())
            .filter((n) => n.startsWith(`faafo-worker-${victimPid}-`))
            .map((n) => path.join(os.tmpdir(), n))
            .find((d) => fs.readdirSync(d).some((f) => f.startsWith(uuid) && fs.statSync(path.join(d, f)).size > 0)),
        'the victim to have written part of the PNG',
      );
      assert.equal(await victim.stop('SIGKILL'), 'SIGKILL');
      const row0 = (await (await fetch(`${url}/v1/fractal/${uuid}`)).json()) as Fractal;
      assert.equal(row0.checksum, null, 'killed before the result was stored (the test needs a mid-render kill)');

      await survivor.waitFor(new RegExp(`^task ${uuid} processed in `), 480000);
      const row = (await (await fetch(`${url}/v1/fractal/${uuid}`)).json()) as Fractal;
      assert.ok(row.checksum);
      const survivorName = survivor === workers[0] ? 'worker-a' : 'worker-b';
      assert.equal(row.generated_by, survivorName);
      assert.equal(row.width, 3000);
      const files = fs
        .readdirSync(imgDir, { recursive: true, encoding: 'utf8' })
        .map((f) => path.basename(f))
        .filter((f) => /\.(png|tmp)$/.test(f));
      assert.deepEqual(files, [`${uuid}.png`]);
      assert.equal(fs.statSync(path.join(imgDir, uuid.slice(0, 2), `${uuid}.png`)).size, row.size);
      assert.equal(survivor.lines.filter((l) => l === started).length, 1);
      assert.equal(victim.lines.filter((l) => /processed in/.test(l)).length, 0);

      // The dead worker's partial PNG is swept by the next worker start (here: directly). A worker started by
      // another test file in parallel may have swept it already: the folder only has to be gone afterwards.
      await sweepStaleTmpDirs(os.tmpdir());
      assert.equal(fs.existsSync(victimTmp), false);

      // Nothing left on the queue.
      const q = await openQueue(queueUrl, { log: () => undefined });
      assert.equal(await q.depth(), 0);
      await q.close();

      for (const p of [api, survivor]) assert.equal(await p.stop('SIGTERM'), 0);
    });
  },
);

test(
  'SIGTERM in the middle of a fractal: the worker finishes and stores it, then exits 0',
  { timeout: 600000 },
  async () => {
    await withScaledOutServices('faafo-term-img-', async ({ env, queueUrl, procs }) => {
      const api = spawnFaafo(['api', '--port', '0', '--host', '127.0.0.1'], { env, name: 'api' });
      procs.push(api);
      const url = await startListening(api);
      const worker = spawnFaafo(['worker', '--endpoint-url', url, '--generated-by', 'term-worker', '--threads', '1'], {
        env,
        name: 'worker',
      });
      procs.push(worker);
      await worker.waitFor(/^faafo worker term-worker /);
      const uuids = [randomUUID(), randomUUID()];
      for (const uuid of uuids) {
        const res = await fetch(`${url}/v1/fractal`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            uuid,
            width: 2000,
            height: 2000,
            iterations: 2000,
            xa: -0.6,
            xb: 0.6,
            ya: -0.6,
            yb: 0.6,
            cr: -0.4,
            ci: 0.6,
          }),
        });
        assert.equal(res.status, 201);
      }
      await worker.waitFor(new RegExp(`^processing task ${uuids[0]}$`));
      assert.equal(await worker.stop('SIGTERM'), 0);
      assert.ok(
        worker.lines.some((l) => l.startsWith(`task ${uuids[0]} processed in `)),
        'the task in progress was finished',
      );
      assert.ok(!worker.lines.includes(`processing task ${uuids[1]}`), 'no new task was started after SIGTERM');
      const first = (await (await fetch(`${url}/v1/fractal/${uuids[0]}`)).json()) as Fractal;
      assert.equal(first.generated_by, 'term-worker');
      const q = await openQueue(queueUrl, { log: () => undefined });
      assert.equal(await q.depth(), 1, 'the second task waits on the queue for another worker');
      await q.close();
      assert.equal(await api.stop('SIGTERM'), 0);
    });
  },
);
