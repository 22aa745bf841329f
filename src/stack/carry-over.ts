// An update changes what the user asked for and nothing else. Two things make that true:
//  - parameters the user did not set (flag, config file, --parameter, -e) are not sent, so Heat's PATCH keeps the
//    stack's current values (else a default such as boot_timeout or a create-time size would silently return);
//  - a group's desired capacity the user did not set becomes the group's current size: Heat's AutoScalingGroup
//    resizes to desired_capacity on any update of the group, so raising --max-workers would otherwise delete the
//    members the alarms had added.
import type { HeatClient, HeatStack, StackInput } from '../openstack/heat.js';
import { findTiers, groupSize } from './tiers.js';
import { parseTemplate } from './tpl.js';

export interface CarryOver {
  /** Parameters dropped from the request: Heat keeps their current values. */
  kept: string[];
  /** Desired capacities set to the group's current size. */
  sizes: { param: string; group: string; value: number }[];
}

/**
 * Edits `input.parameters` in place. `explicit`: the parameter names the user set (everything else in
 * input.parameters is a generated default).
 */
export async function carryOver(heat: HeatClient, stack: HeatStack, input: StackInput, explicit: Set<string>): Promise<CarryOver> {
  const current = stack.parameters ?? {};
  const out: CarryOver = { kept: [], sizes: [] };
  for (const name of Object.keys(input.parameters)) {
    if (explicit.has(name) || !(name in current)) continue;
    delete input.parameters[name];
    out.kept.push(name);
  }
  const env = (input.environment as { parameters?: Record<string, unknown> })?.parameters ?? {};
  const effective: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...current, ...env, ...input.parameters })) effective[k] = String(v);
  for (const tier of findTiers(parseTemplate(input.template), effective)) {
    const param = desiredParam(input.template, tier.group);
    if (!param || explicit.has(param) || param in env) continue;
    const size = await groupSize(heat, stack, tier.group);
    if (size === null) continue;
    let value = size;
    if (tier.min !== undefined && Number.isFinite(tier.min)) value = Math.max(value, tier.min);
    if (tier.max !== undefined && Number.isFinite(tier.max)) value = Math.min(value, tier.max);
    input.parameters[param] = value;
    out.sizes.push({ param, group: tier.group, value });
  }
  return out;
}

/** The parameter feeding the group's desired_capacity (not min_size: that one is the user's floor). */
function desiredParam(template: object | string, group: string): string | undefined {
  const res = (parseTemplate(template).resources ?? {}) as Record<string, { properties?: Record<string, unknown> }>;
  const v = res[group]?.properties?.desired_capacity as { get_param?: unknown } | undefined;
  if (!v || typeof v !== 'object' || !('get_param' in v)) return undefined;
  return Array.isArray(v.get_param) ? String(v.get_param[0]) : String(v.get_param);
}
