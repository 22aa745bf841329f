// Each tier's Aodh alarms for `status` and `events`: which tier and policy an alarm drives (read from the stack's
// template: alarm_actions -> {get_attr: [<policy>, signal_url|alarm_url]} -> the policy's auto_scaling_group_id),
// its state, threshold in the cloud's unit AND in percent of one vCPU, the last transition and its reason (Aodh's
// alarm history), and - for an alarm stuck in "insufficient data" - why, found by asking Gnocchi what Aodh's
// evaluator asks it (diagnoseAlarm).
import { AodhClient, gnocchiRule, transitionOf, type AodhAlarm, type AodhGnocchiRule } from '../openstack/aodh.js';
import { GnocchiClient, granularities, type Requester } from '../openstack/gnocchi.js';
import { HeatClient, type HeatStack } from '../openstack/heat.js';
import { findTiers } from './tiers.js';
import { parseTemplate } from './tpl.js';

export interface AlarmWiring {
  /** Scaling policy the alarm's actions signal (undefined: the actions point elsewhere). */
  policy?: string;
  /** Tier (see tiers.ts) of the group that policy resizes. */
  tier?: string;
  direction?: 'up' | 'down';
}

/** The stable `--json` shape of one alarm in `status`. */
export interface TierAlarm {
  tier: string | null;
  resource: string;
  id: string;
  direction: 'up' | 'down' | null;
  policy: string | null;
  state: string | null;
  enabled: boolean | null;
  metric: string | null;
  aggregation: string | null;
  granularity: number | null;
  evaluationPeriods: number | null;
  comparison: string | null;
  /** As stored in Aodh, in the cloud's unit (`unit`). */
  threshold: number | null;
  unit: string | null;
  /** The same threshold as percent of the server's vCPUs (`vcpus`; cpu + rate:mean only). */
  thresholdPercent: number | null;
  /** vCPUs the percentage refers to (from the generated alarm description; 1 when not stated). */
  vcpus: number | null;
  repeatActions: boolean | null;
  lastTransition: { at: string; state: string | null; reason: string | null } | null;
  /** Aodh's state_reason (only updated on a transition). */
  reason: string | null;
  /** Why an alarm does not leave "insufficient data" (null when it evaluates, or nothing found). */
  why: string | null;
}

type Props = Record<string, unknown>;

/** Names of resources referenced by {get_attr: [name, attr...]} anywhere inside v (only these attributes). */
function attrRefs(v: unknown, attrs: string[], out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => attrRefs(x, attrs, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'get_attr' && Array.isArray(x) && typeof x[0] === 'string' && attrs.includes(String(x[1])))
        out.push(x[0]);
      else attrRefs(x, attrs, out);
    }
  }
  return out;
}

/** Alarm resource name -> the policy, tier and direction its alarm_actions drive. */
export function alarmWiring(template: object | string, params: Record<string, string> = {}): Map<string, AlarmWiring> {
  const t = parseTemplate(template);
  const res = (t.resources ?? {}) as Record<string, { type?: string; properties?: Props }>;
  const tiers = findTiers(t, params);
  const wiring = new Map<string, AlarmWiring>();
  for (const [name, def] of Object.entries(res)) {
    if (!def?.type?.startsWith('OS::Aodh::')) continue;
    const refs = attrRefs(def.properties?.alarm_actions, ['signal_url', 'alarm_url']);
    const policy = refs.find((r) => res[r]?.type === 'OS::Heat::ScalingPolicy');
    const tier = policy ? tiers.find((x) => x.up === policy || x.down === policy) : undefined;
    wiring.set(name, {
      policy,
      tier: tier?.name,
      direction: tier ? (tier.up === policy ? 'up' : 'down') : undefined,
    });
  }
  return wiring;
}

/**
 * Unit of a Gnocchi threshold, and the threshold as percent of one vCPU. Ceilometer's `cpu` is cumulative CPU
 * time in ns, so `rate:mean` at granularity G is ns per G-second bucket: 100 % of one vCPU = G x 1e9.
 */
