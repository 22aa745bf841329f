// Service settings shared by `faafo serve`, `faafo api` and `faafo worker`: one resolver, flags over environment
// over the embedded defaults (contract C5). The embedded default needs nothing installed: SQLite file, in-process
// queue and an image folder, all under .faafo/ of the current directory.
import os from 'node:os';
import { DatabaseUrlError } from './db/errors.js';
import { parseDatabaseUrl } from './db/url.js';
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

/** Environment variable for each setting (flags win over these). */
export const ENV = {
  port: 'PORT',
  databaseUrl: 'FAAFO_DATABASE_URL',
  queueUrl: 'FAAFO_QUEUE_URL',
  imageUrl: 'FAAFO_IMAGE_URL',
  endpointUrl: 'FAAFO_ENDPOINT_URL',
  generatedBy: 'FAAFO_GENERATED_BY',
  threads: 'FAAFO_THREADS',
  workers: 'FAAFO_WORKERS',
  host: 'FAAFO_HOST',
} as const satisfies Partial<Record<keyof ServiceSettings, string>>;

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

function urlSetting(name: string, raw: string, schemes: RegExp, example: string): string {
  const s = raw.trim();
  if (!schemes.test(s)) throw new SettingsError(`${name} "${redactUrl(s)}" is not supported; use ${example}`);
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

/** Hides a URL's password for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z0-9+.-]+:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
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
  const endpointUrl = urlSetting(
    'endpoint-url',
    String(pick('endpointUrl') ?? DEFAULTS.endpointUrl),
    /^https?:\/\/[^/\s]+/i,
    'http://HOST:PORT',
  ).replace(/\/+$/, '');
  return {
    port: port === undefined ? DEFAULTS.port : intSetting('port', port, 0, 65535),
    host: String(pick('host') ?? DEFAULTS.host),
    databaseUrl: databaseUrlSetting(String(pick('databaseUrl') ?? DEFAULTS.databaseUrl)),
    queueUrl: urlSetting(
      'queue-url',
      String(pick('queueUrl') ?? DEFAULTS.queueUrl),
      /^(memory:|sqlite:|amqps?:\/\/)/i,
      'memory:, sqlite:PATH or amqp://USER:PASS@HOST:5672/VHOST',
    ),
    imageUrl: urlSetting(
      'image-url',
      String(pick('imageUrl') ?? DEFAULTS.imageUrl),
      /^(file:|swift:)/i,
      'file:PATH or swift:...',
    ),
    endpointUrl,
    threads: threads === undefined ? defaultThreads() : intSetting('threads', threads, 1, 1024),
    workers: workers === undefined ? DEFAULTS.workers : intSetting('workers', workers, 0, 64),
    generatedBy,
  };
}
