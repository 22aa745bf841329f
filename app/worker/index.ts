// The fractal worker: takes one task at a time from the queue (prefetch 1), renders it into a temp file (the PNG
// streams out of the renderer, so memory stays low), uploads it with `PUT /v1/fractal/<uuid>/image` (contract C1)
// and acks only once the API has stored it (200) or said the row is gone (404). API down: retry with backoff,
// then nack so the task goes back to the queue. A redelivered task is rendered again; the API stores it once.
// With several API URLs (comma-separated endpointUrl) an unreachable or failing API is skipped for the next one.
// Which API: a task may name the API server that queued it (`api_url`, from that server's --advertise-url); the
// worker tries it first, then the configured endpoints (from the one last in use), then the API URLs earlier tasks
// named (most recently named first; one that cannot be reached is forgotten until a task names it again). An API
// that could not be reached in the last minute goes to the end of that order (tasks queued by an API server that
// scale-in removed still name it; each would otherwise wait on it first). So a worker needs no endpoint at all
// when tasks carry api_url (stacks without load balancer, whose API tier scales). The worker sends its result
// secret to that API, so with apiUrlCidrs (--api-url-cidrs) it uses a task's api_url only when the host is an IP
// address inside those networks (the stack's own); any other is ignored like an invalid one.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { BlockList } from 'node:net';
import { finished } from 'node:stream/promises';
import { setTimeout as wait } from 'node:timers/promises';
import { apiUrlAllowList } from '../config.js';
import { ENV_NAMES } from '../settings-contract.js';
import type { Consumer, FractalParams, TaskHandle, TaskQueue } from '../types.js';
import { parseTask, taskApiUrl, type RenderTask } from './task.js';
import { fetchFractal, uploadImage } from './upload.js';

/** What the worker needs of the renderer (contract C4's Renderer.render). */
export interface FractalRenderer {
  render(
    p: FractalParams,
    out: NodeJS.WritableStream,
  ): Promise<{ duration: number; size: number; checksum: string; cr: number; ci: number }>;
}

export interface WorkerOptions {
  queue: TaskQueue;
  renderer: FractalRenderer;
  /**
   * The API's base URL, e.g. http://127.0.0.1:8800, or several separated by commas (every API server when there is
   * no load balancer): the worker uses one until it cannot be reached or answers 5xx, then the next. Empty or
   * absent: none; the worker reports to the API each task names (api_url) or one an earlier task named.
   */
  endpointUrl?: string;
  /**
   * CIDRs (10.0.0.0/24, fd00::/8...) a task's api_url must point into, as an IP address, to be used; undefined: any
   * http(s) URL. A bad CIDR throws SettingsError (the CLI checks the list before).
   */
  apiUrlCidrs?: string[];
  /** Stored as the fractal's `generated_by`. */
  generatedBy: string;
  /** The API's result secret (X-Faafo-Result-Secret), when it requires one. */
  resultSecret?: string;
  log?: (line: string) => void;
  /** Upload attempts before the task is handed back to the queue (default 5). */
  attempts?: number;
  /** First retry delay; doubles each attempt, at most 8 s (default 500 ms). */
  retryDelayMs?: number;
  /** Where temp PNGs go (default: a fresh folder under the OS temp dir). */
  tmpDir?: string;
}

export interface WorkerStats {
  processed: number;
  dropped: number;
  requeued: number;
}

interface Rendered {
  uuid: string;
  file: string;
  size: number;
  checksum: string;
  duration: number;
  cr: number;
  ci: number;
}

const TMP_PREFIX = 'faafo-worker-';
/** How many API URLs named by earlier tasks the worker remembers as fallbacks. */
export const SEEN_API_URLS = 16;
/** An API that could not be reached is tried last for this long. */
const DOWN_FOR_MS = 60_000;

