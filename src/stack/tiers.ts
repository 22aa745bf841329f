// The scalable tiers of a stack, read from its template: each OS::Heat::AutoScalingGroup, the
// OS::Heat::ScalingPolicy resources pointing at it (up: positive adjustment, down: negative), the parameter
// that sets its size, and its current size (members of the group's nested stack).
import { HeatClient, type HeatStack } from '../openstack/heat.js';
import { parseTemplate, type Tpl } from './tpl.js';

export interface Tier {
  /** `api`, `workers` ... (group name without `_asg`/`_group`, "worker" pluralised as users type it). */
  name: string;
  group: string;
  up?: string;
  down?: string;
  /** Parameter feeding desired_capacity (else min_size); `--to N` sets it. */
  sizeParam?: string;
  min?: number;
  max?: number;
}

export interface TierSize extends Tier {
  current: number | null;
}

type Props = Record<string, unknown>;

function paramValue(v: unknown, params: Record<string, string>): { param?: string; value?: number } {
  if (v && typeof v === 'object' && 'get_param' in v) {
    const p = (v as { get_param: unknown }).get_param;
    const name = Array.isArray(p) ? String(p[0]) : String(p);
    const raw = params[name];
    return { param: name, value: raw === undefined ? undefined : Number(raw) };
  }
  return typeof v === 'number' || typeof v === 'string' ? { value: Number(v) } : {};
}

export function tierName(group: string): string {
  const base = group.replace(/(_asg|_group|_scaling_group|Group|ASG)$/i, '');
  return base === 'worker' ? 'workers' : base;
}

export function findTiers(template: Tpl | object, params: Record<string, string>): Tier[] {
  const t = parseTemplate(template as object);
  const res = (t.resources ?? {}) as Record<string, { type?: string; properties?: Props }>;
  const tiers: Tier[] = [];
  for (const [name, def] of Object.entries(res)) {
    if (def?.type !== 'OS::Heat::AutoScalingGroup') continue;
    const p = def.properties ?? {};
    const desired = paramValue(p.desired_capacity, params);
    const min = paramValue(p.min_size, params);
    const max = paramValue(p.max_size, params);
    const tier: Tier = { name: tierName(name), group: name, sizeParam: desired.param ?? min.param, min: min.value, max: max.value };
    for (const [pname, pdef] of Object.entries(res)) {
      if (pdef?.type !== 'OS::Heat::ScalingPolicy') continue;
      const pp = pdef.properties ?? {};
      const target = pp.auto_scaling_group_id as { get_resource?: string } | undefined;
      if (target?.get_resource !== name) continue;
      const adj = paramValue(pp.scaling_adjustment, params).value ?? 0;
      if (adj > 0 && !tier.up) tier.up = pname;
      if (adj < 0 && !tier.down) tier.down = pname;
    }
    tiers.push(tier);
  }
  return tiers.sort((a, b) => a.name.localeCompare(b.name));
}

/** Accepts `api`, `workers`, `worker`, or the group's resource name. */
export function pickTier(tiers: Tier[], wanted: string): Tier | undefined {
  const w = wanted.toLowerCase();
  return tiers.find((t) => t.name === w || t.group === wanted || t.name === `${w}s` || `${t.name}s` === w);
}

/** Members of the group's nested stack (Heat's `current_size` attribute reads null through the API here). */
export async function groupSize(heat: HeatClient, stack: HeatStack, group: string): Promise<number | null> {
  const r = await heat.resource(stack, group).catch(() => undefined);
  if (!r?.physical_resource_id) return null;
  const nested = await heat.find(r.physical_resource_id);
  if (!nested) return null;
  return (await heat.resources(nested)).length;
}

export async function tierSizes(heat: HeatClient, stack: HeatStack): Promise<TierSize[]> {
  const tiers = findTiers(await heat.template(stack), stack.parameters ?? {});
  return Promise.all(tiers.map(async (t) => ({ ...t, current: await groupSize(heat, stack, t.group) })));
}