export function thresholdUnits(
  rule: AodhGnocchiRule | undefined,
  vcpus = 1,
): { unit: string | null; percent: number | null } {
  if (!rule?.metric && !rule?.metrics) return { unit: null, percent: null };
  const metric = rule.metric ?? '';
  const g = rule.granularity ?? 0;
  if (metric === 'cpu' && rule.aggregation_method?.startsWith('rate:') && g > 0 && typeof rule.threshold === 'number') {
    return { unit: `ns of CPU per ${g} s`, percent: Math.round((rule.threshold / (g * 1e9 * vcpus)) * 1000) / 10 };
  }
  if (metric === 'cpu_util') return { unit: '%', percent: rule.threshold ?? null };
  if (metric === 'cpu') return { unit: 'ns of CPU (cumulative)', percent: null };
  return { unit: null, percent: null };
}

/** vCPUs a threshold was computed for: `generate` writes "... of 2 vCPU(s) ..." into the alarm description. */
export function vcpusOf(description: string | undefined): number {
  const m = description?.match(/\bof (\d+) vCPU/);
  return m ? Math.max(1, Number(m[1])) : 1;
}

/** The user's query inside Aodh's stored one ({"and": [<project filter>, <query>]} for non-admin owners). */
export function innerQuery(stored: string | undefined): unknown {
  if (!stored) return undefined;
  let q: unknown;
  try {
    q = JSON.parse(stored);
  } catch {
    return undefined;
  }
  const and = (q as { and?: unknown[] })?.and;
  if (Array.isArray(and) && and.length === 2 && JSON.stringify(and[0]).includes('created_by_project_id')) return and[1];
  return q;
}

