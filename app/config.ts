// Service settings shared by `faafo serve`, `faafo api` and `faafo worker`: one resolver, flags over environment
// over the embedded defaults (contract C5). The embedded default needs nothing installed: SQLite file, in-process
// queue and an image folder, all under .faafo/ of the current directory.
import net from 'node:net';
import os from 'node:os';
import { DatabaseUrlError } from './db/errors.js';
import { parseDatabaseUrl } from './db/url.js';
import { ENV_NAMES, redactUrl, schemeOf, URL_EXAMPLES, type UrlKind } from './settings-contract.js';
import type { ServiceSettings } from './types.js';

export const DEFAULTS = {
  databaseUrl: 'sqlite:.faafo/faafo.sqlite',
  queueUrl: 'memory:',
  imageUrl: 'file:.faafo/images',
  port: 8800,
  host: '0.0.0.0',
  endpointUrl: 'http://127.0.0.1:8800',
  workers: 1,
} as const;

/** THE redaction of passwords in URLs (app/settings-contract.ts), here for the modules that import it from config. */
export { redactUrl };

/** Environment variable for each setting (flags win over these); the names are the settings contract's. */
export const ENV = {
  port: ENV_NAMES.port,
  databaseUrl: ENV_NAMES.databaseUrl,
  queueUrl: ENV_NAMES.queueUrl,
  imageUrl: ENV_NAMES.imageUrl,
  endpointUrl: ENV_NAMES.endpointUrl,
  generatedBy: ENV_NAMES.generatedBy,
  threads: ENV_NAMES.threads,
  workers: ENV_NAMES.workers,
  host: ENV_NAMES.host,
} as const satisfies Partial<Record<keyof ServiceSettings, string>>;

/** `faafo api`/`serve` only: the URL workers reach this API server at (resolveAdvertiseUrl). */
export const ADVERTISE_ENV = ENV_NAMES.advertiseUrl;

/** A bad setting: the CLI prints the message as one line and exits 2. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

export type SettingsInput = Partial<Record<keyof ServiceSettings, string | number | undefined>>;

function intSetting(name: string, raw: string | number, min: number, max: number): number {
  const s = String(raw).trim();
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new SettingsError(`${name} must be an integer from ${min} to ${max}, got "${s}"`);
  }
  return n;
}

/** A URL setting whose scheme the contract accepts for its kind (schemeOf); `more` checks the rest. */
function urlSetting(name: string, raw: string, kind: UrlKind, example = URL_EXAMPLES[kind], more = /(?:)/): string {
  const s = raw.trim();
  if (schemeOf(kind, s) === undefined || !more.test(s)) {
    throw new SettingsError(`${name} "${redactUrl(s)}" is not supported; use ${example}`);
  }
  return s;
}

/** The database URL is checked by the parser that opens it (app/db/url.ts): one definition of the accepted
 *  spellings, SQLAlchemy's `mysql+pymysql://` and `postgresql+psycopg2://` included. */
function databaseUrlSetting(raw: string): string {
  const s = raw.trim();
  try {
    parseDatabaseUrl(s);
  } catch (err) {
    if (err instanceof DatabaseUrlError) throw new SettingsError(`database-url: ${err.message}`);
    throw err;
  }
  return s;
}

/**
 * `--advertise-url` / FAAFO_ADVERTISE_URL of `faafo api` and `faafo serve`: the base URL where workers reach this
 * API server (http://10.0.0.7/ style), sent as `api_url` in every task it publishes; undefined when not given.
 * One http(s) URL with a host and no credentials, query or fragment; returned without trailing slashes.
 */
export function resolveAdvertiseUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = flag !== undefined && flag !== '' ? flag : env[ADVERTISE_ENV];
  if (raw === undefined || raw.trim() === '') return undefined;
  const url = checkApiUrl(raw);
  if (typeof url !== 'string') {
    throw new SettingsError(`advertise-url "${redactUrl(raw.trim())}" ${url.problem}; use http://HOST[:PORT][/PATH]`);
  }
  return url;
}

/**
 * Checks one API base URL (an advertise URL, or a task's api_url on the worker): http or https, a host, no
 * user:password, query or fragment, no whitespace or comma. Returns it without trailing slashes, or the problem.
 */
