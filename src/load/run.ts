// One load run: drives the chosen mode, closes a timeline interval every --interval seconds (sampling the tier
// watcher), keeps watching after the load while tiers settle, then summarizes and writes timeline.csv,
// timeline.json and chart.svg to the output folder. The first 401 stops the run (every later create would get one).
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
  /** Where apiKey came from (`--api-key`, `stack NAME`): in the result and the 401 message; never the key. */
  apiKeyFrom?: string;
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
  /** Where the creates' API key came from (`--api-key`, `stack NAME`), when one was sent; never the key. */
  apiKeyFrom?: string;
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

/** What one run shares between its phases: the timeline, the stop switch, the backlog and what the watcher saw. */
interface RunState {
  startMs: number;
  timeline: Timeline;
  /** Stops everything: the caller's signal (Ctrl-C), or the first 401 (the creates need a key). */
  stop: AbortController;
  backlog: { value: number | null };
  watch: { errors: number; lastAlarms?: Record<string, string>; startTiers?: Record<string, number> };
  /** Reads the tiers once (when watched) and reports the scaling events seen since the last read. */
  sample(): Promise<void>;
}

/** The outcome of the mode that ran, and when its load phase ended. */
interface ModeOutcome {
  api?: Awaited<ReturnType<typeof runApiLoad>>;
  tasks?: Awaited<ReturnType<typeof runTasksLoad>>;
  loadEndMs: number;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const run = startRun(o);
  await run.sample();
  const outcome = await drive(o, run);
  const endMs = Date.now();
  // Final partial interval, so nothing recorded is dropped (ticked outside o.onRow?.(): ?.() skips its arguments).
  const lastRow = run.timeline.tick(endMs, run.backlog.value);
  o.onRow?.(lastRow);
  await run.sample();
  const result = summary(o, run, outcome, endMs);
  if (o.outDir) result.files = await writeOutputs(o.outDir, result, run.timeline);
  return result;
}

function startRun(o: LoadOptions): RunState {
  const startMs = Date.now();
  const timeline = new Timeline(startMs);
  const stop = new AbortController();
  o.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  const watch: RunState['watch'] = { errors: 0 };
  let seenEvents = 0;
  const sample = async () => {
    if (!o.watcher) return;
    try {
      const snap = await o.watcher.read();
      watch.startTiers ??= snap.tiers;
      watch.lastAlarms = snap.alarms;
      timeline.noteTiers(Date.now(), snap.tiers);
      for (; seenEvents < timeline.events.length; seenEvents++) o.onEvent?.(timeline.events[seenEvents]!);
    } catch {
      watch.errors++;
    }
  };
  return { startMs, timeline, stop, backlog: { value: null }, watch, sample };
}

/** The interval clock runs through the mode and the settle: each --interval it samples the tiers and closes a row. */
async function drive(o: LoadOptions, run: RunState): Promise<ModeOutcome> {
  let ticking = true;
  const clock = (async () => {
    let next = run.startMs + o.intervalS * 1000;
    while (ticking) {
      await sleep(Math.max(0, next - Date.now()));
      if (!ticking) break;
      await run.sample();
      const row = run.timeline.tick(Date.now(), run.backlog.value); // outside o.onRow?.(): ?.() skips its arguments
      o.onRow?.(row);
      next += o.intervalS * 1000;
      if (next < Date.now()) next = Date.now() + o.intervalS * 1000;
    }
  })();
  try {
    const outcome = await runMode(o, run);
    await settle(o, run);
    return outcome;
  } finally {
    ticking = false;
    await clock;
  }
}

async function runMode(o: LoadOptions, run: RunState): Promise<ModeOutcome> {
  const { stop, timeline } = run;
  const sendSignal = o.endLoad ? AbortSignal.any([stop.signal, o.endLoad]) : stop.signal;
  // A 401 answers every later create the same way: stop at the first (the caller reports it in one line).
  const onUnauthorized = () => stop.abort();
  if (o.mode === 'api') {
    const api = await runApiLoad({ ...o, onUnauthorized }, timeline, sendSignal);
    return { api, loadEndMs: api.sendEndMs };
  }
  // The send phase ends at durationS or maxRequests; draining is part of the same call.
  if (o.rate === 'max') throw new Error('--rate max is for --mode api; give tasks per second');
  const opts = { ...o, rate: o.rate, pollS: Math.min(1, o.intervalS), endSend: o.endLoad, onUnauthorized };
  const tasks = await runTasksLoad(opts, timeline, stop.signal, run.backlog);
  return { tasks, loadEndMs: tasks.sendEndMs };
}

/** Keeps the clock running until every watched tier is back at its starting size (or settleS). */
async function settle(o: LoadOptions, run: RunState): Promise<void> {
  if (!o.watcher || o.settleS <= 0) return;
  const until = Date.now() + o.settleS * 1000;
  const settled = () => {
    const last = run.timeline.rows.at(-1)?.tiers ?? {};
    return Object.entries(run.watch.startTiers ?? {}).every(([k, v]) => last[k] === v);
  };
  await sleep(o.intervalS * 1000 * 1.5);
  while (Date.now() < until && !settled() && !run.stop.signal.aborted) await sleep(250);
}

function summary(o: LoadOptions, run: RunState, m: ModeOutcome, endMs: number): LoadResult {
  const { api, tasks } = m;
  const errors = api?.errors ?? tasks!.errors;
  const responses = api?.responses ?? tasks!.responses;
  const loadS = Math.max(0.001, (m.loadEndMs - run.startMs) / 1000);
  const result: LoadResult = {
    mode: o.mode,
    url: o.url,
    startedAt: new Date(run.startMs).toISOString(),
    loadS: round(loadS),
    totalS: round((endMs - run.startMs) / 1000),
    rate: o.rate,
    requests: {
      sent: api?.sent ?? tasks!.sent,
      responses,
      errors: errors.total,
      throughputPerS: round(responses / loadS),
      errorsByKind: errors.byKind,
    },
    latencyMs: roundSummary(summarize(api?.latencies ?? tasks?.latencies ?? [])),
    scaling: run.timeline.events,
    timeline: run.timeline.rows,
  };
  if (o.apiKeyFrom) result.apiKeyFrom = o.apiKeyFrom;
  if (api) result.apiByKind = api.byKind;
  if (tasks) result.tasks = tasksSummary(tasks.tasks, tasks.drained);
  if (o.watcher) result.watch = { source: o.watcher.describe, errors: run.watch.errors, lastAlarms: run.watch.lastAlarms };
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
