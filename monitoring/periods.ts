// Turns raw samples into one mean per completed period, the way Gnocchi aggregates measures at a granularity
// (buckets aligned to multiples of the granularity since the epoch). Pure: the caller passes the times.

export class PeriodSeries {
  private readonly buckets = new Map<number, { sum: number; n: number }>();

  constructor(
    readonly granularityS: number,
    /** How many completed periods to keep (the longest evaluation window is enough). */
    readonly keep = 12,
  ) {
    if (!(granularityS > 0)) throw new Error('granularity must be > 0 seconds');
  }

  private bucketOf(ms: number): number {
    const g = this.granularityS * 1000;
    return Math.floor(ms / g) * g;
  }

  add(ms: number, value: number): void {
    if (!Number.isFinite(value)) return;
    const k = this.bucketOf(ms);
    const b = this.buckets.get(k) ?? { sum: 0, n: 0 };
    b.sum += value;
    b.n += 1;
    this.buckets.set(k, b);
    // Forget what no evaluation will ever look at again.
    const oldest = k - (this.keep + 1) * this.granularityS * 1000;
    for (const key of this.buckets.keys()) if (key < oldest) this.buckets.delete(key);
  }

  /** Means of the periods that have ended by `nowMs`, oldest first. A period without samples is skipped. */
  completed(nowMs: number): number[] {
    const current = this.bucketOf(nowMs);
    return [...this.buckets.entries()]
      .filter(([k]) => k < current)
      .sort((a, b) => a[0] - b[0])
      .slice(-this.keep)
      .map(([, b]) => b.sum / b.n);
  }

  /** Forget everything (after a scaling, the next decision waits for fresh periods, as alarms re-evaluate). */
  clear(): void {
    this.buckets.clear();
  }
}
