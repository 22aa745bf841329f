// `load --mode api`: HTTP requests at an arrival rate over a duration, a list/get/create mix, driven by autocannon
// (overallRate spreads the rate over the connections; give enough connections that rate × latency fits, which the
// default does, or the offered rate is not reached). Each response's latency and status feed the timeline.
import autocannon from 'autocannon';
import { mixSequence, taskBody, type Mix, type RequestKind, type TaskSize } from './mix.js';
import { ErrorCounts, errorKind } from './stats.js';
import type { Timeline } from './timeline.js';

export interface ApiLoadOptions {
  url: string;
  rate: number;
  durationS: number;
  maxRequests?: number;
  connections?: number;
  timeoutS: number;
  mix: Mix;
  size: TaskSize;
}

export interface ApiLoadOutcome {
  sent: number;
  responses: number;
  latencies: number[];
  errors: ErrorCounts;
  byKind: Record<RequestKind, number>;
  created: string[];
}

/** Uuids to GET: existing rows first, one small fractal created when there are none. */
async function seedUuids(base: string, size: TaskSize): Promise<string[]> {
  const res = await fetch(new URL('/v1/fractal?results_per_page=100', base), { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET /v1/fractal answered ${res.status}`);
  const body = (await res.json()) as { objects?: { uuid: string }[] };
  const uuids = (body.objects ?? []).map((o) => o.uuid);
  if (uuids.length) return uuids;
  const task = taskBody(size);
  const c = await fetch(new URL('/v1/fractal', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(task),
    signal: AbortSignal.timeout(10_000),
  });
  if (c.status !== 201 && c.status !== 200) throw new Error(`POST /v1/fractal answered ${c.status}`);
  return [task.uuid as string];
}

export function defaultConnections(rate: number): number {
  return Math.max(4, Math.min(256, Math.ceil(rate / 2)));
}

export async function runApiLoad(o: ApiLoadOptions, timeline: Timeline, stopSignal: AbortSignal): Promise<ApiLoadOutcome> {
  const known = o.mix.get > 0 ? await seedUuids(o.url, o.size) : [];
  const out: ApiLoadOutcome = {
    sent: 0,
    responses: 0,
    latencies: [],
    errors: new ErrorCounts(),
    byKind: { list: 0, get: 0, create: 0 },
    created: [],
  };
  const pick = () => known[Math.floor(Math.random() * known.length)];
  const requests = mixSequence(o.mix).map((kind): autocannon.Request => {
    if (kind === 'list') {
      return { method: 'GET', path: '/v1/fractal', onResponse: () => void out.byKind.list++ };
    }
    if (kind === 'get') {
      return {
        method: 'GET',
        setupRequest: (req) => ({ ...req, path: `/v1/fractal/${pick()}` }),
        onResponse: () => void out.byKind.get++,
      };
    }
    return {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      setupRequest: (req) => {
        const body = taskBody(o.size);
        return { ...req, body: JSON.stringify(body) };
      },
      onResponse: (status, body) => {
        out.byKind.create++;
        if (status === 201 || status === 200) {
          try {
            const uuid = (JSON.parse(body) as { uuid?: string }).uuid;
            if (uuid) {
              known.push(uuid);
              out.created.push(uuid);
            }
          } catch {
            /* not JSON: counted by status only */
          }
        }
      },
    };
  });
  const connections = Math.min(o.connections ?? defaultConnections(o.rate), Math.max(1, Math.floor(o.rate)));
  let finished!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => (finished = (err) => (err ? reject(err) : resolve())));
  const instance = autocannon(
    {
      url: o.url,
      connections,
      overallRate: o.rate,
      duration: o.durationS,
      maxOverallRequests: o.maxRequests,
      timeout: o.timeoutS,
      requests,
    },
    (err) => finished(err),
  );
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    out.responses++;
    out.latencies.push(ms);
    timeline.noteSent();
    timeline.noteResponse(ms);
    if (status >= 400) {
      out.errors.add(`http_${status}`);
      timeline.noteError();
    }
  });
  let transportErrors = 0;
  instance.on('reqError', (err: unknown) => {
    transportErrors++;
    out.errors.add(errorKind(err));
    timeline.noteSent();
    timeline.noteError();
  });
  const onAbort = () => instance.stop();
  stopSignal.addEventListener('abort', onAbort, { once: true });
  await done;
  stopSignal.removeEventListener('abort', onAbort);
  out.sent = out.responses + transportErrors;
  return out;
}
