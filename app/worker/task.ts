// Validation of a task message before rendering. The original worker crashed before its ack on a float or string
// width, so such a message came back forever; here a bad task is recognised, logged in one line and dropped.
import type { BlockList } from 'node:net';
import { apiUrlOutside, checkApiUrl } from '../config.js';
import { redactUrl } from '../settings-contract.js';
import type { FractalParams, Task } from '../types.js';

/** A validated task: every parameter present (cr/ci null when the worker is to choose the constant). */
export interface RenderTask extends Required<FractalParams> {
  uuid: string;
}

export const LIMITS = { maxSide: 16384, maxIterations: 100000 } as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Returns the task's render parameters, or a one-line reason why it cannot be rendered. */
export function parseTask(
  raw: Task | Record<string, unknown>,
): { ok: true; task: RenderTask } | { ok: false; reason: string } {
  const t = raw as Record<string, unknown>;
  const fail = (reason: string) => ({ ok: false as const, reason });
  if (typeof t.uuid !== 'string' || !UUID.test(t.uuid)) return fail('uuid is missing or not a UUID');
  const int = (k: string, max: number) => {
    const v = t[k];
    return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max ? v : undefined;
  };
  const num = (k: string) => {
    const v = t[k];
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  };
  const width = int('width', LIMITS.maxSide);
  if (width === undefined) return fail(`width must be an integer from 1 to ${LIMITS.maxSide}`);
  const height = int('height', LIMITS.maxSide);
  if (height === undefined) return fail(`height must be an integer from 1 to ${LIMITS.maxSide}`);
  const iterations = int('iterations', LIMITS.maxIterations);
  if (iterations === undefined) return fail(`iterations must be an integer from 1 to ${LIMITS.maxIterations}`);
  const [xa, xb, ya, yb] = [num('xa'), num('xb'), num('ya'), num('yb')];
  if (xa === undefined || xb === undefined || ya === undefined || yb === undefined) {
    return fail('xa, xb, ya and yb must be finite numbers');
  }
  const optional = (k: string): number | null | undefined => (t[k] === undefined || t[k] === null ? null : num(k));
  const cr = optional('cr');
  const ci = optional('ci');
  if (cr === undefined || ci === undefined) return fail('cr and ci must be numbers when given');
  return { ok: true, task: { uuid: t.uuid, width, height, iterations, xa, xb, ya, yb, cr, ci } };
}

/**
 * The task's `api_url` (the API server that queued it, contract of --advertise-url): the URL without trailing
 * slashes, nothing when absent or null, or the problem when it is there but unusable (not an http(s) URL, a user or
 * password in it...): the queue is shared, so the worker ignores such a value rather than trusting it. With an
 * allow-list (--api-url-cidrs) the URL's host must also be an IP address inside it; `allow.shown` names the list in
 * the problem.
 */
export function taskApiUrl(
  raw: Task | Record<string, unknown>,
  allow?: { list: BlockList; shown: string },
): { url?: string; problem?: string } {
  const v = (raw as Record<string, unknown>).api_url;
  if (v === undefined || v === null) return {};
  if (typeof v !== 'string') return { problem: `api_url is a ${Array.isArray(v) ? 'list' : typeof v}, not a URL` };
  const checked = checkApiUrl(v);
  const shown = () => JSON.stringify(redactUrl(v.trim().slice(0, 200)));
  if (typeof checked !== 'string') return { problem: `api_url ${shown()} ${checked.problem}` };
  const outside = allow ? apiUrlOutside(checked, allow.list, allow.shown) : undefined;
  return outside ? { problem: `api_url ${shown()} ${outside}` } : { url: checked };
}
