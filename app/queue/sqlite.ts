// The embedded cross-process task queue (`sqlite:PATH`): one SQLite file (WAL, busy_timeout) shared by the API
// and worker processes of one machine, so `faafo-stack local up` needs no RabbitMQ. Same semantics the worker
// relies on from AMQP: publish resolves after the insert committed; prefetch 1 per consumer (a consumer claims one
// ready row atomically, stamping itself as owner); ack deletes, nack releases it marked redelivered; the task of
// a consumer whose process died (pid gone on this host) or stopped renewing its lease goes back, redelivered.
// The body is the JSON of the wire format.
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Consumer, Task, TaskHandle, TaskQueue } from '../types.js';

/** Idle consumers look for work this often (a poll, never a busy spin). */
const POLL_MS = 100;
/** A claimed task whose owner did not renew it for this long goes back (owner on another host, or hung). */
const LEASE_MS = 30_000;
const RENEW_MS = 5_000;

interface Row {
  id: number;
  body: string;
  redelivered: number;
}

/** `sqlite:rel/path`, `sqlite:/abs/path`, `sqlite:///abs/path` -> the file path. */
export function parseSqliteQueueUrl(url: string): string {
  if (!url.startsWith('sqlite:')) throw new Error(`not a sqlite queue URL: ${url}`);
  let p = url.slice('sqlite:'.length);
  if (p.startsWith('//')) p = p.slice(2); // sqlite:///abs -> /abs
  if (p.startsWith('//')) p = p.slice(1); // sqlite:////abs -> /abs
  if (!p) throw new Error('sqlite queue URL has no path: use sqlite:PATH');
  return path.resolve(p);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

export class SqliteQueue implements TaskQueue {
  private readonly db: Database.Database;
  private readonly host = os.hostname();
  private readonly consumers = new Set<Consumer>();
  private closed = false;

  constructor(file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS tasks (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      body TEXT NOT NULL,
      redelivered INTEGER NOT NULL DEFAULT 0,
      owner TEXT,
      owner_host TEXT,
      owner_pid INTEGER,
      claimed_at INTEGER
    )`);
    this.db.exec('CREATE INDEX IF NOT EXISTS tasks_owner ON tasks(owner, id)');
  }

  private check(): void {
    if (this.closed) throw new Error('queue is closed');
  }

  async publish(task: Task): Promise<void> {
    this.check();
    this.db.prepare('INSERT INTO tasks (body) VALUES (?)').run(JSON.stringify(task));
  }

  async depth(): Promise<number> {
    this.check();
    return (this.db.prepare('SELECT count(*) AS n FROM tasks WHERE owner IS NULL').get() as { n: number }).n;
  }

  async ping(): Promise<void> {
    this.check();
    this.db.prepare('SELECT 1').get();
  }

  /** Gives back tasks of dead owners (pid gone on this host) and of expired leases; then claims the oldest ready one. */
  private claim(owner: string): Row | undefined {
    return this.db
      .transaction((): Row | undefined => {
        const now = Date.now();
        const owners = this.db
          .prepare('SELECT DISTINCT owner_pid AS pid FROM tasks WHERE owner IS NOT NULL AND owner_host = ?')
          .all(this.host) as { pid: number }[];
        const release = this.db.prepare('UPDATE tasks SET owner = NULL, redelivered = 1 WHERE owner IS NOT NULL AND owner_host = ? AND owner_pid = ?');
        for (const { pid } of owners) if (!pidAlive(pid)) release.run(this.host, pid);
        this.db.prepare('UPDATE tasks SET owner = NULL, redelivered = 1 WHERE owner IS NOT NULL AND claimed_at < ?').run(now - LEASE_MS);
        return this.db
          .prepare(
            `UPDATE tasks SET owner = ?, owner_host = ?, owner_pid = ?, claimed_at = ?
             WHERE id = (SELECT id FROM tasks WHERE owner IS NULL ORDER BY id LIMIT 1)
             RETURNING id, body, redelivered`,
          )
          .get(owner, this.host, process.pid, now) as Row | undefined;
      })
      .immediate();
  }

  private settle(id: number, owner: string, requeue: boolean): void {
    if (this.closed) return; // close() released it already (or the process ends: a live owner's lease expires)
    if (requeue) this.db.prepare('UPDATE tasks SET owner = NULL, redelivered = 1 WHERE id = ? AND owner = ?').run(id, owner);
    else this.db.prepare('DELETE FROM tasks WHERE id = ? AND owner = ?').run(id, owner);
  }

  async consume(handler: (h: TaskHandle) => Promise<void>): Promise<Consumer> {
    this.check();
    const owner = randomUUID();
    let stopped = false;
    let wake: (() => void) | undefined;
    const renew = setInterval(() => {
      if (!this.closed) this.db.prepare('UPDATE tasks SET claimed_at = ? WHERE owner = ?').run(Date.now(), owner);
    }, RENEW_MS);
    renew.unref();

    const runOne = async (row: Row): Promise<void> => {
      let settled = false;
      let onSettled: () => void = () => {};
      const settledP = new Promise<void>((r) => (onSettled = r));
      const settle = (requeue: boolean) => {
        if (settled) return;
        settled = true;
        this.settle(row.id, owner, requeue);
        onSettled();
      };
      const handle: TaskHandle = {
        task: JSON.parse(row.body) as Task,
        redelivered: row.redelivered === 1,
        ack: async () => settle(false),
        nack: async () => settle(true),
      };
      try {
        await handler(handle);
      } catch {
        settle(true); // a handler that throws without settling gives the task back
      }
      // Prefetch 1: no next task until this one is settled (or the consumer stops: then it goes back).
      if (!settled && !stopped) await Promise.race([settledP, new Promise<void>((r) => (wake = r))]);
      if (!settled) settle(true);
    };

    const loop = (async () => {
      while (!stopped && !this.closed) {
        let row: Row | undefined;
        try {
          row = this.claim(owner);
        } catch {
          row = undefined; // e.g. busy beyond busy_timeout: try again on the next poll
        }
        if (row) {
          await runOne(row);
          continue;
        }
        await new Promise<void>((r) => {
          const t = setTimeout(r, POLL_MS);
          wake = () => (clearTimeout(t), r());
        });
      }
    })();

    let stopping: Promise<void> | undefined;
    const consumer: Consumer = {
      stop: () => {
        stopping ??= (async () => {
          stopped = true;
          wake?.();
          await loop; // waits for the handler in progress
          clearInterval(renew);
          this.consumers.delete(consumer);
        })();
        return stopping;
      },
    };
    this.consumers.add(consumer);
    return consumer;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.closed = true;
    this.db.close();
  }
}

export function openSqliteQueue(url: string): SqliteQueue {
  return new SqliteQueue(parseSqliteQueueUrl(url));
}
