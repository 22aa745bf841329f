// Opens the task queue named by a URL: `memory:` / `memory:NAME` (embedded, in-process), `sqlite:PATH` (embedded,
// shared by the processes of one machine) or `amqp://` / `amqps://`
// (RabbitMQ with the original faafo's exchange `tasks` and queue `normal`).
import type { TaskQueue } from '../types.js';
import { openMemoryQueue } from './memory.js';

export interface QueueOptions {
  /** One-line log output for connection trouble (default: stderr). */
  log?: (line: string) => void;
}

export async function openQueue(url: string, opts: QueueOptions = {}): Promise<TaskQueue> {
  if (url.startsWith('memory:')) return openMemoryQueue(url);
  if (/^amqps?:\/\//.test(url)) {
    const { openAmqpQueue } = await import('./amqp.js');
    return openAmqpQueue(url, opts);
  }
  if (url.startsWith('sqlite:')) {
    const { openSqliteQueue } = await import('./sqlite.js');
    return openSqliteQueue(url);
  }
  throw new Error(`unsupported queue URL "${redact(url)}": use memory:, sqlite:PATH or amqp://user:pass@host:5672/vhost`);
}

/** Hides the password of a URL for messages and logs. */
export function redact(url: string): string {
  return url.replace(/^([a-z0-9+.-]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}
