// Scale-out: two `faafo api` processes and two `faafo worker` processes share one PostgreSQL database, one
// RabbitMQ vhost and one image folder. 50 fractals created through both APIs are each rendered exactly once
// (one "processed" log line per uuid across the workers, one image file per uuid, every row stored by one
// of the two workers, both workers busy), and every image is served by either API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Fractal } from '../app/types.js';
import { withScaledOutServices } from './helpers/scaled-out.js';
import { spawnFaafo, startListening } from './helpers/procs.js';
import { until } from './helpers/poll.js';

const N = 50;

test(
  'two APIs and two workers complete 50 fractals, each exactly once; images served by either API',
  { timeout: 600000 },
  async () => {
    await withScaledOutServices('faafo-scale-img-', async ({ env, imgDir, procs }) => {
      const apis = [
        spawnFaafo(['api', '--port', '0', '--host', '127.0.0.1'], { env, name: 'api-1' }),
        spawnFaafo(['api', '--port', '0', '--host', '127.0.0.1'], { env, name: 'api-2' }),
      ];
      procs.push(...apis);
      const urls = await Promise.all(apis.map(startListening));
      const workers = ['worker-a', 'worker-b'].map((name, i) =>
        spawnFaafo(['worker', '--endpoint-url', urls[i], '--generated-by', name, '--threads', '1'], { env, name }),
      );
      procs.push(...workers);
      await Promise.all(workers.map((w) => w.waitFor(/^faafo worker worker-[ab] /)));

      const uuids: string[] = [];
      for (let i = 0; i < N; i++) {
        const uuid = randomUUID();
        const res = await fetch(`${urls[i % 2]}/v1/fractal`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            uuid,
            width: 120 + i,
            height: 90,
            iterations: 200,
            xa: -1.6,
            xb: 1.6,
            ya: -1.2,
            yb: 1.2,
          }),
        });
        assert.equal(res.status, 201, await res.text());
        uuids.push(uuid);
      }

      const rows = await until(
        async () => {
          const res = await fetch(`${urls[0]}/v1/fractal?results_per_page=100`);
          const body = (await res.json()) as { objects: Fractal[]; num_results: number };
          return body.num_results === N && body.objects.every((o) => o.checksum) ? body.objects : undefined;
        },
        'all 50 fractals rendered',
        480000,
        500,
      );

      assert.deepEqual(rows.map((r) => r.uuid).sort(), [...uuids].sort());
      const by = { 'worker-a': 0, 'worker-b': 0 } as Record<string, number>;
      for (const r of rows) {
        assert.ok(r.generated_by === 'worker-a' || r.generated_by === 'worker-b', `generated_by ${r.generated_by}`);
        by[r.generated_by as string]++;
      }
      assert.ok(by['worker-a'] > 0 && by['worker-b'] > 0, `both workers rendered: ${JSON.stringify(by)}`);

      // Exactly once: one "processed" line per uuid over both workers; one image file per uuid; no leftovers.
      const processed = workers.flatMap((w) =>
        w.lines.map((l) => /^task (\S+) processed in /.exec(l)?.[1]).filter(Boolean),
      );
      assert.equal(processed.length, N, 'no task was rendered and stored twice');
      assert.equal(new Set(processed).size, N);
      const files = fs
        .readdirSync(imgDir, { recursive: true, encoding: 'utf8' })
        .map((f) => path.basename(f))
        .filter((f) => f.endsWith('.png') || f.endsWith('.tmp'));
      assert.equal(files.length, N, `image store files: ${files.join(', ')}`);
      for (const u of uuids) assert.ok(files.includes(`${u}.png`), `image for ${u}`);

      // Either API serves every image, byte-identical to the stored checksum.
      for (const r of rows) {
        for (const url of urls) {
          const res = await fetch(`${url}/fractal/${r.uuid}`);
          assert.equal(res.status, 200);
          assert.equal(res.headers.get('content-type'), 'image/png');
          const buf = Buffer.from(await res.arrayBuffer());
          assert.equal(createHash('sha256').update(buf).digest('hex'), r.checksum);
          assert.equal(buf.length, r.size);
        }
      }

      for (const p of procs) assert.equal(await p.stop('SIGTERM'), 0, `${p.lines.slice(-3).join(' | ')}`);
    });
  },
);
