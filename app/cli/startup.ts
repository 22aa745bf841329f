// Start-up settings of `faafo api` / `faafo serve` that the worker does not share: trusting a load balancer's
// X-Forwarded-* headers.
import type { Parsed } from './args.js';
import { UsageError } from './errors.js';

export const STARTUP_ENV = { trustProxy: 'FAAFO_TRUST_PROXY' } as const;

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
