// The fractal service's settings contract: every environment variable `faafo serve|api|worker` (and the queue
// scaler) reads, whether its value is a secret, the URL schemes each kind of URL accepts, and THE redaction of
// passwords in URLs. Whoever writes these variables (the generated templates, `faafo-stack local`, the bundle's
// README) takes the names from here, so the two sides cannot drift apart.
// Deliberately light: no imports at all, so src/, monitoring/ (bundled into scaler.mjs) and app/ can all use it.

/** One setting: its environment variable, and whether its value must never be shown. */
export interface SettingDecl {
  readonly env: string;
  readonly secret: boolean;
  /** The kind of URL it holds (URL_SCHEMES), when it is one. */
  readonly url?: UrlKind;
  /** Who reads it: the service (`faafo`), the queue scaler (scaler.mjs) or only the tooling around them. */
  readonly reader: 'service' | 'scaler' | 'internal';
}

const svc = (env: string, extra: Partial<Omit<SettingDecl, 'env'>> = {}): SettingDecl => ({
  env,
  secret: false,
  reader: 'service',
  ...extra,
});

/** Every setting, by the name the code uses for it. */
export const SETTINGS = {
  // where the service listens and what it uses (resolveSettings)
  port: svc('PORT'),
  host: svc('FAAFO_HOST'),
  databaseUrl: svc('FAAFO_DATABASE_URL', { url: 'database', secret: true }),
  queueUrl: svc('FAAFO_QUEUE_URL', { url: 'queue', secret: true }),
  imageUrl: svc('FAAFO_IMAGE_URL', { url: 'image' }),
  endpointUrl: svc('FAAFO_ENDPOINT_URL', { url: 'api' }),
  generatedBy: svc('FAAFO_GENERATED_BY'),
  threads: svc('FAAFO_THREADS'),
  workers: svc('FAAFO_WORKERS'),
  // `faafo api`/`serve` start-up (app/cli/startup.ts, resolveAdvertiseUrl)
  advertiseUrl: svc('FAAFO_ADVERTISE_URL', { url: 'api' }),
  trustProxy: svc('FAAFO_TRUST_PROXY'),
  startupTimeout: svc('FAAFO_STARTUP_TIMEOUT'),
  // `faafo worker` (resolveApiUrlCidrs)
  apiUrlCidrs: svc('FAAFO_API_URL_CIDRS'),
  // who may write, the work budget and the internal listener (resolveProtection, issue 15)
  resultSecret: svc('FAAFO_RESULT_SECRET', { secret: true }),
  legacyWorkers: svc('FAAFO_LEGACY_WORKERS'),
  legacyWorkerCidrs: svc('FAAFO_LEGACY_WORKER_CIDRS'),
  apiKey: svc('FAAFO_API_KEY', { secret: true }),
  anonymousWrites: svc('FAAFO_ANONYMOUS_WRITES'),
  maxWork: svc('FAAFO_MAX_WORK'),
  writesPerMinute: svc('FAAFO_WRITES_PER_MINUTE'),
  maxBacklog: svc('FAAFO_MAX_BACKLOG'),
  internalPort: svc('FAAFO_INTERNAL_PORT'),
  internalHost: svc('FAAFO_INTERNAL_HOST'),
  // the swift: image store's application credential secret (app/images/swift.ts; OpenStack's own name)
  imageStoreSecret: svc('OS_APPLICATION_CREDENTIAL_SECRET', { secret: true }),
  // set by the bundle and tests, not by users
  renderThread: svc('FAAFO_RENDER_THREAD', { reader: 'internal' }),
  renderKernel: svc('FAAFO_RENDER_KERNEL', { reader: 'internal' }),
  bundleVersion: svc('FAAFO_BUNDLE_VERSION', { reader: 'internal' }),
  localFromSource: svc('FAAFO_LOCAL_FROM_SOURCE', { reader: 'internal' }),
  // the queue scaler (monitoring/scaler-main.ts, scaler.mjs of the bundle)
  scalerApiUrl: svc('FAAFO_API_URL', { reader: 'scaler', url: 'api' }),
  scalerStack: svc('FAAFO_STACK', { reader: 'scaler' }),
  scalerMetricsUrl: svc('FAAFO_METRICS_URL', { reader: 'scaler' }),
  scalerMetricsFromStack: svc('FAAFO_METRICS_FROM_STACK', { reader: 'scaler' }),
  scalerWorkerGroup: svc('FAAFO_WORKER_GROUP', { reader: 'scaler' }),
  scalerWorkerScaleUp: svc('FAAFO_WORKER_SCALE_UP', { reader: 'scaler' }),
  scalerWorkerScaleDown: svc('FAAFO_WORKER_SCALE_DOWN', { reader: 'scaler' }),
  scalerLimitsFromStack: svc('FAAFO_LIMITS_FROM_STACK', { reader: 'scaler' }),
  scalerLimitsRefresh: svc('FAAFO_LIMITS_REFRESH', { reader: 'scaler' }),
  scalerMinWorkers: svc('FAAFO_MIN_WORKERS', { reader: 'scaler' }),
  scalerMaxWorkers: svc('FAAFO_MAX_WORKERS', { reader: 'scaler' }),
  scalerScaleUpBacklog: svc('FAAFO_SCALE_UP_BACKLOG', { reader: 'scaler' }),
  scalerScaleDownBacklog: svc('FAAFO_SCALE_DOWN_BACKLOG', { reader: 'scaler' }),
  scalerGranularity: svc('FAAFO_GRANULARITY', { reader: 'scaler' }),
  scalerEvaluationPeriods: svc('FAAFO_EVALUATION_PERIODS', { reader: 'scaler' }),
  scalerScaleDownEvaluationPeriods: svc('FAAFO_SCALE_DOWN_EVALUATION_PERIODS', { reader: 'scaler' }),
  scalerCooldown: svc('FAAFO_COOLDOWN', { reader: 'scaler' }),
  scalerSampleInterval: svc('FAAFO_SAMPLE_INTERVAL', { reader: 'scaler' }),
} as const satisfies Record<string, SettingDecl>;

