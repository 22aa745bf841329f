// `load --mode tasks`: fractal tasks at an arrival rate (open loop: each task is sent on schedule whether or not the
// previous ones were answered), like the guide's `faafo create`, then watches each task through the API until it
// is rendered (checksum set) to measure backlog and completion times.
import { authHeader, taskBody, type TaskSize } from './mix.js';
import { ErrorCounts, errorKind } from './stats.js';
import type { Timeline } from './timeline.js';

export interface TasksLoadOptions {
  url: string;
  /** Sent as Authorization: Bearer KEY with each create. */
  apiKey?: string;
  /** Called on each 401 answer to a create (the creates need a key, or another one). */
  onUnauthorized?: () => void;
  /** Tasks per second. */
  rate: number;
  durationS: number;
  maxRequests?: number;
  timeoutS: number;
  size: TaskSize;
  /** How long to wait, after the last task was sent, for the backlog to drain. */
  drainTimeoutS: number;
  /** How often pending tasks are looked up. */
  pollS: number;
  /** Stops sending early (the drain still runs); stopSignal stops everything. */
  endSend?: AbortSignal;
  /**
   * Asked about once a second while sending, with the render seconds the workers reported so far (completion
   * order) and the backlog (accepted, not yet rendered): a new rate from now on, or undefined to keep it (`--rate auto`, autoRateController).
   */
  adjustRate?: (o: { elapsedS: number; rate: number; renderS: readonly number[]; backlog: number }) => number | undefined;
  /** Told each rate change the adjuster made. */
  onRate?: (rate: number) => void;
}

export interface TaskRecord {
  uuid: string;
  createdMs: number;
  /** When the API accepted it (2xx), else undefined. */
  acceptedMs?: number;
  doneMs?: number;
  /** Render seconds the worker reported. */
  renderS?: number;
  generatedBy?: string | null;
}

export interface TasksLoadOutcome {
  sent: number;
  responses: number;
  latencies: number[];
  errors: ErrorCounts;
  tasks: TaskRecord[];
  drained: boolean;
  /** When the last task was sent (end of the load phase). */
  sendEndMs: number;
}

async function createTask(
  base: string,
  size: TaskSize,
  timeoutS: number,
  apiKey?: string,
): Promise<{ uuid: string; status: number }> {
  const body = taskBody(size);
  const res = await fetch(new URL('/v1/fractal', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...authHeader(apiKey) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutS * 1000),
  });
  await res.arrayBuffer();
  return { uuid: body.uuid as string, status: res.status };
}

/** Runs fn over items with at most `limit` in flight. */
async function eachLimited<T>(items: T[], limit: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  });
  await Promise.all(lanes);
}

export async function runTasksLoad(
  o: TasksLoadOptions,
  timeline: Timeline,
  stopSignal: AbortSignal,
  backlog: { value: number | null },
): Promise<TasksLoadOutcome> {
  const out: TasksLoadOutcome = { sent: 0, responses: 0, latencies: [], errors: new ErrorCounts(), tasks: [], drained: false, sendEndMs: 0 };
  const inflight = new Set<Promise<void>>();
  const start = Date.now();
  const endSend = start + o.durationS * 1000;
  const max = o.maxRequests ?? Number.POSITIVE_INFINITY;
  const pending = new Map<string, TaskRecord>();
  const rendered: number[] = [];
  const updateBacklog = () => (backlog.value = pending.size);

  const sendOne = () => {
    const rec: TaskRecord = { uuid: '', createdMs: Date.now() };
    out.sent++;
    timeline.noteSent();
    const p = createTask(o.url, o.size, o.timeoutS, o.apiKey)
      .then(({ uuid, status }) => {
        rec.uuid = uuid;
        const ms = Date.now() - rec.createdMs;
        out.responses++;
        out.latencies.push(ms);
        timeline.noteResponse(ms);
        if (status === 201 || status === 200) {
          rec.acceptedMs = Date.now();
          out.tasks.push(rec);
          pending.set(uuid, rec);
          updateBacklog();
        } else {
          out.errors.add(`http_${status}`);
          timeline.noteError();
          if (status === 401) o.onUnauthorized?.();
        }
      })
      .catch((err: unknown) => {
        out.errors.add(errorKind(err));
        timeline.noteError();
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };

  // Poller: looks up pending tasks, oldest first, a few at a time.
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const batch = [...pending.values()];
      await eachLimited(batch, 8, async (rec) => {
        try {
          const res = await fetch(new URL(`/v1/fractal/${rec.uuid}`, o.url), { signal: AbortSignal.timeout(10_000) });
          if (!res.ok) return void (await res.arrayBuffer());
          const row = (await res.json()) as { checksum?: string | null; duration?: number | null; generated_by?: string | null };
          if (row.checksum) {
            rec.doneMs = Date.now();
            rec.renderS = row.duration ?? undefined;
            if (typeof row.duration === 'number' && row.duration > 0) rendered.push(row.duration);
            rec.generatedBy = row.generated_by ?? null;
            pending.delete(rec.uuid);
            timeline.noteTaskDone();
            updateBacklog();
          }
        } catch {
          /* transient: looked up again next round */
        }
      });
      await sleep(o.pollS * 1000);
    }
  })();

  // Open-loop sender: as many tasks as the schedule says by now, never waiting for answers. The schedule is the
  // rate integrated over time, so a rate the adjuster changes applies from then on (no burst, no gap).
  updateBacklog();
  let rate = o.rate;
  let scheduled = 0;
  let last = start;
  let nextAdjust = start + 1000;
  while (!stopSignal.aborted && !o.endSend?.aborted && Date.now() < endSend && out.sent < max) {
    const now = Date.now();
    scheduled += ((now - last) / 1000) * rate;
    last = now;
    const due = Math.min(max, Math.floor(scheduled) + 1);
    while (out.sent < due) sendOne();
    if (o.adjustRate && now >= nextAdjust) {
      nextAdjust = now + 1000;
      const r = o.adjustRate({ elapsedS: (now - start) / 1000, rate, renderS: rendered, backlog: pending.size });
      if (r !== undefined && r > 0 && Number.isFinite(r) && r !== rate) {
        rate = r;
        o.onRate?.(r);
      }
    }
    await sleep(Math.max(5, Math.min(100, 1000 / rate / 2)));
  }
  out.sendEndMs = Date.now();
  await Promise.allSettled([...inflight]);
  // Drain: wait until every accepted task is rendered, or the drain timeout.
  const drainEnd = Date.now() + o.drainTimeoutS * 1000;
  while (pending.size > 0 && Date.now() < drainEnd && !stopSignal.aborted) await sleep(250);
  out.drained = pending.size === 0;
  polling = false;
  await poller;
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
