// buildApi: the fractal service's HTTP tier as a Fastify instance (not listening; the caller listens and owns
// repo/queue/images, which closing the instance does not close). Each route group is a plugin.
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { FractalRepository, ImageStore, TaskQueue } from '../types.js';
import { accessCheck, RESULT_SECRET_HEADER, secretEquals, type AccessPolicy } from './access.js';
import { BacklogGate, type Budget } from './budget.js';
import { KeyedMutex, type ApiContext, type ApiLimits } from './context.js';
import { answerClientError, HttpError, installErrorHandlers } from './errors.js';
import { renderErrorPage } from './gallery-html.js';
import { createMetrics } from './metrics.js';
import { startRepublisher, type Republisher } from './publish.js';
import { fractalRoutes } from './routes/fractals.js';
import { galleryRoutes } from './routes/gallery.js';
import { healthRoutes } from './routes/health.js';
import { imageRoutes } from './routes/image.js';
import { uploadRoutes } from './routes/upload.js';
import { errorSchema, fractalSchema } from './schemas.js';

export interface BuildApiOptions {
  repo: FractalRepository;
  queue: TaskQueue;
  images: ImageStore;
  /** A pino logger or Fastify logger options; default: no logging. */
  logger?: FastifyServerOptions['logger'] | FastifyBaseLogger;
  limits?: Partial<ApiLimits>;
  /** Re-publisher of tasks never confirmed: how often it looks and how old a row must be (default 30 s / 60 s). */
  republish?: { everyMs?: number; afterMs?: number; enabled?: boolean };
  /** Trust X-Forwarded-* from a load balancer (for Location/Link URLs). Default false. */
  trustProxy?: boolean;
  /** Include Node's default process metrics in /metrics (default true). */
  processMetrics?: boolean;
  /** Who may write (issue 15); default: open, as before. */
  access?: AccessPolicy;
  /** Work, rate and backlog limits (issue 15); default: none. */
  budget?: Budget;
  /** Serve /metrics only on `app.internal` (a second instance the caller listens on a private port), not here. */
  internalListener?: boolean;
  /** The base URL where workers reach this API server: every task it publishes carries it as `api_url`. */
  advertiseUrl?: string;
}

export const DEFAULT_LIMITS: ApiLimits = {
  createBodyLimit: 16 * 1024,
  legacyBodyLimit: 256 * 1024 * 1024,
  uploadLimit: 2 * 1024 * 1024 * 1024,
};

declare module 'fastify' {
  interface FastifyInstance {
    /** Re-publishes tasks of rows whose publish was never confirmed (also runs on a timer). */
    republisher?: Republisher;
    /** With `internalListener`: the instance serving /metrics, /healthz and /readyz for the stack's own servers. */
    internal?: FastifyInstance;
  }
}

