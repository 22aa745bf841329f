// Opens the task queue named by a URL: `memory:` / `memory:NAME` (embedded, in-process), `sqlite:PATH` (embedded,
// shared by the processes of one machine) or `amqp://` / `amqps://`
// (RabbitMQ with the original faafo's exchange `tasks` and queue `normal`).
import { lowerScheme, redactUrl, schemeOf, URL_EXAMPLES } from '../settings-contract.js';
import type { TaskQueue } from '../types.js';
import { openMemoryQueue } from './memory.js';

export interface QueueOptions {
  /** One-line log output for connection trouble (default: stderr). */
  log?: (line: string) => void;
}

export async function openQueue(given: string, opts: QueueOptions = {}): Promise<TaskQueue> {
  // The scheme check is the settings contract's (the same resolveSettings applies), schemes in any case.
  const kind = schemeOf('queue', given);
  const url = lowerScheme(given);
  if (kind === 'memory') return openMemoryQueue(url);
  if (kind === 'amqp') {
    const { openAmqpQueue } = await import('./amqp.js');
    return openAmqpQueue(url, opts);
  }
  if (kind === 'sqlite') {
    const { openSqliteQueue } = await import('./sqlite.js');
    return openSqliteQueue(url);
  }
  throw new Error(`unsupported queue URL "${redactUrl(given)}": use ${URL_EXAMPLES.queue}`);
}
