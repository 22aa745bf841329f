// Latency bookkeeping for the load tool: exact percentiles over the recorded samples (runs are bounded by
// --duration/--max-requests, so keeping every sample is cheap) and per-kind error counts.

/** Nearest-rank percentile of an ascending array (p in 0..100); NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(values: readonly number[]): LatencySummary {
  const s = [...values].sort((a, b) => a - b);
  const sum = s.reduce((a, b) => a + b, 0);
  return {
    count: s.length,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s.length ? s[s.length - 1]! : Number.NaN,
    mean: s.length ? sum / s.length : Number.NaN,
  };
}

/** Counts of errors by kind, e.g. `http_503`, `timeout`, `ECONNREFUSED`. */
export class ErrorCounts {
  readonly byKind: Record<string, number> = {};
  total = 0;
  add(kind: string): void {
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
    this.total += 1;
  }
}

/** The kind an error is counted under: its code when it has one (ECONNREFUSED...), else its name. */
export function errorKind(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timeout';
  return typeof e?.name === 'string' ? e.name : 'error';
}
