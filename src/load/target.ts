// Is anything answering at the load target? A run against a dead URL must fail at once with one line naming
// the URL and the cause, not count thousands of connection errors and exit 0 (tasks mode) or say only
// "fetch failed" (api mode).
import { FaafoError } from '../lib/errors.js';
import { errorKind } from './stats.js';

const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing listens there',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_SOCKET: 'the connection was closed without an answer',
  client_overload: 'more requests in flight than --connections allows',
};

/** The words for an error kind (`ECONNREFUSED`, `timeout`, ...) as counted by the load engine. */
export function describeCause(kind: string, timeoutS: number): string {
  if (kind === 'timeout') return `no answer within ${timeoutS} s (--timeout)`;
  return CAUSES[kind] ? `${CAUSES[kind]} (${kind})` : kind;
}

/** Resolves when the target answers HTTP at all (any status); otherwise throws one FaafoError line. */
export async function checkTarget(url: string, timeoutS: number): Promise<void> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutS * 1000), redirect: 'manual' });
    await res.arrayBuffer().catch(() => undefined);
  } catch (err) {
    throw new FaafoError(`no answer from ${url}: ${describeCause(errorKind(err), timeoutS)}`, {
      hint: 'check --url, or that the app (`faafo-stack local up`, or the stack) is running',
    });
  }
}

/** After a run: not one answer means the target was never reachable (it went away after the first check). */
export function assertAnswered(
  url: string,
  responses: number,
  errorsByKind: Record<string, number>,
  timeoutS: number,
): void {
  if (responses > 0) return;
  const kinds = Object.entries(errorsByKind).sort((a, b) => b[1] - a[1]);
  const cause = kinds.length
    ? kinds.map(([k, n]) => `${describeCause(k, timeoutS)} x${n}`).join(', ')
    : 'nothing was sent';
  throw new FaafoError(`no answer from ${url} during the run: ${cause}`);
}

/**
 * The one line for a 401 from the app (issue 15: a generated stack denies anonymous writes). `keyFrom` says where
 * the key sent came from (`--api-key`, `stack NAME`), never the key; undefined when none was sent.
 */
export function unauthorizedError(url: string, keyFrom: string | undefined): FaafoError {
  if (keyFrom === undefined) {
    return new FaafoError(`the API at ${url} wants an API key for creates (401)`, {
      hint:
        'give --api-key KEY or FAAFO_API_KEY (a generated stack\'s: faafo-stack outputs STACK --show-secrets), ' +
        'or load the stack itself with --watch-stack STACK, which reads its key',
    });
  }
  return new FaafoError(`the API at ${url} refused the API key from ${keyFrom} (401)`, {
    hint: 'give the key of the app at that URL with --api-key (a generated stack\'s: faafo-stack outputs STACK --show-secrets)',
  });
}

/** After a run: any 401 means the creates needed a (different) key; the run stopped at the first one. */
export function assertAuthorized(url: string, errorsByKind: Record<string, number>, keyFrom: string | undefined): void {
  if (errorsByKind.http_401) throw unauthorizedError(url, keyFrom);
}