/** The API URLs one task is reported to, in order, and the one in use. */
interface Route {
  targets: string[];
  at: number;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp folders of workers that died without cleaning up (SIGKILL, crash): a half-written
 * 9999x9999 PNG is large. Folder names carry the owner's pid; folders of live processes are left alone.
 */
export async function sweepStaleTmpDirs(dir: string): Promise<number> {
  let removed = 0;
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const m = new RegExp(`^${TMP_PREFIX}(\\d+)-[A-Za-z0-9]{6}$`).exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    await fsp.rm(path.join(dir, name), { recursive: true, force: true }).then(
      () => removed++,
      () => undefined,
    );
  }
  return removed;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export class FractalWorker {
  readonly stats: WorkerStats = { processed: 0, dropped: 0, requeued: 0 };
  private consumer: Consumer | undefined;
  private stopping = false;
  private tmpDir: string | undefined;
  private ownsTmpDir = false;
  /** The last result that could not be uploaded: kept so its redelivery does not have to render again. */
  private kept: Rendered | undefined;
  private readonly log: (line: string) => void;
  /** The configured API base URLs (maybe none), and the one in use (the last that answered). */
  private readonly endpoints: string[];
  private current = 0;
  /** API URLs named by earlier tasks, most recently named first (at most SEEN_API_URLS). */
  private readonly seen: string[] = [];
  /** When each API URL last could not be reached (cleared when it answers). */
  private readonly down = new Map<string, number>();
  /** Wait before handing back a task no API is known for; doubles while that lasts (at most 8 s). */
  private noApiDelay: number;
  private readonly stopped = new AbortController();
  /** The networks a task's api_url must point into (--api-url-cidrs), when given. */
  private readonly allow: { list: BlockList; shown: string } | undefined;

  constructor(private readonly opts: WorkerOptions) {
    this.log = opts.log ?? ((line) => process.stdout.write(`${line}\n`));
    this.endpoints = parseEndpoints(opts.endpointUrl ?? '');
    this.allow = opts.apiUrlCidrs
      ? { list: apiUrlAllowList(opts.apiUrlCidrs), shown: `--api-url-cidrs ${opts.apiUrlCidrs.join(',')}` }
      : undefined;
    this.noApiDelay = opts.retryDelayMs ?? 500;
  }

  /** The API URLs known in this process: configured ones and those tasks named (for tests and logs). */
  knownApis(): { configured: string[]; seen: string[] } {
    return { configured: [...this.endpoints], seen: [...this.seen] };
  }

  /**
   * The order one task is reported in: its own api_url, the configured endpoints from the one in use, then the
   * API URLs earlier tasks named. The task's api_url then becomes the most recently seen.
   */
  private routeFor(apiUrl: string | undefined): Route {
    const targets: string[] = [];
    const add = (u: string | undefined) => {
      if (u !== undefined && !targets.includes(u)) targets.push(u);
    };
    add(apiUrl);
    for (let i = 0; i < this.endpoints.length; i++) add(this.endpoints[(this.current + i) % this.endpoints.length]);
    for (const u of this.seen) add(u);
    const now = Date.now();
    for (const [u, t] of this.down) if (now - t > DOWN_FOR_MS) this.down.delete(u);
    const ordered = [...targets.filter((u) => !this.down.has(u)), ...targets.filter((u) => this.down.has(u))];
    if (apiUrl !== undefined) {
      const i = this.seen.indexOf(apiUrl);
      if (i >= 0) this.seen.splice(i, 1);
      this.seen.unshift(apiUrl);
      this.seen.length = Math.min(this.seen.length, SEEN_API_URLS);
    }
    return { targets: ordered, at: 0 };
  }

  /** The API at `url` answered: a configured one stays in use for the tasks that name none. */
  private answered(url: string): void {
    this.down.delete(url);
    const i = this.endpoints.indexOf(url);
    if (i >= 0) this.current = i;
  }

  /** The API at `url` cannot be reached: forget it as a fallback (scale-in removed it) until a task names it. */
  private unreachable(url: string): void {
    this.down.set(url, Date.now());
    if (this.down.size > 4 * SEEN_API_URLS) this.down.delete(this.down.keys().next().value as string);
    const i = this.seen.indexOf(url);
    if (i >= 0) this.seen.splice(i, 1);
  }

  /** Moves on to the task's next API URL (if there is more than one); returns the one now in use. */
  private failover(route: Route, problem: string): string {
    const from = route.targets[route.at];
    route.at = (route.at + 1) % route.targets.length;
    const to = route.targets[route.at];
    if (to !== from) this.log(`API ${from}: ${problem}; switching to ${to}`);
    return to;
  }

  async start(): Promise<void> {
    if (this.opts.tmpDir) {
      this.tmpDir = this.opts.tmpDir;
      await fsp.mkdir(this.tmpDir, { recursive: true });
    } else {
      await sweepStaleTmpDirs(os.tmpdir());
      this.tmpDir = await fsp.mkdtemp(path.join(os.tmpdir(), `${TMP_PREFIX}${process.pid}-`));
      this.ownsTmpDir = true;
    }
    this.consumer = await this.opts.queue.consume((h) => this.handle(h));
  }

  /** Stops taking tasks, lets the current one finish (stored and acked, or handed back), cleans up. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    await this.consumer?.stop();
    this.consumer = undefined;
    await this.forgetKept();
    if (this.ownsTmpDir && this.tmpDir) await fsp.rm(this.tmpDir, { recursive: true, force: true });
  }

  private async handle(h: TaskHandle): Promise<void> {
    const parsed = parseTask(h.task);
    if (!parsed.ok) {
      const id = typeof h.task?.uuid === 'string' ? h.task.uuid : '(no uuid)';
      this.log(`dropping task ${id}: ${parsed.reason}`);
      this.stats.dropped++;
      await h.ack();
      return;
    }
    const task = parsed.task;
    const named = taskApiUrl(h.task, this.allow);
    if (named.problem) this.log(`task ${task.uuid}: ignoring its ${named.problem}`);
    const route = this.routeFor(named.url);
    if (route.targets.length === 0) {
      await this.handBack(h, task.uuid);
      return;
    }
    this.noApiDelay = this.opts.retryDelayMs ?? 500;
    if (h.redelivered && !(this.kept?.uuid === task.uuid) && (await this.alreadySettled(h, task.uuid, route))) return;

    this.log(`processing task ${task.uuid}`);
    let rendered: Rendered;
    if (this.kept?.uuid === task.uuid) {
      rendered = this.kept;
      this.kept = undefined;
    } else {
      await this.forgetKept();
      try {
        rendered = await this.renderToFile(task);
      } catch (e) {
        // Possibly transient (a crashed thread): one more chance on another worker; twice means drop.
        if (h.redelivered) {
          this.log(`dropping task ${task.uuid}: rendering failed again (${errText(e)})`);
          this.stats.dropped++;
          await h.ack();
        } else {
          this.log(`task ${task.uuid}: rendering failed (${errText(e)}); returning it to the queue`);
          this.stats.requeued++;
          await h.nack();
        }
        return;
      }
    }

    let keep = false;
    try {
      keep = await this.uploadAndSettle(h, rendered, route);
    } finally {
      if (keep) this.kept = rendered;
      else await fsp.rm(rendered.file, { force: true });
    }
  }

  /**
   * A task no API is known for (it names none, no endpoint is configured, no earlier task named one): never
   * dropped. After a pause (or it would come straight back) it goes to the END of the queue: published again, and
   * acked only once the broker confirmed that copy. A plain nack would put it back at the head, where this worker
   * would take it again and again and never see the tasks behind it that name their API. If that publish fails
   * the task is nacked instead.
   */
  private async handBack(h: TaskHandle, uuid: string): Promise<void> {
    const delay = this.noApiDelay;
    this.noApiDelay = Math.min(8000, delay * 2);
    this.log(
      `task ${uuid}: no API to report to (the task names none, no --endpoint-url/${ENV_NAMES.endpointUrl}, no earlier task named one); returning it to the end of the queue in ${(delay / 1000).toFixed(1)} s`,
    );
    // cut short when the worker stops (the abort rejects: nothing to do about it)
    await wait(delay, undefined, { signal: this.stopped.signal }).catch(() => undefined);
    this.stats.requeued++;
    try {
      await this.opts.queue.publish(h.task);
    } catch (e) {
      this.log(`task ${uuid}: could not queue it again (${errText(e)}); returning it to the queue`);
      await h.nack();
      return;
    }
    await h.ack();
  }

  /** For a redelivered task: true (and acked) when the row is gone or already rendered; on doubt, render. */
  private async alreadySettled(h: TaskHandle, uuid: string, route: Route): Promise<boolean> {
    try {
      let row: { checksum: string | null } | null | undefined;
      for (let i = 0; i < route.targets.length && row === undefined; i++) {
        const endpoint = route.targets[route.at];
        try {
          row = await fetchFractal(endpoint, uuid);
          this.answered(endpoint);
        } catch (e) {
          if (!(e instanceof Error && /^GET fractal answered/.test(e.message))) this.unreachable(endpoint);
          if (i === route.targets.length - 1) throw e;
          this.failover(route, `cannot ask it about task ${uuid} (${errText(e)})`);
        }
      }
      if (row === undefined) return false;
      if (row === null) {
        this.log(`dropping task ${uuid}: the fractal no longer exists`);
        this.stats.dropped++;
      } else if (row.checksum) {
        this.log(`task ${uuid} was already stored; acknowledging`);
        this.stats.processed++;
      } else return false;
      await h.ack();
      return true;
    } catch {
      return false;
    }
  }

  private async renderToFile(task: RenderTask): Promise<Rendered> {
    const file = path.join(this.tmpDir as string, `${task.uuid}.${randomBytes(4).toString('hex')}.png`);
    const out = fs.createWriteStream(file);
    try {
      const r = await this.opts.renderer.render(task, out);
      if (!out.writableEnded) out.end();
      await finished(out);
      const { size } = await fsp.stat(file);
      if (size !== r.size) throw new Error(`renderer reported ${r.size} bytes but wrote ${size}`);
      return { uuid: task.uuid, file, size, checksum: r.checksum, duration: r.duration, cr: r.cr, ci: r.ci };
    } catch (e) {
      out.destroy();
      await fsp.rm(file, { force: true });
      throw e;
    }
  }

  /** Uploads with retries and acks or nacks. Returns true when the file should be kept for a redelivery. */
  private async uploadAndSettle(h: TaskHandle, r: Rendered, route: Route): Promise<boolean> {
    // Each attempt tries every API URL once (starting with the one in use); the delay comes between attempts.
    const attempts = Math.max(1, this.opts.attempts ?? 5) * route.targets.length;
    let delay = this.opts.retryDelayMs ?? 500;
    let problem = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const endpoint = route.targets[route.at];
      let switchable = false;
      try {
        const res = await uploadImage(endpoint, {
          ...r,
          generatedBy: this.opts.generatedBy,
          resultSecret: this.opts.resultSecret,
        });
        if (res.status < 500) this.answered(endpoint);
        if (res.status >= 200 && res.status < 300) {
          this.log(`task ${r.uuid} processed in ${r.duration.toFixed(6)} seconds`);
          this.stats.processed++;
          await h.ack();
          return false;
        }
        if (res.status === 404) {
          this.log(`dropping task ${r.uuid}: the fractal was deleted before its image arrived`);
          this.stats.dropped++;
          await h.ack();
          return false;
        }
        problem = `the API answered ${res.status}${res.message ? `: ${res.message}` : ''}`;
        switchable = res.status >= 500;
        // Refused for this worker's credentials (issue 15): another worker with the right secret can store it.
        if (res.status === 401 || res.status === 403) break;
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
          // The API will refuse this result every time: retrying or requeueing would loop forever.
          this.log(`dropping task ${r.uuid}: ${problem}`);
          this.stats.dropped++;
          await h.ack();
          return false;
        }
      } catch (e) {
        problem = `cannot reach the API (${errText(e)})`;
        switchable = true;
        this.unreachable(endpoint);
      }
      if (attempt === attempts || (this.stopping && attempt >= 2)) break;
      if (switchable && route.targets.length > 1) {
        this.failover(route, problem);
        // another API server first; wait only once every one of them has failed this round
        if (attempt % route.targets.length !== 0) continue;
      }
      this.log(`task ${r.uuid}: ${problem}; retrying in ${(delay / 1000).toFixed(1)} s`);
      await sleep(delay);
      delay = Math.min(8000, delay * 2);
    }
    this.log(`task ${r.uuid}: could not store the result (${problem}); returning it to the queue`);
    this.stats.requeued++;
    await h.nack();
    return !this.stopping;
  }

  private async forgetKept(): Promise<void> {
    const k = this.kept;
    this.kept = undefined;
    if (k) await fsp.rm(k.file, { force: true });
  }
}

/** The API base URLs of a (comma-separated) endpointUrl, trailing slashes removed; none for an empty one. */
export function parseEndpoints(endpointUrl: string): string[] {
  return endpointUrl
    .split(',')
    .map((u) => u.trim().replace(/\/+$/, ''))
    .filter((u) => u !== '');
}

/** Creates and starts a worker on the queue. */
export async function startWorker(opts: WorkerOptions): Promise<FractalWorker> {
  const w = new FractalWorker(opts);
  await w.start();
  return w;
}
