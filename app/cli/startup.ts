// Start-up settings of `faafo api` / `faafo serve` that the worker does not share: trusting a load balancer's
// X-Forwarded-* headers, and how long to wait for a database that is not reachable yet (servers booted by Heat
// may come up before the services server), retrying with backoff and one log line per attempt.
import { setTimeout as sleep } from 'node:timers/promises';
import { ENV_NAMES } from '../settings-contract.js';
import { str, type Parsed } from './args.js';
import { UsageError } from './errors.js';

export const DEFAULT_STARTUP_TIMEOUT_S = 120;
export const STARTUP_ENV = { trustProxy: ENV_NAMES.trustProxy, startupTimeout: ENV_NAMES.startupTimeout } as const;

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)?$/i;

/** `--trust-proxy` (a boolean flag) or FAAFO_TRUST_PROXY=1|true|yes|on (0|false|no|off|empty: off). */
export function trustProxyFrom(p: Parsed, env: NodeJS.ProcessEnv): boolean {
  if (p.values['trust-proxy'] === true) return true;
  const raw = (env[STARTUP_ENV.trustProxy] ?? '').trim();
  if (TRUE.test(raw)) return true;
  if (FALSE.test(raw)) return false;
  throw new UsageError(`${STARTUP_ENV.trustProxy} must be one of 1, true, yes, on, 0, false, no, off (got "${raw}")`);
}

/** `--startup-timeout S` or FAAFO_STARTUP_TIMEOUT: whole seconds from 0 (no retry) to 86400. */
export function startupTimeoutFrom(p: Parsed, env: NodeJS.ProcessEnv): number {
  const flag = str(p, 'startup-timeout');
  const raw = flag ?? env[STARTUP_ENV.startupTimeout];
  if (raw === undefined || raw.trim() === '') return DEFAULT_STARTUP_TIMEOUT_S;
  const s = raw.trim();
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n > 86_400) {
    throw new UsageError(`startup-timeout must be whole seconds from 0 to 86400, got "${s}"`);
  }
  return n;
}

export interface RetryOptions {
  /** Give up once this many seconds have passed since the first attempt. */
  timeoutS: number;
  /** One line per failed attempt (no newline). */
  log: (line: string) => void;
  /** What is being opened, for the log lines, e.g. "database postgresql://u:***@db/faafo". */
  what: string;
  /** Errors not worth retrying (a bad URL): thrown at once. */
  permanent?: (e: unknown) => boolean;
  /** First delay; doubles per attempt up to maxDelayMs (defaults 500 ms / 5 s). */
  firstDelayMs?: number;
  maxDelayMs?: number;
}

const oneLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/** Calls `open` until it resolves or `timeoutS` has passed; then rethrows the last error. */
export async function openWithRetry<T>(open: () => Promise<T>, o: RetryOptions): Promise<T> {
  const deadline = Date.now() + o.timeoutS * 1000;
  let delay = o.firstDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await open();
    } catch (e) {
      if (o.permanent?.(e)) throw e;
      const left = deadline - Date.now();
      if (left <= 0) throw e;
      const wait = Math.min(delay, left);
      o.log(
        `${o.what} not reachable yet (attempt ${attempt}: ${oneLine(e)}); retrying in ${(wait / 1000).toFixed(1)} s, ` +
          `giving up in ${Math.ceil(left / 1000)} s`,
      );
      await sleep(wait);
      delay = Math.min(delay * 2, o.maxDelayMs ?? 5000);
    }
  }
}
