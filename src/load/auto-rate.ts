// `load --mode tasks --rate auto`: the arrival rate that makes the workers scale on THIS machine. A fixed rate
// (the old README's 2 tasks/s of 3000x3000@512) is above one worker's capacity on a slow or busy machine and
// below it on a fast one, where nothing scales. So: render a few probe tasks of the run's size, take the mean
// render time the workers report, and offer twice what the current workers render: the backlog grows and each
// worker is busy all the time, whatever the machine.
import { taskBody, type TaskSize } from './mix.js';
import { FaafoError } from '../lib/errors.js';
import { describeCause } from './target.js';
import { errorKind } from './stats.js';

export const PROBE_TASKS = 3;
/** Offered rate / what the current workers render. */
export const OVERLOAD = 2;

export interface AutoRate {
  rate: number;
  /** Mean render seconds of the probe tasks, as the workers reported them. */
  renderS: number;
  workers: number;
  probes: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two significant digits: 4.8 tasks/s, not 4.7619. */
const round2 = (v: number) => Number(v.toPrecision(2));

export async function findTaskRate(o: { url: string; size: TaskSize; workers: number; timeoutS: number; waitS: number }): Promise<AutoRate> {
  const uuids: string[] = [];
  for (let i = 0; i < PROBE_TASKS; i++) {
    const body = taskBody(o.size);
    let status: number;
    try {
      const res = await fetch(new URL('/v1/fractal', o.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(o.timeoutS * 1000),
      });
      await res.arrayBuffer();
      status = res.status;
    } catch (err) {
      throw new FaafoError(`--rate auto: no answer from ${o.url}: ${describeCause(errorKind(err), o.timeoutS)}`);
    }
    if (status !== 201 && status !== 200) throw new FaafoError(`--rate auto: creating a probe task answered HTTP ${status}`);
    uuids.push(body.uuid as string);
  }
  // The workers' own render times (duration), so time spent queued behind other tasks does not count.
  const durations = new Map<string, number>();
  const end = Date.now() + o.waitS * 1000;
  while (durations.size < uuids.length) {
    if (Date.now() > end) {
      throw new FaafoError(`--rate auto: ${uuids.length - durations.size} of ${uuids.length} probe tasks not rendered within ${o.waitS} s`, {
        hint: 'are workers running? give --rate N instead, or a longer --drain-timeout',
      });
    }
    for (const uuid of uuids) {
      if (durations.has(uuid)) continue;
      try {
        const res = await fetch(new URL(`/v1/fractal/${uuid}`, o.url), { signal: AbortSignal.timeout(o.timeoutS * 1000) });
        const row = res.ok ? ((await res.json()) as { checksum?: string | null; duration?: number | null }) : undefined;
        if (!res.ok) await res.arrayBuffer();
        if (row?.checksum && typeof row.duration === 'number') durations.set(uuid, row.duration);
      } catch {
        /* looked up again next round */
      }
    }
    if (durations.size < uuids.length) await sleep(250);
  }
  const renderS = Math.max(0.001, [...durations.values()].reduce((a, b) => a + b, 0) / durations.size);
  const workers = Math.max(1, o.workers);
  return { rate: round2((OVERLOAD * workers) / renderS), renderS: Number(renderS.toFixed(3)), workers, probes: durations.size };
}
