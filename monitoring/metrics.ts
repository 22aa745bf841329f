// Reads the queue signals from the API's Prometheus /metrics: tasks waiting in the queue, fractals pending
// (waiting or being rendered) and done, and from successive readings the tier's throughput per worker.
// Metric names are looked up from a short list so a renamed gauge is a one-line change here.

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (comments and types ignored). */
export function parsePrometheus(text: string): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[3]) {
      for (const l of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    }
    const v = m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : Number(m[4]);
    if (Number.isNaN(v)) continue;
    const list = out.get(m[1]!) ?? [];
    list.push({ labels, value: v });
    out.set(m[1]!, list);
  }
  return out;
}

export const METRIC_NAMES = {
  depth: ['faafo_queue_depth', 'faafo_queue_messages', 'faafo_tasks_waiting'],
  pending: ['faafo_fractals_pending', 'faafo_fractals_pending_total'],
  done: ['faafo_fractals_done', 'faafo_fractals_done_total'],
};

function first(m: Map<string, Sample[]>, names: string[]): number | null {
  for (const n of names) {
    const s = m.get(n);
    if (s?.length) return s.reduce((a, b) => a + b.value, 0);
  }
  return null;
}

export interface QueueSignal {
  /** Messages ready in the queue (not delivered). */
  depth: number | null;
  /** Fractals not rendered yet: waiting + in progress. */
  pending: number | null;
  /** Fractals rendered, cumulative. */
  done: number | null;
}

export function queueSignal(text: string): QueueSignal {
  const m = parsePrometheus(text);
  return { depth: first(m, METRIC_NAMES.depth), pending: first(m, METRIC_NAMES.pending), done: first(m, METRIC_NAMES.done) };
}

export async function readQueueSignal(apiUrl: string, timeoutMs = 5000): Promise<QueueSignal> {
  const res = await fetch(new URL('/metrics', apiUrl), { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
  return queueSignal(text);
}

/** The backlog a worker faces: pending (or, without it, queue depth) per worker; 0 workers count as 1. */
export function backlogPerWorker(s: QueueSignal, workers: number): number | undefined {
  const backlog = s.pending ?? s.depth;
  if (backlog === null) return undefined;
  return backlog / Math.max(1, workers);
}

/** Fractals rendered per second per worker between successive readings of the `done` counter. */
export class ThroughputTracker {
  private last?: { done: number; ms: number };
  perWorker(s: QueueSignal, workers: number, nowMs: number): number | undefined {
    if (s.done === null) return undefined;
    const prev = this.last;
    this.last = { done: s.done, ms: nowMs };
    if (!prev || nowMs <= prev.ms || s.done < prev.done) return undefined;
    return (s.done - prev.done) / ((nowMs - prev.ms) / 1000) / Math.max(1, workers);
  }
}