export function buildApi(opts: BuildApiOptions): FastifyInstance {
  // Credentials never reach a log line, whatever the level.
  const redact = ['req.headers.authorization', `req.headers["${RESULT_SECRET_HEADER}"]`];
  const isLogger = (l: unknown): l is FastifyBaseLogger =>
    typeof l === 'object' && l !== null && typeof (l as FastifyBaseLogger).child === 'function';
  const app = Fastify({
    ...(isLogger(opts.logger)
      ? { loggerInstance: opts.logger }
      : {
          logger: opts.logger && typeof opts.logger === 'object' ? { redact, ...opts.logger } : (opts.logger ?? false),
        }),
    bodyLimit: DEFAULT_LIMITS.createBodyLimit,
    trustProxy: opts.trustProxy ?? false,
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
    return503OnClosing: true,
    // Unknown fields are errors (not silently dropped), and JSON types are never coerced ("16" is not 16).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
    // Malformed URLs and similar framework-level failures are 400s in the same words (a page on the gallery's URLs).
    frameworkErrors: (err, req, reply) => {
      const message =
        err.code === 'FST_ERR_BAD_URL'
          ? 'The URL has a broken percent-escape: %XX sequences must encode UTF-8 characters'
          : `The request is not valid: ${err.message}`;
      const r = reply as unknown as { code(n: number): { type(t: string): { send(b: unknown): void } } };
      if (/^\/index(\/|$)/.test(req.url))
        r.code(400).type('text/html; charset=utf-8').send(renderErrorPage(400, message));
      else r.code(400).type('application/json; charset=utf-8').send({ message });
    },
    // Requests Node's HTTP parser refuses before any route sees them (URL or headers over 16 KB, raw non-ASCII
    // bytes in the URL): the same `{"message"}` shape as every other error.
    clientErrorHandler: answerClientError,
  });

  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const metrics = createMetrics({ repo: opts.repo, queue: opts.queue }, opts.processMetrics ?? true);
  const ctx: ApiContext = {
    repo: opts.repo,
    queue: opts.queue,
    images: opts.images,
    metrics,
    limits,
    locks: new KeyedMutex(),
    access: accessCheck(opts.access),
    budget: opts.budget ?? {},
    ...(opts.advertiseUrl === undefined ? {} : { advertiseUrl: opts.advertiseUrl }),
  };
  if (ctx.budget.maxBacklog !== undefined) {
    ctx.backlog = new BacklogGate(opts.repo, ctx.budget.maxBacklog, ctx.budget.retryAfterS);
  }

  app.addSchema(fractalSchema);
  app.addSchema(errorSchema);
  installErrorHandlers(app);

  // Only JSON bodies (and, on the upload route, PNG): text/plain is not a way to send a fractal.
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    // An empty body on a request without one (DELETE with a JSON content type) is no body, not bad JSON.
    if (body === '' && (req.method === 'DELETE' || req.method === 'GET')) return done(null, undefined);
    parseJson(req, body as string, done);
  });

  // Once per request: a plain callback hook (no promise), and one label object per route/method/status.
  const labelSets = new Map<string, { route: string; method: string; status: string }>();
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const key = `${route} ${req.method} ${reply.statusCode}`;
    let labels = labelSets.get(key);
    if (labels === undefined) {
      labels = { route, method: req.method, status: String(reply.statusCode) };
      labelSets.set(key, labels);
    }
    metrics.requests.inc(labels);
    metrics.latency.observe(labels, reply.elapsedTime / 1000);
    done();
  });

  // Per-client write rate: only routes that opt in (config.rateLimit in routes/fractals.ts); uploads carrying the
  // workers' secret never count. One store per API process (N processes behind a balancer allow up to N times).
  const perMinute = ctx.budget.writesPerMinute;
  const secret = opts.access?.resultSecret;
  void app.register(rateLimit, {
    global: false,
    max: perMinute ?? 1_000_000,
    timeWindow: 60_000,
    // Behind a load balancer (trustProxy), the client is the address the balancer appended last: the leftmost
    // X-Forwarded-For entry is whatever the client wrote, and would let it pick a fresh key per request.
    keyGenerator: (req) => (opts.trustProxy ? (req.ips?.[1] ?? req.ip) : req.ip),
    allowList: (req) => {
      if (perMinute === undefined) return true;
      const given = req.headers[RESULT_SECRET_HEADER];
      return secret !== undefined && typeof given === 'string' && secretEquals(given, secret);
    },
    errorResponseBuilder: (_req, c) =>
      new HttpError(
        429,
        `Too many writes from this client: at most ${c.max} per minute; try again in ${Math.ceil(c.ttl / 1000)} s`,
      ),
  });
  void app.register(fractalRoutes(ctx));
  void app.register(uploadRoutes(ctx));
  void app.register(imageRoutes(ctx));
  void app.register(galleryRoutes(ctx));
  if (opts.internalListener) {
    void app.register(healthRoutes(ctx, { metrics: false }));
    app.internal = buildInternalApi(ctx);
    app.addHook('onClose', async () => app.internal?.close());
  } else void app.register(healthRoutes(ctx));

  if (opts.republish?.enabled !== false) {
    app.addHook('onReady', async () => {
      app.republisher = startRepublisher(ctx, app.log, {
        everyMs: opts.republish?.everyMs ?? 30_000,
        afterMs: opts.republish?.afterMs ?? 60_000,
      });
    });
    app.addHook('onClose', async () => app.republisher?.stop());
  }
  return app;
}

/** The internal listener's instance: metrics and health only, the same context (and metrics) as the public one. */
function buildInternalApi(ctx: ApiContext): FastifyInstance {
  const app = Fastify({ logger: false, return503OnClosing: true });
  installErrorHandlers(app);
  void app.register(healthRoutes(ctx));
  return app as unknown as FastifyInstance;
}
