// Where `faafo-stack load` sends its load and what it watches: --url, the `faafo-stack local up` run in the folder,
// or a stack's app_url output (--watch-stack); the tier watcher that goes with it; and the API key its creates carry
// (--api-key, else the stack's own when the stack is the target: generated stacks deny anonymous writes, issue 15).
import { FaafoError, UsageError, oneLine } from '../lib/errors.js';
import { findLocalRun } from '../local/state.js';
import { checkTarget } from './target.js';
import { localWatcher, openStackTarget, type StackTarget, type TierWatcher } from './watch.js';

export interface TargetRequest {
  url?: string;
  /** --watch-stack: the Heat stack whose tiers to follow (and whose app_url and API key to use). */
  watchStack?: string;
  /** --watch-local: follow the local run even when --url is given. */
  watchLocal?: boolean;
  apiKey?: string;
  cloud?: string;
  region?: string;
  /** The folder a local run is looked for in. */
  cwd: string;
  /** Seconds the reachability check waits for an answer. */
  timeoutS: number;
}

export interface LoadTarget {
  url: string;
  watcher?: TierWatcher;
  /** The key the creates carry; never printed or logged. */
  apiKey?: string;
  /** Where apiKey came from: `--api-key` or `stack NAME` (for the result and messages). */
  apiKeyFrom?: string;
}

/** Resolves the target, its watcher and its key, and checks that something answers there (one-line errors). */
export async function resolveTarget(r: TargetRequest): Promise<LoadTarget> {
  const { watcher, stack } = await findWatcher(r);
  // A watched stack without an app_url output: the local run, as before.
  const url = r.url ?? watcher?.appUrl ?? (stack ? (await findLocalRun(r.cwd))?.appUrl : undefined);
  if (!url) {
    throw new UsageError('no target: give --url', 'or run `faafo-stack local up` in this folder first, or --watch-stack a stack with an app_url output');
  }
  try {
    new URL(url);
  } catch {
    throw new UsageError(`bad --url "${url}"`, 'e.g. --url http://127.0.0.1:8800');
  }
  const key = await chooseKey(r, url, stack);
  await checkTarget(url, r.timeoutS);
  return { url, watcher, ...key };
}

/** The stack when --watch-stack is given, else the local run (when it is the target or --watch-local). */
async function findWatcher(r: TargetRequest): Promise<{ watcher?: TierWatcher; stack?: StackTarget }> {
  if (r.watchStack) {
    const stack = await openStackTarget(r.watchStack, { cloud: r.cloud, region: r.region });
    return { watcher: stack.watcher, stack };
  }
  const local = await findLocalRun(r.cwd);
  if (local && (r.watchLocal || !r.url)) return { watcher: { ...localWatcher(local.controlUrl), appUrl: local.appUrl } };
  if (r.watchLocal) {
    throw new UsageError('--watch-local: no `faafo-stack local up` is running in this folder', 'start one with faafo-stack local up');
  }
  return {};
}

/**
 * --api-key wins. Else, when the load goes to the watched stack's own app (no --url, or --url on its app_url's
 * origin), the stack's key; never sent to another URL. No key anywhere: none (an older stack, or anonymous writes).
 */
async function chooseKey(r: TargetRequest, url: string, stack: StackTarget | undefined): Promise<Pick<LoadTarget, 'apiKey' | 'apiKeyFrom'>> {
  if (r.apiKey) return { apiKey: r.apiKey, apiKeyFrom: '--api-key' };
  const appUrl = stack?.watcher.appUrl;
  if (!stack || !appUrl || new URL(url).origin !== new URL(appUrl).origin) return {};
  const apiKey = await stack.apiKey().catch((e: unknown) => {
    throw new FaafoError(`could not read the API key of stack ${stack.name}: ${oneLine(e)}`, { hint: 'give it with --api-key', cause: e });
  });
  return apiKey === undefined ? {} : { apiKey, apiKeyFrom: `stack ${stack.name}` };
}