const fmtQuery = (q: unknown) => JSON.stringify(q)?.replace(/"/g, '') ?? '?';

/**
 * Why an alarm does not evaluate: what Aodh's evaluator would get from Gnocchi, step by step. Returns null when
 * Gnocchi has values for it (then the alarm is simply not evaluated yet, or is fine).
 */
export async function diagnoseAlarm(
  gnocchi: GnocchiClient,
  alarm: AodhAlarm,
  nowMs = Date.now(),
): Promise<string | null> {
  const rule = gnocchiRule(alarm);
  if (!rule) return null;
  if (rule.metric === 'cpu_util') {
    return 'metric cpu_util was removed in Ceilometer Stein: use metric cpu with aggregation rate:mean (threshold in ns per granularity)';
  }
  if (!alarm.enabled) return 'the alarm is disabled';
  const g = rule.granularity ?? 300;
  const type = rule.resource_type ?? 'instance';
  if (rule.query !== undefined && rule.metric) {
    const inner = innerQuery(rule.query);
    let matched;
    try {
      matched = await gnocchi.searchResources(type, JSON.parse(rule.query), { limit: 50 });
    } catch (e) {
      return `Gnocchi rejects the alarm's query ${fmtQuery(inner)}: ${(e as Error).message}`;
    }
    if (!matched.length) {
      return (
        `no Gnocchi ${type} resource matches ${fmtQuery(inner)}: the servers lack metadata metering.server_group with that value ` +
        '(or Ceilometer does not publish them to Gnocchi)'
      );
    }
    const withMetric = matched.filter((r) => r.metrics?.[rule.metric!]);
    if (!withMetric.length)
      return `${matched.length} ${type} resource(s) match but none has a ${rule.metric} metric (is Ceilometer polling ${rule.metric}?)`;
    const m = await gnocchi.metric(withMetric[0].metrics[rule.metric!]).catch(() => undefined);
    if (m) {
      const gs = granularities(m.archive_policy);
      if (!gs.includes(g)) {
        return `granularity ${g} s is not in archive policy ${m.archive_policy.name} of ${rule.metric} (it keeps ${gs.join(', ')} s): set the alarm granularity to one of them`;
      }
      const agg = rule.aggregation_method ?? 'mean';
      if (!m.archive_policy.aggregation_methods.includes(agg)) {
        return `archive policy ${m.archive_policy.name} of ${rule.metric} has no ${agg} aggregation (has ${m.archive_policy.aggregation_methods.join(', ')})`;
      }
    }
  }
  const periods = rule.evaluation_periods ?? 1;
  const start = new Date(nowMs - g * (periods + 1) * 1000).toISOString();
  const agg = rule.aggregation_method ?? 'mean';
  const metricOp = agg.startsWith('rate:')
    ? ['metric', rule.metric ?? 'cpu', agg.slice(5)]
    : ['metric', rule.metric ?? 'cpu', agg];
  const operations = agg.startsWith('rate:') ? ['aggregate', agg, metricOp] : ['aggregate', agg, metricOp];
  if (rule.query === undefined) return null;
  const r = await gnocchi
    .aggregates({ operations, resourceType: type, search: JSON.parse(rule.query), granularity: g, start })
    .catch((e: Error) => ({ measures: [], rejected: e.message }));
  if (r.rejected) return `Gnocchi answers "${r.rejected}" for the alarm's aggregation`;
  if (!r.measures.length) {
    return `no ${rule.metric} values at granularity ${g} s since ${start}: Ceilometer's polling interval must be <= ${g} s and two consecutive points are needed for ${agg}`;
  }
  return null;
}

/** One alarm read from Aodh, with its wiring and (when asked) its diagnosis. */
export async function describeAlarm(
  aodh: AodhClient,
  gnocchi: GnocchiClient | undefined,
  resource: string,
  id: string,
  wiring: AlarmWiring | undefined,
): Promise<TierAlarm> {
  const a = await aodh.show(id);
  const base: TierAlarm = {
    tier: wiring?.tier ?? null,
    resource,
    id,
    direction: wiring?.direction ?? null,
    policy: wiring?.policy ?? null,
    state: null,
    enabled: null,
    metric: null,
    aggregation: null,
    granularity: null,
    evaluationPeriods: null,
    comparison: null,
    threshold: null,
    unit: null,
    thresholdPercent: null,
    vcpus: null,
    repeatActions: null,
    lastTransition: null,
    reason: 'not found in Aodh',
    why: null,
  };
  if (!a) return base;
  const rule = gnocchiRule(a);
  const vcpus = vcpusOf(a.description);
  const units = thresholdUnits(rule, vcpus);
  const last = await aodh.lastTransition(id).catch(() => undefined);
  let why: string | null = null;
  if (a.state === 'insufficient data' && gnocchi)
    why = await diagnoseAlarm(gnocchi, a).catch((e: Error) => `diagnosis failed: ${e.message}`);
  return {
    ...base,
    state: a.state,
    enabled: a.enabled,
    metric: rule?.metric ?? null,
    aggregation: rule?.aggregation_method ?? null,
    granularity: rule?.granularity ?? null,
    evaluationPeriods: rule?.evaluation_periods ?? null,
    comparison: rule?.comparison_operator ?? null,
    threshold: rule?.threshold ?? null,
    unit: units.unit,
    thresholdPercent: units.percent,
    vcpus: units.percent === null ? null : vcpus,
    repeatActions: a.repeat_actions ?? null,
    lastTransition: last ? { at: last.timestamp, state: last.state ?? null, reason: last.reason ?? null } : null,
    reason: a.state_reason ?? null,
    why,
  };
}

export interface AlarmCloud extends Requester {
  hasService?(serviceType: string): boolean;
}

/** The stack's alarms (top-level OS::Aodh::* resources), tier by tier; null when Aodh is not in the catalog. */
export async function stackAlarms(heat: HeatClient, cloud: AlarmCloud, stack: HeatStack): Promise<TierAlarm[] | null> {
  if (cloud.hasService && !cloud.hasService('alarming')) return null;
  const aodh = new AodhClient(cloud);
  const gnocchi = !cloud.hasService || cloud.hasService('metric') ? new GnocchiClient(cloud) : undefined;
  const [resources, template] = await Promise.all([heat.resources(stack), heat.template(stack)]);
  const wiring = alarmWiring(template, stack.parameters ?? {});
  const alarms = resources.filter((r) => r.resource_type.startsWith('OS::Aodh::') && r.physical_resource_id);
  const out = await Promise.all(
    alarms.map((r) =>
      describeAlarm(aodh, gnocchi, r.resource_name, r.physical_resource_id, wiring.get(r.resource_name)),
    ),
  );
  return out.sort((x, y) => (x.tier ?? '~').localeCompare(y.tier ?? '~') || x.resource.localeCompare(y.resource));
}

const OPS: Record<string, string> = { gt: '>', ge: '>=', lt: '<', le: '<=', eq: '==', ne: '!=' };

/** `workers up   worker_cpu_high  alarm  rate:mean(cpu) > 80% (48000000000 ns of CPU per 60 s)  since ... (reason)` */
export function formatAlarm(a: TierAlarm): string[] {
  const cond =
    a.threshold === null
      ? ''
      : `${a.aggregation ?? '?'}(${a.metric ?? '?'}) ${OPS[a.comparison ?? ''] ?? a.comparison ?? '?'} ` +
        (a.thresholdPercent !== null
          ? `${a.thresholdPercent}%${(a.vcpus ?? 1) > 1 ? ` of ${a.vcpus} vCPUs` : ''} (${a.threshold} ${a.unit})`
          : `${a.threshold}${a.unit ? ` ${a.unit}` : ''}`) +
        (a.granularity ? `, ${a.evaluationPeriods ?? 1} x ${a.granularity} s` : '');
  const head = `  alarm ${(a.tier ?? '-').padEnd(8)} ${(a.direction ?? '').padEnd(4)} ${a.resource}: ${a.state ?? 'unknown'}${cond ? `  ${cond}` : ''}`;
  const lines = [head];
  if (a.lastTransition) {
    lines.push(
      `        last transition ${a.lastTransition.at.replace('T', ' ').replace(/\.\d+$/, '')} -> ${a.lastTransition.state}: ${a.lastTransition.reason ?? ''}`,
    );
  } else if (a.reason) lines.push(`        ${a.reason}`);
  if (a.why) lines.push(`        why: ${a.why}`);
  if (a.repeatActions && a.state === 'alarm')
    lines.push('        repeat_actions: signals its policy at every evaluation (the cooldown throttles it)');
  return lines;
}

/** An Aodh state transition as an `events` line: same shape as a Heat event (see events.ts StackEvent). */
export interface AlarmEvent {
  id: string;
  time: string;
  resource: string;
  path: string;
  status: string;
  reason: string;
}

/** Heat's event time format (seconds, `Z`) from Aodh's `2026-11-25T21:10:03.123456`. */
const heatTime = (t: string) =>
  `${t
    .replace(/Z$/, '')
    .replace(/\.\d+$/, '')
    .replace(/\+00:00$/, '')}Z`;

/**
 * Yields each new state transition of the stack's alarms once (Aodh's alarm history), as event lines:
 * status ALARM_<STATE> (ALARM_ALARM, ALARM_OK, ALARM_INSUFFICIENT_DATA), reason = Aodh's transition reason.
 */
export class AlarmEventPoller {
  private seen = new Set<string>();
  private alarms?: { resource: string; id: string }[];

  constructor(
    private readonly heat: HeatClient,
    private readonly cloud: AlarmCloud,
    private readonly stack: HeatStack,
  ) {}

  async poll(): Promise<AlarmEvent[]> {
    if (this.cloud.hasService && !this.cloud.hasService('alarming')) return [];
    const aodh = new AodhClient(this.cloud);
    this.alarms ??= (await this.heat.resources(this.stack))
      .filter((r) => r.resource_type.startsWith('OS::Aodh::') && r.physical_resource_id)
      .map((r) => ({ resource: r.resource_name, id: r.physical_resource_id }));
    const out: AlarmEvent[] = [];
    for (const a of this.alarms) {
      for (const h of await aodh.history(a.id).catch(() => [])) {
        const key = h.event_id ?? `${a.id}@${h.timestamp}`;
        if (h.type !== 'state transition' || this.seen.has(key)) continue;
        this.seen.add(key);
        const t = transitionOf(h);
        out.push({
          id: key,
          time: heatTime(h.timestamp),
          resource: a.resource,
          path: '',
          status: `ALARM_${(t.state ?? 'unknown').toUpperCase().replace(/\s+/g, '_')}`,
          reason: (t.reason ?? '').replace(/\s+/g, ' ').trim(),
        });
      }
    }
    return out.sort((x, y) => x.time.localeCompare(y.time));
  }
}
