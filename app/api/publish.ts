// Task publication with no silent loss. POST inserts the row as unpublished, publishes, and marks it published
// once the broker confirmed. If publishing fails the row is deleted and the client gets 503 (nothing accepted).
// If the node dies in between (or that delete fails), the row stays unpublished and the re-publisher of any API
// node sends its task later; a task published twice is harmless (results are stored once per uuid).
// With an advertise URL (--advertise-url) every task carries `api_url`, this API server's address, where the worker
// reports first (stacks without load balancer); without one the message is exactly the original faafo's.
import type { FastifyBaseLogger } from 'fastify';
import type { Fractal, Task } from '../types.js';
import type { ApiContext } from './context.js';
import { UnavailableError } from './errors.js';

/** The task message: the created row without image (faafo wire format; width/height/iterations are integers),
 *  plus `api_url` when the publishing API server advertises one. */
export function toTask(f: Fractal, apiUrl?: string): Task {
  const task: Task = {
    uuid: f.uuid,
    checksum: f.checksum,
    url: f.url,
    duration: f.duration,
    size: f.size,
    width: Math.trunc(f.width),
    height: Math.trunc(f.height),
    iterations: Math.trunc(f.iterations),
    xa: f.xa,
    xb: f.xb,
    ya: f.ya,
    yb: f.yb,
    generated_by: f.generated_by,
    cr: f.cr ?? null,
    ci: f.ci ?? null,
  };
  if (apiUrl !== undefined) task.api_url = apiUrl;
  return task;
}

/** Publishes the task of a freshly inserted row; on failure removes the row and throws 503. */
export async function publishCreated(ctx: ApiContext, row: Fractal, log: FastifyBaseLogger): Promise<void> {
  try {
    await ctx.queue.publish(toTask(row, ctx.advertiseUrl));
  } catch (err) {
    await ctx.repo.delete(row.uuid).catch((e: unknown) => {
      log.warn({ err: e, uuid: row.uuid }, 'could not remove the unpublished row; the re-publisher will send it');
    });
    throw new UnavailableError('queue', err, 'queue unavailable, fractal not created; try again later');
  }
  await ctx.repo.markPublished(row.uuid).catch((e: unknown) => {
    // Published but not marked: the re-publisher may send it once more, which is harmless.
    log.warn({ err: e, uuid: row.uuid }, 'could not mark the task published');
  });
}

export interface Republisher {
  runOnce(): Promise<number>;
  stop(): void;
}

/** Periodically re-publishes tasks of rows left unpublished for longer than `afterMs`. */
export function startRepublisher(
  ctx: ApiContext,
  log: FastifyBaseLogger,
  opts: { everyMs: number; afterMs: number },
): Republisher {
  let running: Promise<number> | undefined;
  const runOnce = (): Promise<number> => {
    running ??= (async () => {
      let n = 0;
      try {
        const rows = await ctx.repo.listUnpublished(new Date(Date.now() - opts.afterMs), 100);
        for (const row of rows) {
          await ctx.queue.publish(toTask(row, ctx.advertiseUrl));
          await ctx.repo.markPublished(row.uuid);
          ctx.metrics.republished.inc();
          n++;
        }
        if (n > 0) log.info({ count: n }, 're-published tasks that were never confirmed');
      } catch (err) {
        log.warn({ err }, 're-publishing failed; will retry');
      }
      return n;
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => void runOnce(), opts.everyMs);
  timer.unref();
  return {
    runOnce,
    stop: () => clearInterval(timer),
  };
}
