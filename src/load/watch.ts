// Where `load` reads tier sizes from during a run: a local supervisor (`faafo-stack local up`) over HTTP, or a
// Heat stack through the project's OpenStack client (each AutoScalingGroup's current_size, each Aodh alarm's state).
import { FaafoError } from '../lib/errors.js';

export interface TierSnapshot {
  tiers: Record<string, number>;
  /** Alarm name -> state (alarm, ok, insufficient data), when the source has alarms. */
  alarms?: Record<string, string>;
}

export interface TierWatcher {
  describe: string;
  read(): Promise<TierSnapshot>;
  /** The app's URL when the source knows it (the stack's app_url output, the local balancer). */
  appUrl?: string;
}

/** The tier sizes a running `faafo-stack local up` reports on its control page's /api/state. */
export function localWatcher(supervisorUrl: string): TierWatcher {
  const url = new URL('/api/state', supervisorUrl).toString();
  return {
    describe: `local run at ${supervisorUrl}`,
    async read() {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`local supervisor answered ${res.status} on ${url}`);
      const state = (await res.json()) as { tiers: { name: string; size: number }[] };
      return { tiers: Object.fromEntries(state.tiers.map((t) => [t.name, t.size])) };
    },
  };
}

/** A tier name for an AutoScalingGroup resource name: api_asg -> api, worker_group -> workers. */
export function tierOfResource(name: string): string {
  if (/api/i.test(name)) return 'api';
  if (/work/i.test(name)) return 'workers';
  return name;
}

interface HeatResource {
  resource_name: string;
  resource_type: string;
  physical_resource_id: string;
}

// The parts of src/openstack's Cloud (contract C7) this watcher needs.
interface CloudLike {
  hasService(type: string): boolean;
  request<T>(service: string, method: string, path: string, opts?: Record<string, unknown>): Promise<{ data: T }>;
  heat: { findStack(n: string): Promise<{ id: string; name: string } | undefined> };
}

/** A stack `load` watches, and maybe loads: its tier watcher (with the app_url output) and its API key, on demand. */
export interface StackTarget {
  name: string;
  watcher: TierWatcher;
  /** The stack's API key (its api_key RandomString resource, issue 15); undefined when the stack has none. */
  apiKey(): Promise<string | undefined>;
}

export async function openStackTarget(stack: string, opts: { cloud?: string; region?: string } = {}): Promise<StackTarget> {
  // Loaded only when a stack is watched (keeps `load --url` free of the OpenStack client's start-up cost).
  const { connect } = await import('../openstack/index.js');
  const cloud = await connect({ cloud: opts.cloud, region: opts.region });
  const found = await cloud.heat.findStack(stack);
  if (!found) throw new FaafoError(`stack ${stack} not found`, { hint: '`faafo-stack list` shows your stacks' });
  const ref = { id: found.id, name: found.name };
  const base = `/stacks/${encodeURIComponent(found.name)}/${found.id}`;
  const outputs = await cloud.heat.outputs(ref).catch(() => ({}) as Record<string, unknown>);
  const appUrl = typeof outputs.app_url === 'string' && /^https?:\/\//.test(outputs.app_url) ? outputs.app_url : undefined;
  return {
    name: found.name,
    watcher: { ...stackWatcherFor(cloud as unknown as CloudLike, base, `stack ${found.name}`), appUrl },
    async apiKey() {
      // read like `create --json` and `outputs --show-secrets` read it (never an output, never printed)
      const { fetchApiKey } = await import('../stack/outputs.js');
      return fetchApiKey(cloud.heat, ref);
    },
  };
}

export async function stackWatcher(stack: string, opts: { cloud?: string; region?: string } = {}): Promise<TierWatcher> {
  return (await openStackTarget(stack, opts)).watcher;
}

export function stackWatcherFor(cloud: CloudLike, stackPath: string, describe: string): TierWatcher {
  return {
    describe,
    async read() {
      const { data } = await cloud.request<{ resources: HeatResource[] }>('orchestration', 'GET', `${stackPath}/resources`);
      const tiers: Record<string, number> = {};
      const alarms: Record<string, string> = {};
      for (const r of data.resources) {
        if (r.resource_type === 'OS::Heat::AutoScalingGroup') {
          // Members counted in the group's nested stack (failed ones excluded), as Heat's get_size does; the
          // current_size attribute reads null through the resource API on some Heat releases.
          const one = await cloud.request<{ resource: { links?: { href: string; rel: string }[] } }>(
            'orchestration',
            'GET',
            `${stackPath}/resources/${encodeURIComponent(r.resource_name)}`,
          );
          const nested = one.data.resource.links?.find((l) => l.rel === 'nested')?.href;
          if (!nested) continue;
          const m = await cloud.request<{ resources: { resource_status: string }[] }>(
            'orchestration',
            'GET',
            `${nested.slice(nested.indexOf('/stacks/'))}/resources`,
          );
          tiers[tierOfResource(r.resource_name)] = m.data.resources.filter((x) => !/FAILED$|^DELETE_/.test(x.resource_status)).length;
        } else if (r.resource_type.startsWith('OS::Aodh::') && r.physical_resource_id && cloud.hasService('alarming')) {
          try {
            const a = await cloud.request<{ state: string }>('alarming', 'GET', `/v2/alarms/${r.physical_resource_id}`);
            alarms[r.resource_name] = a.data.state;
          } catch {
            alarms[r.resource_name] = 'unknown';
          }
        }
      }
      return { tiers, alarms };
    },
  };
}
