// `scale api|workers up|down`: signal the tier's ScalingPolicy, as an alarm would, and wait until the group
// has resized. Heat answers a signal at once and acts later; a signal inside the cooldown (or at min/max size) is
// accepted and silently ignored. Done = the group's metadata has a new `cooldown_end` entry and
// `scaling_in_progress: false`; unchanged metadata = ignored, explained with the cooldown's end when there is one.
// `scale <tier> --to N`: a stack update (existing template) of the parameter that sets the group's size.
import { FaafoError, UsageError } from '../lib/errors.js';
import { HeatClient, type HeatStack } from '../openstack/heat.js';
import { EventPoller, type StackEvent } from './events.js';
import { findTiers, groupSize, pickTier, type Tier } from './tiers.js';
import { watchStack } from './watch.js';

/** The stable `--json` shape of a scale result. */
export interface ScaleResult {
  stack: string;
  tier: string;
  group: string;
  method: 'signal' | 'update';
  policy?: string;
  parameter?: string;
  before: number | null;
  after: number | null;
  changed: boolean;
  /** Set when Heat ignored the signal (cooldown, already at min/max). */
  ignored?: string;
  status?: string;
}

export interface ScaleOptions {
  tier: string;
  direction?: 'up' | 'down';
  to?: number;
  timeoutS?: number;
  /** How long to wait for a resize before calling a signal sent inside the cooldown ignored. */
  cooldownGraceS?: number;
  onEvent?: (e: StackEvent) => void;
  now?: () => Date;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function resolveTier(heat: HeatClient, stack: HeatStack, wanted: string): Promise<Tier> {
  const tiers = findTiers(await heat.template(stack), stack.parameters ?? {});
  const tier = pickTier(tiers, wanted);
  if (!tier) {
    throw new UsageError(
      `stack ${stack.name} has no tier "${wanted}"`,
      tiers.length ? `tiers: ${tiers.map((t) => t.name).join(', ')}` : 'it has no OS::Heat::AutoScalingGroup',
    );
  }
  return tier;
}

export async function scaleTier(heat: HeatClient, stack: HeatStack, opts: ScaleOptions): Promise<ScaleResult> {
  const tier = await resolveTier(heat, stack, opts.tier);
  const before = await groupSize(heat, stack, tier.group);
  const base = { stack: stack.name, tier: tier.name, group: tier.group, before };
  if (opts.to !== undefined) return scaleTo(heat, stack, tier, opts, base);

  const dir = opts.direction ?? 'up';
  const policy = dir === 'up' ? tier.up : tier.down;
  if (!policy) throw new UsageError(`tier ${tier.name} has no scale-${dir} policy`, 'use --to N to set its size');
  if (before !== null && dir === 'up' && tier.max !== undefined && before >= tier.max) {
    throw new FaafoError(`tier ${tier.name} is already at its maximum size (${tier.max}); Heat would ignore the signal`, {
      hint: 'raise the maximum with `faafo-stack update --max-…` first',
    });
  }
  if (before !== null && dir === 'down' && tier.min !== undefined && before <= tier.min) {
    throw new FaafoError(`tier ${tier.name} is already at its minimum size (${tier.min}); Heat would ignore the signal`);
  }
  const poller = new EventPoller(heat, stack);
  await poller.skipExisting();
  const metaBefore = await heat.resourceMetadata(stack, tier.group);
  const now = opts.now ?? (() => new Date());
  const cooldownUntil = activeCooldown(metaBefore, now());
  await heat.signal(stack, policy, { reason: `faafo-stack scale ${tier.name} ${dir}` });

  const start = Date.now();
  const timeoutMs = (opts.timeoutS ?? 300) * 1000;
  const graceMs = (opts.cooldownGraceS ?? 15) * 1000;
  for (;;) {
    for (const e of await poller.poll().catch(() => [] as StackEvent[])) opts.onEvent?.(e);
    const meta = await heat.resourceMetadata(stack, tier.group);
    if (JSON.stringify(meta) !== JSON.stringify(metaBefore) && meta.scaling_in_progress === false) {
      for (const e of await poller.poll().catch(() => [] as StackEvent[])) opts.onEvent?.(e);
      const after = await groupSize(heat, stack, tier.group);
      return { ...base, method: 'signal', policy, after, changed: after !== before };
    }
    const waited = Date.now() - start;
    if ((cooldownUntil && waited > graceMs) || waited > timeoutMs) {
      const after = await groupSize(heat, stack, tier.group);
      const ignored = cooldownUntil
        ? `Heat ignored the signal: group ${tier.group} is in its cooldown until ${cooldownUntil.toISOString()} ` +
          `(the scaling policy's cooldown after the last resize); signal again after that, or use --to N`
        : `no resize of group ${tier.group} seen within ${Math.round(waited / 1000)}s after the signal ` +
          `(Heat accepts signals and may ignore them: cooldown, min/max size)`;
      return { ...base, method: 'signal', policy, after, changed: false, ignored };
    }
    await sleep(1000);
  }
}

async function scaleTo(
  heat: HeatClient,
  stack: HeatStack,
  tier: Tier,
  opts: ScaleOptions,
  base: Pick<ScaleResult, 'stack' | 'tier' | 'group' | 'before'>,
): Promise<ScaleResult> {
  const n = opts.to!;
  if (!tier.sizeParam) {
    throw new UsageError(`group ${tier.group} has no size parameter (desired_capacity/min_size from get_param)`, 'use scale up|down');
  }
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--to must be a whole number >= 0, got ${n}`);
  if (tier.max !== undefined && n > tier.max) {
    throw new UsageError(`--to ${n} is above the maximum size of tier ${tier.name} (${tier.max})`, 'raise the maximum first');
  }
  const poller = new EventPoller(heat, stack);
  await poller.skipExisting();
  await heat.updateStack(stack, { existing: true, parameters: { [tier.sizeParam]: n } });
  const w = await watchStack(heat, stack, {
    action: 'UPDATE',
    updatedBefore: stack.updated_time,
    onEvent: opts.onEvent,
    timeoutS: opts.timeoutS ?? 600,
    poller,
  });
  if (!w.ok) throw new FaafoError(`stack ${stack.name} ${w.status}: ${w.reason}`);
  const after = await groupSize(heat, stack, tier.group);
  return { ...base, method: 'update', parameter: tier.sizeParam, after, changed: after !== base.before, status: w.status };
}

/** The latest cooldown_end in the group's metadata if it is still in the future. */
export function activeCooldown(meta: Record<string, unknown>, now: Date): Date | undefined {
  const ends = Object.keys((meta.cooldown_end as Record<string, unknown>) ?? {})
    .map((k) => new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(k) ? k : `${k}Z`))
    .filter((d) => !Number.isNaN(d.getTime()));
  const last = ends.sort((a, b) => b.getTime() - a.getTime())[0];
  return last && last > now ? last : undefined;
}
