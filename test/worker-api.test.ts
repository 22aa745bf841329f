// Worker + real API (buildApi) + real renderer, in one process, on each backend pair (SQLite + memory queue,
// PostgreSQL + RabbitMQ, MariaDB + RabbitMQ; file images): the result
// is stored through PUT /v1/fractal/<uuid>/image with the checksum the API verifies; a task delivered again is
// rendered again but stored once (the first image and row stay); a task whose row was deleted is dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { PNG } from 'pngjs';
import { buildApi } from '../app/api/server.js';
import { openRepository } from '../app/db/index.js';
import { openImageStore } from '../app/images/index.js';
import { openQueue } from '../app/queue/index.js';
import { startWorker } from '../app/worker/index.js';
import type { Fractal } from '../app/types.js';
import { CountingRenderer } from './helpers/counting-renderer.js';
import { until } from './helpers/poll.js';
import { freshMysql, freshPostgres, freshVhost, type Disposable } from './helpers/services.js';

const none = (value: string): Disposable<string> => ({ value, dispose: async () => undefined });
const BACKENDS: {
  name: string;
  db: (dir: string) => Promise<Disposable<string>>;
  queue: () => Promise<Disposable<string>>;
}[] = [
  {
    name: 'sqlite + memory',
    db: async (dir) => none(`sqlite:${dir}/db.sqlite`),
    queue: async () => none(`memory:${randomUUID()}`),
  },
  { name: 'postgresql + rabbitmq', db: () => freshPostgres(), queue: () => freshVhost() },
  { name: 'mariadb + rabbitmq', db: () => freshMysql(), queue: () => freshVhost() },
];

for (const backend of BACKENDS)
  test(
    `${backend.name}: worker stores through the real API; a second delivery is rendered again but stored once`,
    { timeout: 180000 },
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faafo-worker-api-'));
      const dbUrl = await backend.db(dir);
      const queueUrl = await backend.queue();
      const repo = await openRepository(dbUrl.value);
      const queue = await openQueue(queueUrl.value, { log: () => undefined });
      const images = await openImageStore(`file:${dir}/images`);
      const app = buildApi({ repo, queue, images, republish: { enabled: false } });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      const renderer = new CountingRenderer(0, 2);
      const lines: string[] = [];
      const worker = await startWorker({
        queue,
        renderer,
        endpointUrl: url,
        generatedBy: 'worker-api-test',
        log: (l) => lines.push(l),
      });
      try {
        const post = async (body: object) => {
          const res = await fetch(`${url}/v1/fractal`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          const text = await res.text();
          assert.equal(res.status, 201, text);
          return JSON.parse(text) as Fractal;
        };
        const created = await post({
          uuid: randomUUID(),
          width: 200,
          height: 150,
          iterations: 256,
          xa: -1.8,
          xb: 1.8,
          ya: -1.2,
          yb: 1.2,
        });
        const stored = await until(async () => {
          const r = (await (await fetch(`${url}/v1/fractal/${created.uuid}`)).json()) as Fractal;
          return r.checksum ? r : undefined;
        }, 'the fractal stored');
        assert.equal(stored.generated_by, 'worker-api-test');
        assert.ok(stored.duration !== null && stored.duration >= 0);
        const png = Buffer.from(await (await fetch(`${url}/fractal/${created.uuid}`)).arrayBuffer());
        assert.equal(png.length, stored.size);
        assert.equal(createHash('sha256').update(png).digest('hex'), stored.checksum);
        const img = PNG.sync.read(png);
        assert.deepEqual([img.width, img.height], [200, 150]);
        // The worker chose the Julia constant (none given) and reported it.
        assert.equal(typeof stored.cr, 'number');
        assert.equal(typeof stored.ci, 'number');

        // The same task delivered once more (as after a lost ack): rendered again, upload discarded, stored once.
        await queue.publish({ ...created });
        await until(() => renderer.calls.length === 2 && worker.stats.processed === 2, 'second delivery handled');
        const again = (await (await fetch(`${url}/v1/fractal/${created.uuid}`)).json()) as Fractal;
        assert.equal(again.checksum, stored.checksum);
        assert.equal(again.duration, stored.duration);
        const png2 = Buffer.from(await (await fetch(`${url}/fractal/${created.uuid}`)).arrayBuffer());
        assert.ok(png2.equals(png), 'the first image stays');
        const files = fs
          .readdirSync(path.join(dir, 'images'), { recursive: true, encoding: 'utf8' })
          .filter((f) => /\.(png|tmp)$/.test(f));
        assert.equal(files.length, 1);

        // Deleted before its image arrived: the worker's upload gets 404, the task is acked and dropped.
        const doomed = await post({
          uuid: randomUUID(),
          width: 64,
          height: 64,
          iterations: 64,
          xa: -1.5,
          xb: 1.5,
          ya: -1.5,
          yb: 1.5,
          cr: -0.8,
          ci: 0.156,
        });
        // Whether the worker is faster than the DELETE or not, the end state is the same: no row, nothing queued.
        await fetch(`${url}/v1/fractal/${doomed.uuid}`, { method: 'DELETE' });
        await until(
          async () => (await queue.depth()) === 0 && worker.stats.processed + worker.stats.dropped === 3,
          'doomed task settled',
        );
        assert.equal((await fetch(`${url}/v1/fractal/${doomed.uuid}`)).status, 404);
      } finally {
        await worker.stop();
        await app.close();
        await renderer.close();
        await queue.close();
        await images.close();
        await repo.close();
        await queueUrl.dispose();
        await dbUrl.dispose();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
