// The service commands: `faafo serve` (everything in one process), `faafo api`, `faafo worker`. Settings come
// from flags, then the environment, then the embedded defaults (app/config.ts). SIGTERM/SIGINT shut down
// cleanly: workers finish the fractal in progress, then the API, queue, image store and database close.
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { toTask } from '../api/publish.js';
import { buildApi } from '../api/server.js';
import { randomBytes } from 'node:crypto';
import { ENV_NAMES, redactUrl, schemeOf } from '../settings-contract.js';
import {
  resolveAdvertiseUrl,
  resolveApiUrlCidrs,
  resolveProtection,
  resolveSettings,
  SettingsError,
  type ProtectionSettings,
  type SettingsInput,
} from '../config.js';
import { DatabaseUrlError, openRepository } from '../db/index.js';
import { openImageStore } from '../images/index.js';
import { openQueue } from '../queue/index.js';
import { Renderer } from '../render/index.js';
import type { FractalRepository, ImageStore, ServiceSettings, TaskQueue } from '../types.js';
import { FractalWorker } from '../worker/index.js';
import { parse, str, type OptionSpec, type Parsed } from './args.js';
import { CliError, UsageError } from './errors.js';
import type { Io } from './io.js';
import { openWithRetry, startupTimeoutFrom, trustProxyFrom } from './startup.js';

export const SERVICE_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'database-url': { type: 'string' },
  'queue-url': { type: 'string' },
  'image-url': { type: 'string' },
  threads: { type: 'string' },
  'generated-by': { type: 'string' },
  'result-secret': { type: 'string' },
} as const satisfies OptionSpec;

/** `faafo api` and `faafo serve` only: they listen behind the load balancer and need the database. */
export const API_OPTIONS = {
  ...SERVICE_OPTIONS,
  'trust-proxy': { type: 'boolean' },
  'startup-timeout': { type: 'string' },
  'legacy-workers': { type: 'string' },
  'legacy-worker-cidrs': { type: 'string' },
  'anonymous-writes': { type: 'string' },
  'max-work': { type: 'string' },
  'writes-per-minute': { type: 'string' },
  'max-backlog': { type: 'string' },
  'internal-port': { type: 'string' },
  'internal-host': { type: 'string' },
  'advertise-url': { type: 'string' },
} as const satisfies OptionSpec;

/** `faafo worker` only. */
export const WORKER_OPTIONS = { ...SERVICE_OPTIONS, 'api-url-cidrs': { type: 'string' } } as const satisfies OptionSpec;

export const SERVE_OPTIONS = { ...API_OPTIONS, workers: { type: 'string' } } as const satisfies OptionSpec;

/** Shared by the service commands: the resolved settings, or a UsageError naming the bad one. */
export function settingsFrom(p: Parsed, env: NodeJS.ProcessEnv): ServiceSettings {
  const flags: SettingsInput = {
    port: str(p, 'port'),
    host: str(p, 'host'),
    databaseUrl: str(p, 'database-url'),
    queueUrl: str(p, 'queue-url'),
    imageUrl: str(p, 'image-url'),
    threads: str(p, 'threads'),
    generatedBy: str(p, 'generated-by'),
    workers: str(p, 'workers'),
    endpointUrl: str(p, 'endpoint-url'),
  };
  try {
    return resolveSettings(flags, env);
  } catch (e) {
    if (e instanceof SettingsError) throw new UsageError(e.message);
    throw e;
  }
}

/** `faafo worker`: the networks a task's api_url must point into (--api-url-cidrs, FAAFO_API_URL_CIDRS). */
export function apiUrlCidrsFrom(p: Parsed, env: NodeJS.ProcessEnv): string[] | undefined {
  try {
    return resolveApiUrlCidrs(str(p, 'api-url-cidrs'), env);
  } catch (e) {
    if (e instanceof SettingsError) throw new UsageError(e.message);
    throw e;
  }
}

/** `faafo api`/`serve`: the URL this API server names in its tasks (--advertise-url, FAAFO_ADVERTISE_URL). */
export function advertiseFrom(p: Parsed, env: NodeJS.ProcessEnv): string | undefined {
  try {
    return resolveAdvertiseUrl(str(p, 'advertise-url'), env);
  } catch (e) {
    if (e instanceof SettingsError) throw new UsageError(e.message);
    throw e;
  }
}

