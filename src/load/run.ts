// One load run: drives the chosen mode, closes a timeline interval every --interval seconds (sampling the tier
// watcher), keeps watching after the load while tiers settle, then summarizes and writes timeline.csv,
// timeline.json and chart.svg to the output folder.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runApiLoad } from './api-mode.js';
import { runTasksLoad, type TaskRecord, type TasksLoadOptions } from './tasks-mode.js';
import { renderChart } from './chart.js';
import { summarize, type LatencySummary } from './stats.js';
import { Timeline, round, type ScalingEvent, type TimelineRow } from './timeline.js';
import type { TierWatcher } from './watch.js';
import type { Mix, TaskSize } from './mix.js';

export interface LoadOptions {
  url: string;
  /** The app's API key for creates (Authorization: Bearer KEY) when its writes are protected (issue 15). */
  apiKey?: string;
  mode: 'api' | 'tasks';
  /** Requests (api) or tasks (tasks) per second; 'max' (api mode only): closed loop, as fast as answered. */
  rate: number | 'max';
  durationS: number;
  maxRequests?: number;
  connections?: number;
  timeoutS: number;
  mix: Mix;
  size: TaskSize;
  intervalS: number;
  drainTimeoutS: number;
  /** After the load, keep watching tiers up to this long until each is back at its starting size. */
  settleS: number;
  watcher?: TierWatcher;
  outDir?: string;
  onRow?: (row: TimelineRow) => void;
  onEvent?: (e: ScalingEvent) => void;
  /** Aborts everything (Ctrl-C): the load, the drain and the settle. */
  signal?: AbortSignal;
  /**
   * Ends only the load phase, before --duration/--max-requests (e.g. once the tier under test has scaled): the
   * drain and the settle then run as usual. For callers that wait for a condition rather than a fixed time.
   */
  endLoad?: AbortSignal;
  /** Tasks mode: changes the rate while sending (`--rate auto` follows the workers' render times). */
  adjustRate?: TasksLoadOptions['adjustRate'];
  onRate?: TasksLoadOptions['onRate'];
}