export type SettingName = keyof typeof SETTINGS;

/** The environment variable of each setting: `ENV_NAMES.databaseUrl` is 'FAAFO_DATABASE_URL'. */
export const ENV_NAMES = Object.fromEntries(Object.entries(SETTINGS).map(([k, d]) => [k, d.env])) as {
  readonly [K in SettingName]: (typeof SETTINGS)[K]['env'];
};

/** Every declared environment variable. */
export const DECLARED_ENV: ReadonlySet<string> = new Set(Object.values(SETTINGS).map((d) => d.env));

/** Whether an environment variable's value is a secret (never to be printed). */
export function isSecretEnv(name: string): boolean {
  return Object.values(SETTINGS).some((d) => d.env === name && d.secret);
}

// ---- URLs -------------------------------------------------------------------------------------------------

export type UrlKind = 'database' | 'queue' | 'image' | 'api';

/**
 * The schemes each kind of URL accepts, lower case, mapped to the backend that opens it. Schemes are matched
 * case-insensitively (RFC 3986). A database scheme may carry a SQLAlchemy driver suffix (`postgresql+psycopg2:`).
 */
export const URL_SCHEMES = {
  database: { sqlite: 'sqlite', postgresql: 'postgres', postgres: 'postgres', mysql: 'mysql', mariadb: 'mysql' },
  queue: { memory: 'memory', sqlite: 'sqlite', amqp: 'amqp', amqps: 'amqp' },
  image: { file: 'file', swift: 'swift' },
  api: { http: 'http', https: 'http' },
} as const;

/** Schemes that must be followed by `//` (a host): `amqp://HOST`, `http://HOST`. */
const NEEDS_AUTHORITY = new Set(['amqp', 'amqps', 'http', 'https']);

export type UrlBackend<K extends UrlKind> = (typeof URL_SCHEMES)[K][keyof (typeof URL_SCHEMES)[K]];

/**
 * THE scheme check: the backend a URL of this kind names (`schemeOf('queue', 'AMQP://h/')` is 'amqp'), or
 * undefined when its scheme is not accepted for that kind. Looks at the scheme only (leading spaces ignored);
 * the opener checks the rest.
 */
export function schemeOf<K extends UrlKind>(kind: K, url: string): UrlBackend<K> | undefined {
  const m = /^\s*([a-z][a-z0-9.-]*)(\+[a-z0-9_]+)?:(\/\/)?/i.exec(url);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  if (m[2] !== undefined && kind !== 'database') return undefined;
  if (NEEDS_AUTHORITY.has(scheme) && m[3] === undefined) return undefined;
  const table = URL_SCHEMES[kind] as unknown as Record<string, UrlBackend<K>>;
  return Object.hasOwn(table, scheme) ? table[scheme] : undefined;
}

/** The URL (trimmed) with its scheme in lower case, so openers can compare with `startsWith('sqlite:')`. */
export function lowerScheme(url: string): string {
  return url.trim().replace(/^[a-z][a-z0-9+.-]*:/i, (s) => s.toLowerCase());
}

/** What each kind accepts, for messages: "use ..." */
export const URL_EXAMPLES: Record<UrlKind, string> = {
  database: 'sqlite:PATH, postgresql://USER:PASS@HOST:5432/DB or mysql://USER:PASS@HOST:3306/DB',
  queue: 'memory:, sqlite:PATH or amqp://USER:PASS@HOST:5672/VHOST',
  image: 'file:PATH or swift:...',
  api: 'http://HOST[:PORT][/PATH]',
};

/**
 * THE redaction: a URL with the password of its user info replaced by ***, for messages, logs and state files.
 * `amqp://faafo:s3cret@10.0.0.5:5672/` -> `amqp://faafo:***@10.0.0.5:5672/`. Any scheme (SQLAlchemy's
 * `mysql+mysql_connector://` too) or none (`//user:pass@host`); leading spaces kept. User info runs to the last
 * `@` before the first `/`, `?` or `#`, as the WHATWG URL parser reads it, so a password holding `@` is hidden whole.
 */
export function redactUrl(url: string): string {
  return url.replace(/^(\s*(?:[a-z][a-z0-9+._-]*:)?\/\/[^:/?#]*):[^/?#]*@/i, '$1:***@');
}
