// The app bundle `create` uploads must outlive nothing and be outlived by nothing: every server the stack ever boots
// (a scale-out years later included) downloads it by its TempURL, so the URL is signed for the stack's whole life
// (BUNDLE_TTL_S, re-signed by `update` when less than a year is left); and `delete` removes the object once no
// other stack of the project uses it (bundles are content-addressed: stacks of the same build share one object).
import type { Cloud } from '../openstack/index.js';
import type { HeatClient, HeatStack, StackInput } from '../openstack/heat.js';

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
  if (u.origin !== account.origin || !u.pathname.startsWith(prefix) || !u.searchParams.get('temp_url_sig')) return undefined;
  const [container, object, ...rest] = u.pathname.slice(prefix.length).split('/').map(decodeURIComponent);
  if (!container || !object || rest.length || !/^faafo-[0-9a-f]{16}\.tar\.gz$/.test(object)) return undefined;
  return { container, object, expires: Number(u.searchParams.get('temp_url_expires') ?? 0) };
}

/**
 * `update` without a new app_url: a bundle URL of ours with less than RESIGN_BEFORE_S left gets a fresh signature
 * (the same object). Returns the new expiry, or undefined when nothing was done.
 */
export async function resignBundle(cloud: Cloud, stack: HeatStack, input: StackInput, explicit: Set<string>): Promise<string | undefined> {
  if (explicit.has('app_url')) return undefined;
  const b = bundleObjectOf(cloud, stack.parameters?.app_url);
  if (!b || b.expires - Date.now() / 1000 > RESIGN_BEFORE_S) return undefined;
  const t = await cloud.swift.tempUrl('GET', b.container, b.object, BUNDLE_TTL_S);
  input.parameters.app_url = t.url;
  return new Date(t.expires * 1000).toISOString();
}

/**
 * After a stack's delete: remove its bundle object unless another stack of the project still downloads it.
 * Returns what was removed, or why not.
 */
export async function removeBundle(
  cloud: Cloud,
  heat: HeatClient,
  deleted: HeatStack,
): Promise<{ removed?: string; kept?: string } | undefined> {
  const b = bundleObjectOf(cloud, deleted.parameters?.app_url);
  if (!b) return undefined;
  const where = `${b.container}/${b.object}`;
  for (const s of await heat.listStacks()) {
    if (s.id === deleted.id || /^DELETE_COMPLETE$/.test(s.stack_status)) continue;
    const other = await heat.getStack(s).catch(() => undefined);
    const o = bundleObjectOf(cloud, other?.parameters?.app_url);
    if (o && o.container === b.container && o.object === b.object) return { kept: `${where} (stack ${s.stack_name} uses it)` };
  }
  await cloud.swift.deleteObject(b.container, b.object);
  return { removed: where };
}
