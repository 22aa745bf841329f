// The app bundle `create` uploads must outlive nothing and be outlived by nothing: every server the stack ever boots
// (a scale-out years later included) downloads it by its TempURL, so the URL is signed for the stack's whole life
// (BUNDLE_TTL_S, re-signed by `update` when less than a year is left); and `delete` removes the object once no
// other stack of the project uses it (bundles are content-addressed: stacks of the same build share one object).
import type { Cloud } from '../openstack/index.js';
import type { HeatClient, HeatStack, StackInput } from '../openstack/heat.js';
import { MADE_FOR_STACK_HEADER } from '../bundle/index.js';

/** Ten years: beyond any stack's life. */
export const BUNDLE_TTL_S = 10 * 365 * 24 * 3600;
/** `update` re-signs a URL with less than this left. */
export const RESIGN_BEFORE_S = 365 * 24 * 3600;

export interface BundleObject {
  container: string;
  object: string;
  /** temp_url_expires, seconds since the epoch */
  expires: number;
}

/** The Swift object of a TempURL into this cloud's account that `create` made (faafo-<sha>.tar.gz), else undefined. */
export function bundleObjectOf(cloud: Cloud, appUrl: string | undefined): BundleObject | undefined {
  if (!appUrl || !cloud.hasService('object-store')) return undefined;
  let u: URL;
  let account: URL;
  try {
    u = new URL(appUrl);
    account = new URL(cloud.swift.accountUrl());
  } catch {
    return undefined;
  }
  const prefix = account.pathname.replace(/\/+$/, '') + '/';
  if (u.origin !== account.origin || !u.pathname.startsWith(prefix) || !u.searchParams.get('temp_url_sig'))
    return undefined;
  const [container, object, ...rest] = u.pathname.slice(prefix.length).split('/').map(decodeURIComponent);
  if (!container || !object || rest.length || !/^faafo-[0-9a-f]{16}\.tar\.gz$/.test(object)) return undefined;
  return { container, object, expires: Number(u.searchParams.get('temp_url_expires') ?? 0) };
}

/**
 * `update` without a new app_url: a bundle URL of ours with less than RESIGN_BEFORE_S left gets a fresh signature
 * (the same object). Returns the new expiry, or undefined when nothing was done.
 */
export async function resignBundle(
  cloud: Cloud,
  stack: HeatStack,
  input: StackInput,
  explicit: Set<string>,
): Promise<string | undefined> {
  if (explicit.has('app_url')) return undefined;
  const b = bundleObjectOf(cloud, stack.parameters?.app_url);
  if (!b || b.expires - Date.now() / 1000 > RESIGN_BEFORE_S) return undefined;
  const t = await cloud.swift.tempUrl('GET', b.container, b.object, BUNDLE_TTL_S);
  input.parameters.app_url = t.url;
  return new Date(t.expires * 1000).toISOString();
}

/**
 * Removes the bundle object of `appUrl` when `create` uploaded it (marked MADE_FOR_STACK_HEADER: never a bundle the
 * user uploaded with `faafo-stack bundle`) and no stack of the project downloads it any more (bundles are
 * content-addressed: stacks of the same build share one object). `skipStackId`: a stack being deleted. Called after
 * a stack's delete, and after an update that moved the stack to another bundle (the old one would leak otherwise).
 */
export async function removeBundle(
  cloud: Cloud,
  heat: HeatClient,
  appUrl: string | undefined,
  skipStackId?: string,
): Promise<{ removed?: string; kept?: string } | undefined> {
  const b = bundleObjectOf(cloud, appUrl);
  if (!b) return undefined;
  const where = `${b.container}/${b.object}`;
  const head = await cloud.swift.headObject(b.container, b.object);
  if (!head) return undefined;
  if (head[MADE_FOR_STACK_HEADER.toLowerCase()] !== 'create')
    return { kept: `${where} (uploaded with faafo-stack bundle, not by create: yours to remove)` };
  for (const s of await heat.listStacks()) {
    if (s.id === skipStackId || /^DELETE_COMPLETE$/.test(s.stack_status)) continue;
    const other = await heat.getStack(s).catch(() => undefined);
    const o = bundleObjectOf(cloud, other?.parameters?.app_url);
    if (o && o.container === b.container && o.object === b.object)
      return { kept: `${where} (stack ${s.stack_name} uses it)` };
  }
  await cloud.swift.deleteObject(b.container, b.object);
  return { removed: where };
}

/** The same Swift object (a re-signed URL is not another bundle). */
export function sameBundle(cloud: Cloud, a: string | undefined, b: string | undefined): boolean {
  const x = bundleObjectOf(cloud, a);
  const y = bundleObjectOf(cloud, b);
  return !!x && !!y && x.container === y.container && x.object === y.object;
}
