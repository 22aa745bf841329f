// The fractal worker: takes one task at a time from the queue (prefetch 1), renders it into a temp file (the PNG
// streams out of the renderer, so memory stays low), uploads it with `PUT /v1/fractal/<uuid>/image` (contract C1)
// and acks only once the API has stored it (200) or said the row is gone (404). API down: retry with backoff,
// then nack so the task goes back to the queue. A redelivered task is rendered again; the API stores it once.
// With several API URLs (comma-separated endpointUrl) an unreachable or failing API is skipped for the next one.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { finished } from 'node:stream/promises';
import type { Consumer, FractalParams, TaskHandle, TaskQueue } from '../types.js';
import { parseTask, type RenderTask } from './task.js';
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
   * no load balancer): the worker uses one until it cannot be reached or answers 5xx, then the next.
   */
  endpointUrl: string;
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
  /** The API base URLs, and the one in use (the last that answered). */
  private readonly endpoints: string[];
  private current = 0;

  constructor(private readonly opts: WorkerOptions) {
    this.log = opts.log ?? ((line) => process.stdout.write(`${line}\n`));
    this.endpoints = parseEndpoints(opts.endpointUrl);
  }

  /** Moves on to the next API URL (if there is more than one); returns the one now in use. */
  private failover(problem: string): string {
    const from = this.endpoints[this.current];
    this.current = (this.current + 1) % this.endpoints.length;
    const to = this.endpoints[this.current];
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
    if (h.redelivered && !(this.kept?.uuid === task.uuid) && (await this.alreadySettled(h, task.uuid))) return;

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
      keep = await this.uploadAndSettle(h, rendered);
    } finally {
      if (keep) this.kept = rendered;
      else await fsp.rm(rendered.file, { force: true });
    }
  }

  /** For a redelivered task: true (and acked) when the row is gone or already rendered; on doubt, render. */
  private async alreadySettled(h: TaskHandle, uuid: string): Promise<boolean> {
    try {
      let row: { checksum: string | null } | null | undefined;
      for (let i = 0; i < this.endpoints.length && row === undefined; i++) {
        try {
          row = await fetchFractal(this.endpoints[this.current], uuid);
        } catch (e) {
          if (i === this.endpoints.length - 1) throw e;
          this.failover(`cannot ask it about task ${uuid} (${errText(e)})`);
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
  private async uploadAndSettle(h: TaskHandle, r: Rendered): Promise<boolean> {
    // Each attempt tries every API URL once (starting with the one in use); the delay comes between attempts.
    const attempts = Math.max(1, this.opts.attempts ?? 5) * this.endpoints.length;
    let delay = this.opts.retryDelayMs ?? 500;
    let problem = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const endpoint = this.endpoints[this.current];
      let switchable = false;
      try {
        const res = await uploadImage(endpoint, {
          ...r,
          generatedBy: this.opts.generatedBy,
          resultSecret: this.opts.resultSecret,
        });
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
      }
      if (attempt === attempts || (this.stopping && attempt >= 2)) break;
      if (switchable && this.endpoints.length > 1) {
        this.failover(problem);
        // another API server first; wait only once every one of them has failed this round
        if (attempt % this.endpoints.length !== 0) continue;
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

/** The API base URLs of a (comma-separated) endpointUrl, trailing slashes removed. */
export function parseEndpoints(endpointUrl: string): string[] {
  const list = endpointUrl
    .split(',')
    .map((u) => u.trim().replace(/\/+$/, ''))
    .filter((u) => u !== '');
  if (list.length === 0) throw new Error('the worker needs at least one API URL');
  return list;
}

/** Creates and starts a worker on the queue. */
export async function startWorker(opts: WorkerOptions): Promise<FractalWorker> {
  const w = new FractalWorker(opts);
  await w.start();
  return w;
}
