// `load --mode tasks --rate auto`: the arrival rate that makes the workers scale on THIS machine. A fixed rate
// (the old README's 2 tasks/s of 3000x3000@512) is above one worker's capacity on a slow or busy machine and
// below it on a quick one (0.39 s a render: one worker keeps up with 2.5/s, nothing scaled). So: render a few
// probe fractals of the run's size here, in this process, with the service's own renderer on one thread (what a
// worker with the default --threads 1 runs), and offer twice what the current workers render: the backlog grows
// and every worker is busy, whatever the machine. Rendering here rather than through the app keeps the probe out
// of the workers' CPU and backlog, so it cannot scale them before the load (and its chart) starts.
//
// The probe renders the way a running worker does: a fresh Renderer's first render also starts its thread and
// compiles the WASM kernel (1.2 s of a 3000x3000@512 render's 1.4 s here, under tsx; a worker pays that once),
// so one small unmeasured render warms it first, and the median of the measured ones drops a region that
// happened to be slow or a moment the machine was busy. A probe can still be off (the load's regions are
// random, the workers' machine may be busier or idler than this process was): while the load runs, the
// workers' own render times (each rendered task reports its duration) raise the rate to twice what they
// render, so the backlog builds even when the probe measured them slower than they are (autoRateController).
import { Writable } from 'node:stream';
import { Renderer } from '../../app/render/index.js';
import type { FractalParams } from '../../app/types.js';
import { taskBody, type TaskSize } from './mix.js';
import type { TierWatcher } from './watch.js';

export const PROBE_RENDERS = 3;
/** Offered rate / what the current workers render. */
export const OVERLOAD = 2;
/** Worker-reported renders needed before the rate follows them, and how many recent ones it takes the median of. */
export const OBSERVED_MIN = 3;
export const OBSERVED_WINDOW = 7;
/**
 * Tasks waiting per starting worker at which the backlog counts as built (twice the queue scaler's default
 * scale-up threshold of 2 a worker): from then on the rate stays, so the noise of random regions' render times
 * cannot push it ever higher (and the drain longer) once the workers are overloaded anyway.
 */
export const BACKLOG_BUILT_PER_WORKER = 4;
/** The rate is raised only when twice the workers' capacity exceeds it by this factor (no churn on noise). */
export const RAISE_FACTOR = 1.2;

export interface AutoRate {
  /** The rate the load started at (from the probe). */
  rate: number;
  /** Median seconds of the probe renders (one thread, this machine, now, after a warm-up render). */
  renderS: number;
  workers: number;
  probes: number;
  /** Where the load ended up, after following the workers' reported render times. */
  finalRate: number;
  /** Each raise: seconds into the load, the new rate, and the median render seconds the workers reported. */
  adjustments: { atS: number; rate: number; renderS: number }[];
}

/** Two significant digits: 4.8 tasks/s, not 4.7619. */
const round2 = (v: number) => Number(v.toPrecision(2));

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median render seconds of `n` fractals of this size (random regions, like the load's tasks), on one warm thread. */
export async function probeRenderSeconds(size: TaskSize, n = PROBE_RENDERS): Promise<number> {
  const renderer = new Renderer({ threads: 1 });
  const sink = () => new Writable({ write: (_c, _e, cb) => cb() });
  try {
    // Warm-up, not measured: starts the thread and compiles the kernel, as a running worker already has.
    await renderer.render(taskBody({ width: 64, height: 64, iterations: 64 }) as unknown as FractalParams, sink());
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = taskBody(size) as unknown as FractalParams; // taskBody always fills every parameter
      times.push((await renderer.render(t, sink())).duration);
    }
    return median(times);
  } finally {
    await renderer.close();
  }
}

/** The rate that is OVERLOAD times what `workers` render at `renderS` seconds a task. */
export const overloadRate = (workers: number, renderS: number) => round2((OVERLOAD * Math.max(1, workers)) / Math.max(0.001, renderS));

/** The worker tier's size as the run starts: what the first offer is for (1 when nothing is watched or it fails). */
export async function startingWorkers(watcher: TierWatcher | undefined): Promise<number> {
  if (!watcher) return 1;
  return watcher.read().then((s) => s.tiers.workers ?? 1, () => 1);
}

export async function findTaskRate(o: { size: TaskSize; workers: number }): Promise<AutoRate> {
  const renderS = Math.max(0.001, await probeRenderSeconds(o.size));
  const workers = Math.max(1, o.workers);
  const rate = overloadRate(workers, renderS);
  return { rate, renderS: Number(renderS.toFixed(3)), workers, probes: PROBE_RENDERS, finalRate: rate, adjustments: [] };
}

/**
 * While the load runs: given the render seconds the workers reported so far (in completion order) and the
 * backlog, the rate to offer now, or undefined to keep the current one. Until a backlog has built
 * (BACKLOG_BUILT_PER_WORKER), raises only: twice the starting workers' capacity from the median of their recent
 * renders, once at least OBSERVED_MIN are in and it is RAISE_FACTOR above the rate. A
 * probe that measured the workers faster than they are already overloads them, and a lower rate would only
 * slow the scale-out (workers that share a busy machine's cores render slower as the backlog scales them).
 * Records each raise in `auto` (adjustments, finalRate).
 */
export function autoRateController(auto: AutoRate) {
  let built = false;
  return (o: { elapsedS: number; rate: number; renderS: readonly number[]; backlog: number }): number | undefined => {
    built ||= o.backlog >= BACKLOG_BUILT_PER_WORKER * auto.workers;
    if (built || o.renderS.length < OBSERVED_MIN) return undefined;
    const observed = median(o.renderS.slice(-OBSERVED_WINDOW));
    const target = overloadRate(auto.workers, observed);
    if (!(target > o.rate * RAISE_FACTOR)) return undefined;
    auto.finalRate = target;
    auto.adjustments.push({ atS: Number(o.elapsedS.toFixed(1)), rate: target, renderS: Number(observed.toFixed(3)) });
    return target;
  };
}
