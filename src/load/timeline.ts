// What happened during a load run, interval by interval: requests, latency, errors, task backlog and the tier
// sizes a watcher reported, plus the scaling events (a tier's size changing). Written as CSV and JSON.
import { summarize, ErrorCounts } from './stats.js';

export interface TimelineRow {
  /** Seconds since the start of the run, at the end of the interval. */
  t: number;
  /** Requests (api) or tasks (tasks) sent in the interval. */
  sent: number;
  /** Responses (api) or task creations answered (tasks) in the interval. */
  responses: number;
  /** Responses per second in the interval. */
  throughput: number;
  errors: number;
  /** Latency of the interval's responses, ms (null when none). */
  p50: number | null;
  p90: number | null;
  p99: number | null;
  /** Tasks completed in the interval (tasks mode). */
  tasksDone: number;
  /** Tasks created and not yet completed (tasks mode), or the queue depth the API reports. */
  backlog: number | null;
  /** Tier sizes (api, workers) as the watcher saw them at the end of the interval. */
  tiers: Record<string, number>;
}

export interface ScalingEvent {
  t: number;
  tier: string;
  from: number;
  to: number;
  direction: 'up' | 'down';
}

export class Timeline {
  readonly rows: TimelineRow[] = [];
  readonly events: ScalingEvent[] = [];
  private sent = 0;
  private latencies: number[] = [];
  private errors = 0;
  private tasksDone = 0;
  private lastTiers: Record<string, number> = {};
  private lastTickMs: number;

  constructor(readonly startMs: number) {
    this.lastTickMs = startMs;
  }

  noteSent(n = 1): void {
    this.sent += n;
  }
  noteResponse(latencyMs: number): void {
    this.latencies.push(latencyMs);
  }
  noteError(): void {
    this.errors += 1;
  }
  noteTaskDone(): void {
    this.tasksDone += 1;
  }

  /** Tier sizes observed at time `ms`; a change from the previous observation is a scaling event. */
  noteTiers(ms: number, tiers: Record<string, number>): void {
    for (const [tier, size] of Object.entries(tiers)) {
      const prev = this.lastTiers[tier];
      if (prev !== undefined && prev !== size) {
        this.events.push({ t: round((ms - this.startMs) / 1000), tier, from: prev, to: size, direction: size > prev ? 'up' : 'down' });
      }
    }
    this.lastTiers = { ...this.lastTiers, ...tiers };
  }

  /** Closes the current interval at `ms`. */
  tick(ms: number, backlog: number | null): TimelineRow {
    const dt = Math.max(0.001, (ms - this.lastTickMs) / 1000);
    const s = summarize(this.latencies);
    const row: TimelineRow = {
      t: round((ms - this.startMs) / 1000),
      sent: this.sent,
      responses: s.count,
      throughput: round(s.count / dt),
      errors: this.errors,
      p50: s.count ? round(s.p50) : null,
      p90: s.count ? round(s.p90) : null,
      p99: s.count ? round(s.p99) : null,
      tasksDone: this.tasksDone,
      backlog,
      tiers: { ...this.lastTiers },
    };
    this.rows.push(row);
    this.sent = 0;
    this.latencies = [];
    this.errors = 0;
    this.tasksDone = 0;
    this.lastTickMs = ms;
    return row;
  }

  toCsv(): string {
    const tiers = [...new Set(this.rows.flatMap((r) => Object.keys(r.tiers)))].sort();
    const head = ['t_s', 'sent', 'responses', 'throughput_per_s', 'errors', 'p50_ms', 'p90_ms', 'p99_ms', 'tasks_done', 'backlog', ...tiers.map((t) => `${t}_size`)];
    const cell = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));
    const lines = this.rows.map((r) =>
      [r.t, r.sent, r.responses, r.throughput, r.errors, r.p50, r.p90, r.p99, r.tasksDone, r.backlog, ...tiers.map((t) => r.tiers[t])].map(cell).join(','),
    );
    return [head.join(','), ...lines].join('\n') + '\n';
  }
}

export { ErrorCounts };

export function round(v: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
