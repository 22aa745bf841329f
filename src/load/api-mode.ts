// `load --mode api`: HTTP requests with a list/get/create mix.
// - At a fixed --rate: an open model. Each request starts on schedule (evenly spaced) whether or not earlier ones
//   were answered, so a slow server shows as latency and backlog, not as a lower offered rate (no coordinated
//   omission). In-flight requests are capped (--connections); one that would exceed the cap is counted as
//   `client_overload` instead of being sent late.
// - At --rate max: autocannon, closed loop over --connections, as fast as the server answers (capacity, and the
//   like-for-like comparison with wrk in bench/load-vs-wrk.mjs).
import http from 'node:http';
import autocannon from 'autocannon';
import { authHeader, mixSequence, taskBody, type Mix, type RequestKind, type TaskSize } from './mix.js';
import { FaafoError } from '../lib/errors.js';
import { ErrorCounts, errorKind } from './stats.js';
import { describeCause, unauthorizedError } from './target.js';
import type { Timeline } from './timeline.js';

export interface ApiLoadOptions {
  url: string;
  /** Sent as Authorization: Bearer KEY with each create. */
  apiKey?: string;
  /** Where apiKey came from (`--api-key`, `stack NAME`), for the 401 message; never the key. */
  apiKeyFrom?: string;
  /** Called on each 401 answer (the creates need a key, or another one). */
  onUnauthorized?: () => void;
  /** Requests per second, or 'max' (closed loop, autocannon). */
  rate: number | 'max';
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
  /** When the last request was started. */
  sendEndMs: number;
}

/** Uuids to GET: existing rows first, one small fractal created when there are none. */
async function seedUuids(o: ApiLoadOptions): Promise<string[]> {
  try {
    return await seedUuidsOnce(o.url, o.size, o.apiKey, o.apiKeyFrom);
  } catch (err) {
    if (err instanceof FaafoError) throw err;
    throw new FaafoError(`no answer from ${o.url} to the first requests: ${describeCause(errorKind(err), 10)}`);
  }
}

async function seedUuidsOnce(base: string, size: TaskSize, apiKey?: string, apiKeyFrom?: string): Promise<string[]> {
  const res = await fetch(new URL('/v1/fractal?results_per_page=100', base), { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new FaafoError(`${base}: GET /v1/fractal answered ${res.status}`, { hint: 'is it a faafo app?' });
  const body = (await res.json()) as { objects?: { uuid: string }[] };
  const uuids = (body.objects ?? []).map((o) => o.uuid);
  if (uuids.length) return uuids;
  const task = taskBody(size);
  const c = await fetch(new URL('/v1/fractal', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeader(apiKey) },
    body: JSON.stringify(task),
    signal: AbortSignal.timeout(10_000),
  });
  if (c.status === 401) throw unauthorizedError(base, apiKeyFrom);
  if (c.status !== 201 && c.status !== 200) throw new FaafoError(`${base}: POST /v1/fractal answered ${c.status}`, { hint: 'is it a faafo app?' });
  return [task.uuid as string];
}

interface Req {
  kind: RequestKind;
  method: string;
  path: string;
  body?: string;
}

function requestFactory(o: ApiLoadOptions, known: string[], out: ApiLoadOutcome) {
  const seq = mixSequence(o.mix);
  let i = 0;
  const next = (): Req => {
    const kind = seq[i++ % seq.length]!;
    if (kind === 'list') return { kind, method: 'GET', path: '/v1/fractal' };
    if (kind === 'get') return { kind, method: 'GET', path: `/v1/fractal/${known[Math.floor(Math.random() * known.length)]}` };
    return { kind, method: 'POST', path: '/v1/fractal', body: JSON.stringify(taskBody(o.size)) };
  };
  const answered = (kind: RequestKind, status: number, body: string) => {
    out.byKind[kind]++;
    if (kind === 'create' && (status === 201 || status === 200)) {
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
  };
  return { next, answered };
}

export async function runApiLoad(o: ApiLoadOptions, timeline: Timeline, stopSignal: AbortSignal): Promise<ApiLoadOutcome> {
  const known = o.mix.get > 0 ? await seedUuids(o) : [];
  const out: ApiLoadOutcome = {
    sent: 0,
    responses: 0,
    latencies: [],
    errors: new ErrorCounts(),
    byKind: { list: 0, get: 0, create: 0 },
    created: [],
    sendEndMs: 0,
  };
  const f = requestFactory(o, known, out);
  const onAnswer = (status: number, ms: number) => {
    out.responses++;
    out.latencies.push(ms);
    timeline.noteResponse(ms);
    if (status >= 400) {
      out.errors.add(`http_${status}`);
      timeline.noteError();
      if (status === 401) o.onUnauthorized?.();
    }
  };
  const onError = (kind: string) => {
    out.errors.add(kind);
    timeline.noteError();
  };
  if (o.rate === 'max') await closedLoop(o, f, out, timeline, stopSignal, onAnswer, onError);
  else await openLoop(o, o.rate, f, out, timeline, stopSignal, onAnswer, onError);
  return out;
}

type Factory = ReturnType<typeof requestFactory>;

async function openLoop(
  o: ApiLoadOptions,
  rate: number,
  f: Factory,
  out: ApiLoadOutcome,
  timeline: Timeline,
  stop: AbortSignal,
  onAnswer: (status: number, ms: number) => void,
  onError: (kind: string) => void,
): Promise<void> {
  const u = new URL(o.url);
  const cap = o.connections ?? 256;
  const agent = new http.Agent({ keepAlive: true, maxSockets: cap });
  let inflight = 0;
  const pending = new Set<Promise<void>>();
  const send = () => {
    out.sent++;
    timeline.noteSent();
    if (inflight >= cap) return onError('client_overload');
    inflight++;
    const r = f.next();
    const t0 = performance.now();
    const p = new Promise<void>((resolve) => {
      const req = http.request(
        {
          host: u.hostname,
          port: u.port || 80,
          method: r.method,
          path: r.path,
          agent,
          timeout: o.timeoutS * 1000,
          headers: r.body
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(r.body), ...authHeader(o.apiKey) }
            : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            onAnswer(res.statusCode ?? 0, performance.now() - t0);
            f.answered(r.kind, res.statusCode ?? 0, r.kind === 'create' ? Buffer.concat(chunks).toString() : '');
            resolve();
          });
          res.on('error', (e) => (onError(errorKind(e)), resolve()));
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
      req.on('error', (e) => (onError(errorKind(e)), resolve()));
      req.end(r.body);
    }).finally(() => {
      inflight--;
      pending.delete(p);
    });
    pending.add(p);
  };
  const start = performance.now();
  const max = o.maxRequests ?? Number.POSITIVE_INFINITY;
  while (!stop.aborted && out.sent < max && performance.now() - start < o.durationS * 1000) {
    const due = Math.min(max, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
    while (out.sent < due) send();
    const nextAt = start + (out.sent / rate) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(1, Math.min(50, nextAt - performance.now()))));
  }
  out.sendEndMs = Date.now();
  await Promise.allSettled([...pending]);
  agent.destroy();
}

