// What every route plugin of the API gets: the three backends, the metrics and the limits.
import type { FractalRepository, ImageStore, TaskQueue } from '../types.js';
import type { AccessCheck } from './access.js';
import type { BacklogGate, Budget } from './budget.js';
import type { ApiMetrics } from './metrics.js';

export interface ApiLimits {
  /** JSON bodies of POST /v1/fractal (bytes). */
  createBodyLimit: number;
  /** JSON bodies of PUT /v1/fractal/<uuid>, which may carry the original worker's base64 image (bytes; default
   *  256 MiB, about a 190 MiB PNG; every body up to it is stored, a larger one is a 413). */
  legacyBodyLimit: number;
  /** Raw PNG uploads of PUT /v1/fractal/<uuid>/image (bytes). */
  uploadLimit: number;
}

export interface ApiContext {
  repo: FractalRepository;
  queue: TaskQueue;
  images: ImageStore;
  metrics: ApiMetrics;
  limits: ApiLimits;
  /** Serializes result stores per uuid within this process (a redelivered task racing its first upload). */
  locks: KeyedMutex;
  /** Who may write (issue 15). */
  access: AccessCheck;
  budget: Budget;
  /** Bounds the backlog of unrendered fractals when budget.maxBacklog is set. */
  backlog?: BacklogGate;
  /** This API server's address for workers (--advertise-url), sent as each task's `api_url`; none when unset. */
  advertiseUrl?: string;
}

export class KeyedMutex {
  private tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
