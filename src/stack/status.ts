// `status`: the stack's status, each tier's current size (and min/max), the app URL from the outputs, and the
// state of the stack's Aodh alarms when the alarming API is in the catalog and answers.
import { HeatClient, type HeatStack, type Requester } from '../openstack/heat.js';
import { stackOutputs } from './outputs.js';
import { tierSizes, type TierSize } from './tiers.js';
import { formatAlarm, stackAlarms, type TierAlarm } from './alarms.js';
import { formatWriteAccess, writeAccessOf, type WriteAccess } from './access-mode.js';

/** The stable `--json` shape of `status`. */
export interface StackStatusReport {
  stack: { id: string; name: string; status: string; reason: string; created: string; updated: string | null };
  tiers: { name: string; group: string; current: number | null; min: number | null; max: number | null }[];
  appUrl: string | null;
  /** Who may write (issue 15), from the stack's parameters; null for a template without write protection. */
  access: WriteAccess | null;
  /** null: the alarming API is not reachable (not in the catalog, or not answering). */
  alarms: { resource: string; id: string; state: string | null; reason: string | null }[] | null;
  // (each entry is a TierAlarm of ./alarms.ts: tier, direction, threshold in % and in the cloud's unit, last
  // transition from Aodh's history, and `why` for an alarm stuck in insufficient data)
}

export interface AlarmCapable extends Requester {
  hasService?(serviceType: string): boolean;
}

/** `app_url`/`url`/`api_url` output, else `http://<lb_vip>` when a VIP output is set; never a URL without a host
 * (`http:///` while the floating IP is not there yet). */
export function appUrl(outputs: Record<string, unknown>): string | null {
  const withHost = (u: string) => {
    try {
      return new URL(u).hostname ? u : null;
    } catch {
      return null;
    }
  };
  for (const k of ['app_url', 'url', 'api_url', 'endpoint_url']) {
    const u = typeof outputs[k] === 'string' ? withHost(outputs[k] as string) : null;
    if (u) return u;
  }
  for (const k of ['lb_floating_ip', 'floating_ip', 'lb_vip', 'vip_address']) {
    if (typeof outputs[k] === 'string' && outputs[k]) return `http://${outputs[k]}/`;
  }
  return null;
}

export async function stackStatus(heat: HeatClient, cloud: AlarmCapable, stack: HeatStack): Promise<StackStatusReport> {
  const [tiers, alarms] = await Promise.all([
    tierSizes(heat, stack).catch(() => [] as TierSize[]),
    alarmStates(heat, cloud, stack),
  ]);
  return {
    stack: {
      id: stack.id,
      name: stack.name,
      status: stack.stack_status,
      reason: stack.stack_status_reason ?? '',
      created: stack.creation_time,
      updated: stack.updated_time ?? null,
    },
    tiers: tiers.map((t) => ({ name: t.name, group: t.group, current: t.current, min: t.min ?? null, max: t.max ?? null })),
    appUrl: appUrl(stackOutputs(stack)),
    access: writeAccessOf(stack.parameters),
    alarms,
  };
}

async function alarmStates(heat: HeatClient, cloud: AlarmCapable, stack: HeatStack): Promise<StackStatusReport['alarms']> {
  if (cloud.hasService && !cloud.hasService('alarming')) return null;
  // Each tier's alarms with thresholds, last transition and diagnosis (./alarms.ts); the plain listing below
  // stays as the fallback when that fails (e.g. an alarm type without a Gnocchi rule).
  const detailed = await stackAlarms(heat, cloud, stack).catch(() => undefined);
  if (detailed !== undefined) return detailed;
  try {
    const alarms = (await heat.resources(stack)).filter((r) => r.resource_type.startsWith('OS::Aodh::') && r.physical_resource_id);
    return await Promise.all(
      alarms.map(async (r) => {
        const a = await cloud.request<{ state?: string; state_reason?: string }>('alarming', 'GET', `/v2/alarms/${r.physical_resource_id}`, {
          okStatuses: [200, 404],
        });
        return {
          resource: r.resource_name,
          id: r.physical_resource_id,
          state: a.status === 200 ? (a.data.state ?? null) : null,
          reason: a.status === 200 ? (a.data.state_reason ?? null) : 'not found in Aodh',
        };
      }),
    );
  } catch {
    return null;
  }
}

export function formatStatus(r: StackStatusReport): string[] {
  const lines = [`${r.stack.name}  ${r.stack.status}${r.stack.reason ? `  ${r.stack.reason}` : ''}`];
  lines.push(`  app URL: ${r.appUrl ?? '(none yet)'}`);
  lines.push(`  ${formatWriteAccess(r.access)}`);
  for (const t of r.tiers) {
    lines.push(`  tier ${t.name.padEnd(8)} ${String(t.current ?? '?')} running (min ${t.min ?? '?'}, max ${t.max ?? '?'})  group ${t.group}`);
  }
  if (r.alarms === null) lines.push('  alarms: alarming API not reachable');
  else
    for (const a of r.alarms) {
      if ('tier' in a) lines.push(...formatAlarm(a as TierAlarm));
      else lines.push(`  alarm ${a.resource}: ${a.state ?? 'unknown'}${a.reason ? ` (${a.reason})` : ''}`);
    }
  return lines;
}