export function checkApiUrl(raw: string): string | { problem: string } {
  const s = raw.trim();
  if (s.length > 2048) return { problem: 'is longer than 2048 characters' };
  if (/[\s,]/.test(s)) return { problem: 'contains whitespace or a comma' };
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return { problem: 'is not a URL' };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { problem: 'is not an http:// or https:// URL' };
  if (!u.hostname) return { problem: 'has no host' };
  if (u.username || u.password) return { problem: 'must not carry a user or password' };
  if (u.search || u.hash || /[?#]/.test(s)) return { problem: 'must not have a query or fragment' };
  return `${u.origin}${u.pathname}`.replace(/\/+$/, '');
}

/** `faafo worker` only: the networks a task's api_url may point into (resolveApiUrlCidrs). */
export const API_URL_CIDRS_ENV = ENV_NAMES.apiUrlCidrs;

/**
 * `--api-url-cidrs` / FAAFO_API_URL_CIDRS of `faafo worker`: comma-separated IPv4/IPv6 CIDRs (a bare address means
 * that one address). When given, a task's api_url is used only when its host is an IP address inside one of them
 * (the worker sends its result secret there). Undefined when not given (any http(s) api_url is used). Throws a
 * one-line SettingsError naming the first bad entry.
 */
export function resolveApiUrlCidrs(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const raw = flag !== undefined && flag !== '' ? flag : env[API_URL_CIDRS_ENV];
  if (raw === undefined || raw.trim() === '') return undefined;
  const list = raw
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  if (list.length === 0) throw new SettingsError(`api-url-cidrs "${raw.trim()}" names no network; use e.g. 10.0.0.0/24`);
  apiUrlAllowList(list);
  return list;
}

/** The BlockList (used as an allow-list) of CIDRs such as 10.0.0.0/24 or fd00::/8; a bad one is a SettingsError. */
export function apiUrlAllowList(cidrs: string[]): net.BlockList {
  const list = new net.BlockList();
  for (const c of cidrs) {
    const m = /^([0-9a-f:.]+)(?:\/(\d{1,3}))?$/i.exec(c);
    const family = m ? net.isIP(m[1]!) : 0;
    const prefix = m?.[2] === undefined ? (family === 6 ? 128 : 32) : Number(m[2]);
    if (!m || family === 0 || prefix > (family === 6 ? 128 : 32)) {
      throw new SettingsError(`api-url-cidrs: "${c.slice(0, 100)}" is not a CIDR such as 10.0.0.0/24 or fd00::/8`);
    }
    list.addSubnet(m[1]!, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

/**
 * Whether an api_url (already checked by checkApiUrl) may be used under the allow-list: its host must be an IP
 * literal inside it. Host names are not resolved (DNS would be another way to point the worker elsewhere).
 * Returns the problem, or undefined when allowed.
 */
export function apiUrlOutside(url: string, allow: net.BlockList, shown: string): string | undefined {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  const family = net.isIP(host);
  if (family === 0) return `has a host name, not an address in ${shown} (names are not resolved)`;
  if (!allow.check(host, family === 6 ? 'ipv6' : 'ipv4')) return `is outside ${shown}`;
  return undefined;
}

export const defaultThreads = (): number => os.availableParallelism();

/**
 * Resolves the settings: `flags` (undefined = not given) over `env` over DEFAULTS. Throws SettingsError with
 * one line naming the setting and what is accepted.
 */
export function resolveSettings(flags: SettingsInput = {}, env: NodeJS.ProcessEnv = process.env): ServiceSettings {
  const pick = (key: keyof typeof ENV): string | number | undefined => {
    const f = flags[key];
    if (f !== undefined && f !== '') return f;
    const e = env[ENV[key]];
    return e !== undefined && e !== '' ? e : undefined;
  };
  const port = pick('port');
  const threads = pick('threads');
  const workers = pick('workers');
  const generatedBy = String(pick('generatedBy') ?? os.hostname()).trim();
  if (!/^[\x21-\x7e][\x20-\x7e]{0,255}$/.test(generatedBy)) {
    throw new SettingsError('generated-by must be 1 to 256 printable ASCII characters');
  }
  // One URL, or (for `faafo worker`) several separated by commas: the worker tries them in turn (issue 10: with no
  // load balancer it is given every API server, so removing one of them on scale-in does not strand it). Given but
  // empty (FAAFO_ENDPOINT_URL= in a stack without load balancer) means none: the worker reports to the API server
  // each task names (its api_url, from that server's --advertise-url); only an unset one takes the default.
  const givenEndpoint = flags.endpointUrl ?? env[ENV.endpointUrl];
  const endpointUrl = String(givenEndpoint ?? DEFAULTS.endpointUrl)
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '')
    .map((u) =>
      urlSetting('endpoint-url', u, 'api', 'http://HOST:PORT[,http://HOST2:PORT...]', /^[^:]+:\/\/[^/\s,]+/).replace(/\/+$/, ''),
    )
    .join(',');
  return {
    port: port === undefined ? DEFAULTS.port : intSetting('port', port, 0, 65535),
    host: String(pick('host') ?? DEFAULTS.host),
    databaseUrl: databaseUrlSetting(String(pick('databaseUrl') ?? DEFAULTS.databaseUrl)),
    queueUrl: urlSetting('queue-url', String(pick('queueUrl') ?? DEFAULTS.queueUrl), 'queue'),
    imageUrl: urlSetting('image-url', String(pick('imageUrl') ?? DEFAULTS.imageUrl), 'image'),
    endpointUrl,
    threads: threads === undefined ? defaultThreads() : intSetting('threads', threads, 1, 1024),
    workers: workers === undefined ? DEFAULTS.workers : intSetting('workers', workers, 0, 64),
    generatedBy,
  };
}

/** Who may write, the work budget and the internal listener (issue 15): every one off unless given. */
export const PROTECTION_ENV = {
  resultSecret: ENV_NAMES.resultSecret,
  legacyWorkers: ENV_NAMES.legacyWorkers,
  legacyWorkerCidrs: ENV_NAMES.legacyWorkerCidrs,
  apiKey: ENV_NAMES.apiKey,
  anonymousWrites: ENV_NAMES.anonymousWrites,
  maxWork: ENV_NAMES.maxWork,
  writesPerMinute: ENV_NAMES.writesPerMinute,
  maxBacklog: ENV_NAMES.maxBacklog,
  internalPort: ENV_NAMES.internalPort,
  internalHost: ENV_NAMES.internalHost,
} as const;

export type ProtectionInput = Partial<Record<keyof typeof PROTECTION_ENV, string | undefined>>;

export interface ProtectionSettings {
  access: {
    resultSecret?: string;
    legacyWorkers?: boolean;
    legacyWorkerCidrs?: string[];
    apiKey?: string;
    anonymousWrites?: boolean;
  };
  budget: { maxWork?: number; writesPerMinute?: number; maxBacklog?: number };
  internalPort?: number;
  internalHost?: string;
}

function allowDeny(name: string, raw: string | undefined): boolean | undefined {
  if (raw === undefined) return undefined;
  const s = raw.trim().toLowerCase();
  if (s === 'allow') return true;
  if (s === 'deny') return false;
  throw new SettingsError(`${name} must be allow or deny, got "${raw.trim()}"`);
}

function secretSetting(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  // Never echo the value: it is a secret.
  if (!/^[\x21-\x7e]{16,512}$/.test(raw)) {
    throw new SettingsError(`${name} must be 16 to 512 printable characters without spaces`);
  }
  return raw;
}

function cidrsSetting(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const list = raw
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  for (const c of list) {
    const m = /^([0-9a-f:.]+)(?:\/(\d{1,3}))?$/i.exec(c);
    const ok = m && (net.isIPv4(m[1]!) ? Number(m[2] ?? 32) <= 32 : net.isIPv6(m[1]!) && Number(m[2] ?? 128) <= 128);
    if (!ok) throw new SettingsError(`legacy-worker-cidrs: "${c}" is not an address or CIDR such as 10.0.0.0/24`);
  }
  return list;
}

/** Flags over environment; throws SettingsError naming the setting (never showing a secret). */
export function resolveProtection(
  flags: ProtectionInput = {},
  env: NodeJS.ProcessEnv = process.env,
): ProtectionSettings {
  const pick = (k: keyof typeof PROTECTION_ENV): string | undefined => {
    const f = flags[k];
    if (f !== undefined && f !== '') return f;
    const e = env[PROTECTION_ENV[k]];
    return e !== undefined && e !== '' ? e : undefined;
  };
  const int = (k: keyof typeof PROTECTION_ENV, name: string, min: number, max: number) => {
    const v = pick(k);
    return v === undefined ? undefined : intSetting(name, v, min, max);
  };
  const access: ProtectionSettings['access'] = {
    resultSecret: secretSetting(`result-secret (${PROTECTION_ENV.resultSecret})`, pick('resultSecret')),
    legacyWorkers: allowDeny(`legacy-workers (${PROTECTION_ENV.legacyWorkers})`, pick('legacyWorkers')),
    legacyWorkerCidrs: cidrsSetting(pick('legacyWorkerCidrs')),
    apiKey: secretSetting(`api-key (${PROTECTION_ENV.apiKey})`, pick('apiKey')),
    anonymousWrites: allowDeny(`anonymous-writes (${PROTECTION_ENV.anonymousWrites})`, pick('anonymousWrites')),
  };
  if (access.legacyWorkers === false && access.resultSecret === undefined) {
    throw new SettingsError(
      `legacy-workers deny needs a result secret (${PROTECTION_ENV.resultSecret}), or no worker could upload`,
    );
  }
  if (access.anonymousWrites === false && access.apiKey === undefined) {
    throw new SettingsError(`anonymous-writes deny needs an API key (${PROTECTION_ENV.apiKey}), or no client could write`);
  }
  for (const k of Object.keys(access) as (keyof typeof access)[]) if (access[k] === undefined) delete access[k];
  const budget: ProtectionSettings['budget'] = {
    maxWork: int('maxWork', `max-work (${PROTECTION_ENV.maxWork})`, 1, Number.MAX_SAFE_INTEGER),
    writesPerMinute: int('writesPerMinute', `writes-per-minute (${PROTECTION_ENV.writesPerMinute})`, 1, 1_000_000),
    maxBacklog: int('maxBacklog', `max-backlog (${PROTECTION_ENV.maxBacklog})`, 1, 100_000_000),
  };
  for (const k of Object.keys(budget) as (keyof typeof budget)[]) if (budget[k] === undefined) delete budget[k];
  return {
    access,
    budget,
    internalPort: int('internalPort', `internal-port (${PROTECTION_ENV.internalPort})`, 0, 65535),
    internalHost: pick('internalHost'),
  };
}
