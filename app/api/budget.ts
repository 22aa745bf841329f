// The work budget (issue 15): a ceiling on one fractal's work (width x height x iterations, 413) and on the
// backlog of fractals waiting to be rendered (503 with Retry-After), so a flood of creates cannot grow the queue
// without limit. Per-client request rates are @fastify/rate-limit's job (server.ts). Every limit is off unless set.
import type { FractalRepository } from '../types.js';
import { HttpError } from './errors.js';

export interface Budget {
  /** Most width x height x iterations one fractal may ask for. */
  maxWork?: number;
  /** Client writes (create, update, delete) per client (IP) per minute. */
  writesPerMinute?: number;
  /** Most fractals waiting to be rendered; creates beyond it are refused. */
  maxBacklog?: number;
  /** Seconds a refused create is told to wait (Retry-After; default 30). */
  retryAfterS?: number;
}

export function checkWork(maxWork: number | undefined, f: { width: number; height: number; iterations: number }): void {
  if (maxWork === undefined) return;
  const work = f.width * f.height * f.iterations;
  if (work > maxWork) {
    throw new HttpError(
      413,
      `The fractal asks for too much work: ${f.width} x ${f.height} pixels x ${f.iterations} iterations = ${work}, ` +
        `over this service's limit of ${maxWork}; ask for fewer pixels or iterations`,
    );
  }
}

/**
 * Admits creates while the backlog (fractals not rendered yet) is below `max`. The database count is re-read at
 * most once per `refreshMs`; between reads, creates admitted by this process are added to it (over-estimating on
 * the safe side), so concurrent requests cannot slip past the bound together.
 */
export class BacklogGate {
  private base = 0;
  private readAt = -Infinity;
  private reading: Promise<void> | undefined;
  private inflight = 0;
  private completed = 0;
  private completedAtRead = 0;

  constructor(
    private readonly repo: FractalRepository,
    readonly max: number,
    private readonly retryAfterS = 30,
    private readonly refreshMs = 1000,
  ) {}

  private refresh(): Promise<void> {
    this.reading ??= (async () => {
      const mark = this.completed;
      try {
        this.base = (await this.repo.counts()).pending;
        this.completedAtRead = mark;
        this.readAt = Date.now();
      } finally {
        this.reading = undefined;
      }
    })();
    return this.reading;
  }

  /** Resolves with a `done` to call once the row is inserted (or not); throws 503 when the backlog is full. */
  async admit(): Promise<(inserted: boolean) => void> {
    if (Date.now() - this.readAt > this.refreshMs) await this.refresh();
    const estimate = this.base + (this.completed - this.completedAtRead) + this.inflight;
    if (estimate >= this.max) {
      throw new HttpError(
        503,
        `The render queue is full (${this.max} fractals waiting); try again in ${this.retryAfterS} s`,
        {},
      );
    }
    this.inflight++;
    let settled = false;
    return (inserted) => {
      if (settled) return;
      settled = true;
      this.inflight--;
      if (inserted) this.completed++;
    };
  }
}