export interface LoadResult {
  mode: 'api' | 'tasks';
  url: string;
  startedAt: string;
  /** Seconds the load was applied (excludes draining and settling). */
  loadS: number;
  totalS: number;
  rate: number | 'max';
  requests: { sent: number; responses: number; errors: number; throughputPerS: number; errorsByKind: Record<string, number> };
  latencyMs: LatencySummary;
  tasks?: {
    accepted: number;
    completed: number;
    pending: number;
    drained: boolean;
    completionS: LatencySummary;
    renderS: LatencySummary;
    byWorker: Record<string, number>;
    uuids: string[];
  };
  apiByKind?: Record<string, number>;
  watch?: { source: string; errors: number; lastAlarms?: Record<string, string> };
  scaling: ScalingEvent[];
  timeline: TimelineRow[];
  files?: { csv: string; json: string; svg: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const startMs = Date.now();
  const timeline = new Timeline(startMs);
  const stop = new AbortController();
  o.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  const backlog = { value: null as number | null };
  let watchErrors = 0;
  let lastAlarms: Record<string, string> | undefined;
  let startTiers: Record<string, number> | undefined;
  let seenEvents = 0;

  const sample = async () => {
    if (!o.watcher) return;
    try {
      const snap = await o.watcher.read();
      startTiers ??= snap.tiers;
      lastAlarms = snap.alarms;
      timeline.noteTiers(Date.now(), snap.tiers);
      for (; seenEvents < timeline.events.length; seenEvents++) o.onEvent?.(timeline.events[seenEvents]!);
    } catch {
      watchErrors++;
    }
  };
  await sample();

  // Interval clock: sample the tiers, then close the interval.
  let ticking = true;
  const clock = (async () => {
    let next = startMs + o.intervalS * 1000;
    while (ticking) {
      await sleep(Math.max(0, next - Date.now()));
      if (!ticking) break;
      await sample();
      const row = timeline.tick(Date.now(), backlog.value); // outside o.onRow?.(): ?.() skips its arguments
      o.onRow?.(row);
      next += o.intervalS * 1000;
      if (next < Date.now()) next = Date.now() + o.intervalS * 1000;
    }
  })();

  let loadEndMs = startMs;
  let api: Awaited<ReturnType<typeof runApiLoad>> | undefined;
  let tasks: Awaited<ReturnType<typeof runTasksLoad>> | undefined;
  try {
    const sendSignal = o.endLoad ? AbortSignal.any([stop.signal, o.endLoad]) : stop.signal;
    if (o.mode === 'api') {
      api = await runApiLoad({ ...o }, timeline, sendSignal);
      loadEndMs = api.sendEndMs;
    } else {
      // The send phase ends at durationS or maxRequests; draining is part of the same call.
      if (o.rate === 'max') throw new Error('--rate max is for --mode api; give tasks per second');
      const t = runTasksLoad({ ...o, rate: o.rate, pollS: Math.min(1, o.intervalS), endSend: o.endLoad }, timeline, stop.signal, backlog);
      tasks = await t;
      loadEndMs = tasks.sendEndMs;
    }
    // Settle: keep the clock running until every watched tier is back at its starting size (or settleS).
    if (o.watcher && o.settleS > 0) {
      const until = Date.now() + o.settleS * 1000;
      const settled = () => {
        const last = timeline.rows.at(-1)?.tiers ?? {};
        return Object.entries(startTiers ?? {}).every(([k, v]) => last[k] === v);
      };
      await sleep(o.intervalS * 1000 * 1.5);
      while (Date.now() < until && !settled() && !stop.signal.aborted) await sleep(250);
    }
  } finally {
    ticking = false;
    await clock;
  }
  const endMs = Date.now();
  // Final partial interval, so nothing recorded is dropped.
  const lastRow = timeline.tick(endMs, backlog.value);
  o.onRow?.(lastRow);
  await sample();

  const latencies = api?.latencies ?? tasks?.latencies ?? [];
  const errors = api?.errors ?? tasks!.errors;
  const responses = api?.responses ?? tasks!.responses;
  const loadS = Math.max(0.001, (loadEndMs - startMs) / 1000);
  const result: LoadResult = {
    mode: o.mode,
    url: o.url,
    startedAt: new Date(startMs).toISOString(),
    loadS: round(loadS),
    totalS: round((endMs - startMs) / 1000),
    rate: o.rate,
    requests: {
      sent: api?.sent ?? tasks!.sent,
      responses,
      errors: errors.total,
      throughputPerS: round(responses / loadS),
      errorsByKind: errors.byKind,
    },
    latencyMs: roundSummary(summarize(latencies)),
    scaling: timeline.events,
    timeline: timeline.rows,
  };
  if (api) result.apiByKind = api.byKind;
  if (tasks) result.tasks = tasksSummary(tasks.tasks, tasks.drained);
  if (o.watcher) result.watch = { source: o.watcher.describe, errors: watchErrors, lastAlarms };
  if (o.outDir) result.files = await writeOutputs(o.outDir, result, timeline);
  return result;
}

function tasksSummary(recs: TaskRecord[], drained: boolean): NonNullable<LoadResult['tasks']> {
  const done = recs.filter((r) => r.doneMs !== undefined);
  const byWorker: Record<string, number> = {};
  for (const r of done) byWorker[r.generatedBy ?? 'unknown'] = (byWorker[r.generatedBy ?? 'unknown'] ?? 0) + 1;
  return {
    accepted: recs.length,
    completed: done.length,
    pending: recs.length - done.length,
    drained,
    completionS: roundSummary(summarize(done.map((r) => (r.doneMs! - r.createdMs) / 1000))),
    renderS: roundSummary(summarize(done.filter((r) => r.renderS !== undefined).map((r) => r.renderS!))),
    byWorker,
    uuids: recs.map((r) => r.uuid),
  };
}

function roundSummary(s: LatencySummary): LatencySummary {
  const r = (v: number) => (Number.isFinite(v) ? round(v) : v);
  return { count: s.count, p50: r(s.p50), p90: r(s.p90), p99: r(s.p99), max: r(s.max), mean: r(s.mean) };
}

async function writeOutputs(dir: string, result: LoadResult, timeline: Timeline) {
  await mkdir(dir, { recursive: true });
  const files = { csv: path.join(dir, 'timeline.csv'), json: path.join(dir, 'timeline.json'), svg: path.join(dir, 'chart.svg') };
  await writeFile(files.csv, timeline.toCsv());
  await writeFile(files.json, JSON.stringify({ ...result, files: undefined }, null, 2) + '\n');
  const title = `faafo-stack load --mode ${result.mode} at ${result.rate}/s, ${result.startedAt}`;
  await writeFile(files.svg, renderChart(timeline.rows, timeline.events, title));
  return files;
}
