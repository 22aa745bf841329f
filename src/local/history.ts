// What a local run looked like over time, kept by the supervisor so the live page can draw the whole run even when
// it is opened mid-run: a bounded ring of samples (one per autoscaler tick) plus the tiers' alarm thresholds.
import type { TierScaling } from '../../monitoring/decision.js';

export interface HistorySample {
  /** Milliseconds since the epoch. */
  t: number;
  apiSize: number;
  workerSize: number;
  /** Fractals not rendered yet (waiting + in progress), or the queue depth; null when /metrics did not answer. */
  backlog: number | null;
  /** Fractals rendered so far (cumulative); the page refreshes its gallery frame when this grows. */
  rendered: number | null;
  /** Mean CPU percent (of one core) of each tier's members; null before the first measurement. */
  apiCpu: number | null;
  workerCpu: number | null;
  /** The value the worker tier scales on (CPU percent, or backlog per worker). */
  workerMetric: number | null;
}

export interface TierThresholds {
  metric: string;
  scaleUp: number;
  scaleDown: number;
}

export interface HistoryView {
  /** Ring capacity: older samples are dropped. */
  capacity: number;
  thresholds: { api: TierThresholds; workers: TierThresholds };
  samples: HistorySample[];
}

export function thresholdsOf(s: TierScaling, metric: string): TierThresholds {
  return { metric, scaleUp: s.up.alarm.threshold, scaleDown: s.down.alarm.threshold };
}

export class RunHistory {
  private readonly ring: HistorySample[] = [];

  constructor(
    readonly thresholds: HistoryView['thresholds'],
    readonly capacity = 7200,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('history capacity must be a positive integer');
  }

  add(s: HistorySample): void {
    this.ring.push(s);
    if (this.ring.length > this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
  }

  /** Samples strictly after `sinceMs` (all of them without it): the page loads everything once, then follows. */
  view(sinceMs?: number): HistoryView {
    const samples = sinceMs === undefined ? this.ring.slice() : this.ring.filter((s) => s.t > sinceMs);
    return { capacity: this.capacity, thresholds: this.thresholds, samples };
  }
}
