// `load --mode tasks --rate auto`: the arrival rate that makes the workers scale on THIS machine. A fixed rate
// (the old README's 2 tasks/s of 3000x3000@512) is above one worker's capacity on a slow or busy machine and
// below it on a quick one (0.39 s a render: one worker keeps up with 2.5/s, nothing scaled). So: render a few
// probe fractals of the run's size here, in this process, with the service's own renderer on one thread (what a
// worker with the default --threads 1 runs), and offer twice what the current workers render: the backlog grows
// and every worker is busy, whatever the machine. Rendering here rather than through the app keeps the probe out
// of the workers' CPU and backlog, so it cannot scale them before the load (and its chart) starts.
import { Writable } from 'node:stream';
import { Renderer } from '../../app/render/index.js';
import type { FractalParams } from '../../app/types.js';
import { taskBody, type TaskSize } from './mix.js';

export const PROBE_RENDERS = 3;
/** Offered rate / what the current workers render. */
export const OVERLOAD = 2;

export interface AutoRate {
  rate: number;
  /** Mean seconds of the probe renders (one thread, this machine, now). */
  renderS: number;
  workers: number;
  probes: number;
}

/** Two significant digits: 4.8 tasks/s, not 4.7619. */
const round2 = (v: number) => Number(v.toPrecision(2));

/** Mean render seconds of `n` fractals of this size (random regions, like the load's tasks), on one thread. */
export async function probeRenderSeconds(size: TaskSize, n = PROBE_RENDERS): Promise<number> {
  const renderer = new Renderer({ threads: 1 });
  try {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const t = taskBody(size) as unknown as FractalParams; // taskBody always fills every parameter
      const sink = new Writable({ write: (_c, _e, cb) => cb() });
      total += (await renderer.render(t, sink)).duration;
    }
    return total / n;
  } finally {
    await renderer.close();
  }
}

export async function findTaskRate(o: { size: TaskSize; workers: number }): Promise<AutoRate> {
  const renderS = Math.max(0.001, await probeRenderSeconds(o.size));
  const workers = Math.max(1, o.workers);
  return {
    rate: round2((OVERLOAD * workers) / renderS),
    renderS: Number(renderS.toFixed(3)),
    workers,
    probes: PROBE_RENDERS,
  };
}