/** Who may write, the budget and the internal listener (issue 15), from flags and environment. */
export function protectionFrom(p: Parsed, env: NodeJS.ProcessEnv): ProtectionSettings {
  try {
    return resolveProtection(
      {
        resultSecret: str(p, 'result-secret'),
        legacyWorkers: str(p, 'legacy-workers'),
        legacyWorkerCidrs: str(p, 'legacy-worker-cidrs'),
        apiKey: str(p, 'api-key'),
        anonymousWrites: str(p, 'anonymous-writes'),
        maxWork: str(p, 'max-work'),
        writesPerMinute: str(p, 'writes-per-minute'),
        maxBacklog: str(p, 'max-backlog'),
        internalPort: str(p, 'internal-port'),
        internalHost: str(p, 'internal-host'),
      },
      env,
    );
  } catch (e) {
    if (e instanceof SettingsError) throw new UsageError(e.message);
    throw e;
  }
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/** Resolves on SIGINT/SIGTERM (or the test's abort signal); a second signal exits at once. */
function waitForShutdown(io: Io): Promise<string> {
  return new Promise((resolve) => {
    // Signal listeners do not keep node running: while a dependency is down (no socket open, reconnect timers
    // unref'd) the process would otherwise simply end. This timer holds it until shutdown.
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const onSignal = (sig: NodeJS.Signals) => {
      clearInterval(keepAlive);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (!io.signal) {
        const force = () => process.exit(130);
        process.once('SIGINT', force);
        process.once('SIGTERM', force);
      }
      resolve(sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    io.signal?.addEventListener('abort', () => onSignal('SIGTERM'), { once: true });
  });
}

interface Backends {
  repo?: FractalRepository;
  queue?: TaskQueue;
  images?: ImageStore;
}

/** Opens the database; a network one not reachable yet is retried for `timeoutS` (one log line per attempt). */
async function openDatabase(s: ServiceSettings, io: Io, command: string, timeoutS: number) {
  const shown = redactUrl(s.databaseUrl);
  const retry = timeoutS > 0 && !/^sqlite:/i.test(s.databaseUrl);
  const open = () => openRepository(s.databaseUrl);
  try {
    return retry
      ? await openWithRetry(open, {
          timeoutS,
          what: `faafo ${command}: database ${shown}`,
          log: (l) => io.stderr(`${l}\n`),
          permanent: (e) => e instanceof DatabaseUrlError,
        })
      : await open();
  } catch (e) {
    const after = retry && !(e instanceof DatabaseUrlError) ? ` (gave up after ${timeoutS} s)` : '';
    throw new CliError(`cannot open the database ${shown}${after}: ${errText(e)}`);
  }
}

async function openBackends(
  s: ServiceSettings,
  io: Io,
  need: { repo: boolean; images: boolean },
  startup: { command: string; timeoutS: number } = { command: 'worker', timeoutS: 0 },
): Promise<Required<Backends>> {
  const opened: Backends = {};
  try {
    if (need.repo) opened.repo = await openDatabase(s, io, startup.command, startup.timeoutS);
    opened.queue = await openQueue(s.queueUrl, { log: (l) => io.stderr(`${l}\n`) }).catch((e: unknown) => {
      throw new CliError(`cannot open the queue ${redactUrl(s.queueUrl)}: ${errText(e)}`);
    });
    if (need.images) {
      opened.images = await openImageStore(s.imageUrl).catch((e: unknown) => {
        throw new CliError(`cannot open the image store ${redactUrl(s.imageUrl)}: ${errText(e)}`);
      });
    }
    return opened as Required<Backends>;
  } catch (e) {
    await closeBackends(opened);
    throw e;
  }
}

async function closeBackends(b: Backends): Promise<void> {
  await b.queue?.close().catch(() => undefined);
  await b.images?.close().catch(() => undefined);
  await b.repo?.close().catch(() => undefined);
}

async function listen(
  app: FastifyInstance,
  s: { port: number; host: string },
  flag = '--port or PORT',
): Promise<number> {
  try {
    await app.listen({ port: s.port, host: s.host });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'EADDRINUSE' ? `port ${s.port} is already in use (choose another with ${flag})` : errText(e);
    throw new CliError(`cannot listen on ${s.host}:${s.port}: ${why}`);
  }
  return (app.server.address() as AddressInfo).port;
}

/** The internal listener (/metrics, /healthz, /readyz), when --internal-port is given; its URL or undefined. */
async function listenInternal(app: FastifyInstance, s: ServiceSettings, g: ProtectionSettings) {
  if (!app.internal || g.internalPort === undefined) return undefined;
  const host = g.internalHost ?? s.host;
  const port = await listen(app.internal, { port: g.internalPort, host }, `--internal-port or ${ENV_NAMES.internalPort}`);
  return localUrl(host, port);
}

/** One line saying who may write (never a secret). */
function accessLine(g: ProtectionSettings): string {
  const a = g.access;
  const results =
    a.resultSecret === undefined
      ? 'results from anyone'
      : `results with the worker secret${a.legacyWorkers ? ` or from legacy workers${a.legacyWorkerCidrs ? ` in ${a.legacyWorkerCidrs.join(',')}` : ''}` : ''}`;
  const writes = a.apiKey === undefined || a.anonymousWrites ? 'anonymous writes' : 'writes with the API key';
  return `${results}, ${writes}`;
}

/** The URL a local client uses for an API listening on host:port. */
function localUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

function startApi(
  b: Required<Backends>,
  verbose: boolean,
  trustProxy: boolean,
  g: ProtectionSettings,
  advertiseUrl: string | undefined,
): FastifyInstance {
  // JSON log lines (pino): warnings and errors by default, every request with --verbose/--debug.
  return buildApi({
    repo: b.repo,
    queue: b.queue,
    images: b.images,
    logger: { level: verbose ? 'info' : 'warn' },
    trustProxy,
    access: g.access,
    budget: g.budget,
    internalListener: g.internalPort !== undefined,
    advertiseUrl,
  }) as FastifyInstance;
}

/**
 * The in-process queue dies with the process: tasks still waiting when `faafo serve` stopped (or crashed) are
 * gone, while their rows wait for an image. On start, queue every unrendered row again.
 */
export async function requeuePending(repo: FractalRepository, queue: TaskQueue, apiUrl?: string): Promise<number> {
  let n = 0;
  const pageSize = 500;
  for (let offset = 0; ; offset += pageSize) {
    const page = await repo.list(offset, pageSize);
    for (const row of page.rows) {
      if (row.checksum === null) {
        await queue.publish(toTask(row, apiUrl));
        n++;
      }
    }
    if (page.rows.length < pageSize) return n;
  }
}

const workerLog = (io: Io, name?: string) => (line: string) => io.stdout(`${name ? `[${name}] ` : ''}${line}\n`);

export async function serveCommand(argv: string[], io: Io): Promise<number> {
  const p = parse(argv, SERVE_OPTIONS, 0, 'serve');
  const s = settingsFrom(p, io.env);
  const g = protectionFrom(p, io.env);
  const advertiseUrl = advertiseFrom(p, io.env);
  // Its own workers carry a result secret made up for this run unless one is given: no one else can upload.
  g.access.resultSecret ??= randomBytes(32).toString('base64url');
  const trustProxy = trustProxyFrom(p, io.env);
  const timeoutS = startupTimeoutFrom(p, io.env);
  const b = await openBackends(s, io, { repo: true, images: true }, { command: 'serve', timeoutS });
  let app: FastifyInstance | undefined;
  let renderer: Renderer | undefined;
  const workers: FractalWorker[] = [];
  try {
    app = startApi(b, Boolean(p.values.verbose || p.values.debug), trustProxy, g, advertiseUrl);
    const port = await listen(app, s);
    const internalUrl = await listenInternal(app, s, g);
    const url = localUrl(s.host, port);
    if (s.queueUrl.startsWith('memory:')) {
      const n = await requeuePending(b.repo, b.queue, advertiseUrl);
      if (n > 0) io.stdout(`faafo serve: queued ${n} fractal(s) left unrendered by an earlier run\n`);
    }
    renderer = new Renderer({ threads: s.threads });
    for (let i = 0; i < s.workers; i++) {
      const w = new FractalWorker({
        queue: b.queue,
        renderer,
        endpointUrl: url,
        generatedBy: s.generatedBy,
        resultSecret: g.access.resultSecret,
        log: workerLog(io, s.workers > 1 ? `worker ${i + 1}` : undefined),
      });
      await w.start();
      workers.push(w);
    }
    io.stdout(
      `faafo serve: ${url}/ (API and gallery) with ${s.workers} worker(s) x ${s.threads} thread(s)\n` +
        `  database ${redactUrl(s.databaseUrl)}, queue ${redactUrl(s.queueUrl)}, images ${redactUrl(s.imageUrl)}\n` +
        `  ${accessLine(g)}${internalUrl ? `; metrics on ${internalUrl}/metrics only` : ''}\n` +
        (advertiseUrl ? `  tasks name ${advertiseUrl} as the API to report to\n` : '') +
        // The next step must reach this server whatever its port: name the endpoint.
        `  try: faafo --endpoint-url ${url} create --tasks 3   (Ctrl-C to stop)\n`,
    );
    const sig = await waitForShutdown(io);
    io.stdout(`faafo serve: ${sig}, finishing the fractals in progress\n`);
  } finally {
    await Promise.all(workers.map((w) => w.stop().catch(() => undefined)));
    await app?.close().catch(() => undefined);
    await renderer?.close().catch(() => undefined);
    await closeBackends(b);
  }
  io.stdout('faafo serve: stopped\n');
  return 0;
}

export async function apiCommand(argv: string[], io: Io): Promise<number> {
  const p = parse(argv, API_OPTIONS, 0, 'api');
  const s = settingsFrom(p, io.env);
  const g = protectionFrom(p, io.env);
  const advertiseUrl = advertiseFrom(p, io.env);
  const trustProxy = trustProxyFrom(p, io.env);
  const timeoutS = startupTimeoutFrom(p, io.env);
  if (s.queueUrl.startsWith('memory:')) {
    io.stderr(
      'faafo api: note: the memory: queue is in-process, so only `faafo serve` workers could take its tasks; use --queue-url amqp://... for separate workers\n',
    );
  }
  const b = await openBackends(s, io, { repo: true, images: true }, { command: 'api', timeoutS });
  let app: FastifyInstance | undefined;
  try {
    app = startApi(b, Boolean(p.values.verbose || p.values.debug), trustProxy, g, advertiseUrl);
    const port = await listen(app, s);
    const internalUrl = await listenInternal(app, s, g);
    io.stdout(
      `faafo api: listening on ${localUrl(s.host, port)}/ (database ${redactUrl(s.databaseUrl)}, queue ${redactUrl(s.queueUrl)}, images ${redactUrl(s.imageUrl)})\n`,
    );
    io.stdout(`faafo api: ${accessLine(g)}${internalUrl ? `; metrics on ${internalUrl}/metrics only` : ''}\n`);
    if (advertiseUrl) io.stdout(`faafo api: tasks name ${advertiseUrl} as the API for workers to report to\n`);
    const sig = await waitForShutdown(io);
    io.stdout(`faafo api: ${sig}, shutting down\n`);
  } finally {
    await app?.close().catch(() => undefined);
    await closeBackends(b);
  }
  return 0;
}

export async function workerCommand(argv: string[], io: Io): Promise<number> {
  const p = parse(argv, WORKER_OPTIONS, 0, 'worker');
  const s = settingsFrom(p, io.env);
  const { resultSecret } = protectionFrom(p, io.env).access;
  const apiUrlCidrs = apiUrlCidrsFrom(p, io.env);
  if (schemeOf('queue', s.queueUrl) === 'memory') {
    throw new UsageError(
      `faafo worker needs a shared queue: --queue-url amqp://USER:PASS@HOST:5672/VHOST or ${ENV_NAMES.queueUrl} (memory: only works inside faafo serve)`,
    );
  }
  const b = await openBackends(s, io, { repo: false, images: false });
  const renderer = new Renderer({ threads: s.threads });
  const worker = new FractalWorker({
    queue: b.queue,
    renderer,
    endpointUrl: s.endpointUrl,
    generatedBy: s.generatedBy,
    resultSecret,
    apiUrlCidrs,
    log: workerLog(io),
  });
  try {
    await worker.start();
    io.stdout(
      `faafo worker ${s.generatedBy} (pid ${process.pid}): queue ${redactUrl(s.queueUrl)}, results to ${s.endpointUrl ? `the API each task names, else ${s.endpointUrl}` : 'the API each task names (no --endpoint-url)'}${apiUrlCidrs ? ` (api_url only inside ${apiUrlCidrs.join(',')})` : ''}, ${s.threads} thread(s) on ${os.availableParallelism()} core(s)\n`,
    );
    const sig = await waitForShutdown(io);
    io.stdout(`faafo worker: ${sig}, finishing the current task\n`);
  } finally {
    await worker.stop().catch(() => undefined);
    await renderer.close().catch(() => undefined);
    await closeBackends(b);
  }
  io.stdout('faafo worker: stopped\n');
  return 0;
}
