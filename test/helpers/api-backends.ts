// The backend matrix of the API suites: SQLite + memory queue, PostgreSQL + RabbitMQ, MariaDB + RabbitMQ, each an
// isolated slice (own database, own vhost, own image folder). Server backends are reached through TCP proxies so a
// test can take the database or the broker down and bring it back without touching the shared servers.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApi, type BuildApiOptions } from '../../app/api/server.js';
import { openRepository } from '../../app/db/index.js';
import type { SqlFractalRepository } from '../../app/db/repository.js';
import { openImageStore } from '../../app/images/index.js';
import { openQueue } from '../../app/queue/index.js';
import type { ImageStore, Task, TaskQueue } from '../../app/types.js';
import { freshMysql, freshPostgres, freshVhost } from './services.js';
import { startTcpProxy, viaPort, type TcpProxy } from './tcp-proxy.js';

export interface Stack {
  repo: SqlFractalRepository;
  queue: TaskQueue;
  images: ImageStore;
  imageDir: string;
  dbUrl: string;
  /** The queue URL as the API uses it (through the proxy for amqp). */
  queueUrl: string;
  /** Direct (not proxied) URL, for an observer that must keep working while the API's link is down. */
  directQueueUrl: string;
  dbProxy?: TcpProxy;
  queueProxy?: TcpProxy;
  dispose(): Promise<void>;
}

export interface Backend {
  name: string;
  /** Database and broker are servers behind TCP proxies (can be taken down in a test). */
  servers: boolean;
  setup(): Promise<Stack>;
}

const quietLog = () => undefined;

async function common(
  dbUrl: string,
  queueUrl: string,
  directQueueUrl: string,
  extra: Partial<Stack>,
  cleanups: (() => Promise<void>)[],
): Promise<Stack> {
  const imageDir = mkdtempSync(path.join(os.tmpdir(), 'faafo-img-'));
  const repo = await openRepository(dbUrl, { connectTimeoutMs: 3000 });
  const queue = await openQueue(queueUrl, { log: quietLog });
  const images = await openImageStore(`file://${imageDir}`);
  return {
    repo,
    queue,
    images,
    imageDir,
    dbUrl,
    queueUrl,
    directQueueUrl,
    ...extra,
    async dispose() {
      await queue.close().catch(() => undefined);
      await repo.close().catch(() => undefined);
      await images.close().catch(() => undefined);
      rmSync(imageDir, { recursive: true, force: true });
      for (const c of cleanups.reverse()) await c().catch(() => undefined);
    },
  };
}

export const backends: Backend[] = [
  {
    name: 'sqlite + memory queue',
    servers: false,
    async setup() {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'faafo-sqlite-'));
      const q = `memory:api-test-${randomBytes(4).toString('hex')}`;
      return common(`sqlite:${path.join(dir, 'faafo.sqlite')}`, q, q, {}, [
        async () => rmSync(dir, { recursive: true, force: true }),
      ]);
    },
  },
  ...(
    [
      ['postgresql + rabbitmq', freshPostgres, 5432],
      ['mariadb + rabbitmq', freshMysql, 3306],
    ] as const
  ).map(([name, freshDb, dbPort]): Backend => ({
    name,
    servers: true,
    async setup() {
      const cleanups: (() => Promise<void>)[] = [];
      const db = await freshDb();
      cleanups.push(() => db.dispose());
      const vhost = await freshVhost();
      cleanups.push(() => vhost.dispose());
      const dbProxy = await startTcpProxy(dbPort);
      cleanups.push(() => dbProxy.close());
      const queueProxy = await startTcpProxy(5672);
      cleanups.push(() => queueProxy.close());
      return common(
        viaPort(db.value, dbProxy.port),
        viaPort(vhost.value, queueProxy.port),
        vhost.value,
        { dbProxy, queueProxy },
        cleanups,
      );
    },
  })),
];

export interface RunningApi {
  app: FastifyInstance;
  base: string;
}

/** Builds the API on a stack and listens on a free port of 127.0.0.1. */
export async function startApi(stack: Stack, opts: Partial<BuildApiOptions> = {}): Promise<RunningApi> {
  const app = buildApi({ repo: stack.repo, queue: stack.queue, images: stack.images, processMetrics: false, ...opts });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  return { app, base: `http://127.0.0.1:${port}` };
}

/** Collects published tasks with a separate consumer until `until` holds for them (or the timeout passes). */
export async function collectTasks(
  queueUrl: string,
  until: (tasks: Task[]) => boolean,
  timeoutMs = 60_000,
): Promise<Task[]> {
  const q = await openQueue(queueUrl, { log: quietLog });
  const tasks: Task[] = [];
  try {
    const consumer = await q.consume(async (h) => {
      tasks.push(h.task);
      await h.ack();
    });
    const deadline = Date.now() + timeoutMs;
    while (!until(tasks) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await consumer.stop();
  } finally {
    await q.close();
  }
  return tasks;
}

/** Polls `fn` until it returns true or the timeout passes. */
export async function eventually(fn: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