async function closedLoop(
  o: ApiLoadOptions,
  f: Factory,
  out: ApiLoadOutcome,
  timeline: Timeline,
  stop: AbortSignal,
  onAnswer: (status: number, ms: number) => void,
  onError: (kind: string) => void,
): Promise<void> {
  // autocannon cycles through a request list per connection: a long list in mix order, built from the factory
  // (GETs of uuids known before the run, creates with fresh bodies from setupRequest).
  // With a single GET kind, no onResponse: autocannon then skips collecting bodies (a large share of its cost).
  const kinds = (Object.keys(o.mix) as RequestKind[]).filter((k) => o.mix[k] > 0);
  const single = kinds.length === 1 && kinds[0] !== 'create' ? kinds[0] : undefined;
  const requests: autocannon.Request[] = Array.from({ length: 40 }, () => {
    const r = f.next();
    if (single) return { method: 'GET', path: r.path };
    if (r.kind !== 'create') return { method: r.method as 'GET', path: r.path, onResponse: (s: number) => f.answered(r.kind, s, '') };
    return {
      method: 'POST',
      path: '/v1/fractal',
      headers: { 'content-type': 'application/json', ...authHeader(o.apiKey) },
      setupRequest: (req) => ({ ...req, body: JSON.stringify(taskBody(o.size)) }),
      onResponse: (s: number, body: string) => f.answered('create', s, body),
    };
  });
  let finished!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => (finished = (err) => (err ? reject(err) : resolve())));
  // A single GET path: no request list at all (autocannon's leanest path, a fair match for wrk).
  const singlePath = single && single === 'list' ? '/v1/fractal' : undefined;
  const instance = autocannon(
    {
      url: singlePath ? new URL(singlePath, o.url).toString() : o.url,
      connections: o.connections ?? 10,
      duration: o.durationS,
      maxOverallRequests: o.maxRequests,
      timeout: o.timeoutS,
      ...(singlePath ? {} : { requests }),
    },
    (err) => finished(err),
  );
  instance.on('response', (_c: unknown, status: number, _b: number, ms: number) => {
    out.sent++;
    timeline.noteSent();
    onAnswer(status, ms);
  });
  instance.on('reqError', (err: unknown) => {
    out.sent++;
    timeline.noteSent();
    onError(errorKind(err));
  });
  const onAbort = () => instance.stop();
  stop.addEventListener('abort', onAbort, { once: true });
  await done;
  stop.removeEventListener('abort', onAbort);
  if (single) out.byKind[single] = out.responses;
  out.sendEndMs = Date.now();
}
