// The one scaling decision, pure (no I/O, no clock): given a tier's policy settings, its current size, the recent
// per-period metric values and its cooldown, say whether to scale and to what size. It models what Heat + Aodh do
// with the policies `generate` writes, so the local autoscaler and the queue scaler behave like the cloud:
// - alarm: the last `evaluationPeriods` period values must ALL breach the threshold (Aodh needs an unequivocal
//   window; a mixed window changes nothing); too few values = insufficient data, no action;
// - repeat_actions: an alarm that stays in alarm fires again every evaluation; the cooldown throttles it;
// - ScalingPolicy.adjust: capacity math of heat/scaling/scalingutil.py, clamped to [min, max]; no action when the
//   new capacity equals the current one, while a scaling is in progress, or before the cooldown has ended; the
//   policy's cooldown overrides the group's; the cooldown starts when a scaling completes;
// - scale-down removes the oldest members first (created time, then name), as Heat's grouputils does.

export type AdjustmentType = 'change_in_capacity' | 'exact_capacity' | 'percent_change_in_capacity';
export type Comparison = 'gt' | 'ge' | 'lt' | 'le' | 'eq' | 'ne';

export interface AlarmRule {
  threshold: number;
  comparison: Comparison;
  /** Consecutive periods that must all breach (Aodh `evaluation_periods`). */
  evaluationPeriods: number;
}

export interface PolicyRule {
  adjustmentType: AdjustmentType;
  /** Signed step: +1 / -1 for change_in_capacity; the size for exact_capacity; percent for percent_change. */
  scalingAdjustment: number;
  /** Seconds; overrides the group's cooldown when set (Heat ScalingPolicy `cooldown`). */
  cooldownS?: number;
  /** Only with percent_change_in_capacity. */
  minAdjustmentStep?: number;
}

export interface TierScaling {
  minSize: number;
  maxSize: number;
  /** Group cooldown (Heat AutoScalingGroup `cooldown`), used when a policy has none. */
  cooldownS?: number;
  /** Length of one evaluation period in seconds (Gnocchi granularity). */
  granularityS: number;
  up: { alarm: AlarmRule; policy: PolicyRule };
  down: { alarm: AlarmRule; policy: PolicyRule };
}

export type AlarmState = 'alarm' | 'ok' | 'insufficient data';

export interface TierState {
  size: number;
  /** Epoch ms before which signals are ignored (Heat stores cooldown_end in the group's metadata). */
  cooldownEndMs: number;
  /** A scaling action is being carried out (Heat: group not COMPLETE / scaling in progress). */
  scalingInProgress: boolean;
}

export type Action = 'scale_up' | 'scale_down' | 'none';

export interface Decision {
  action: Action;
  from: number;
  to: number;
  /** Which alarm fired (if any), and why nothing happened when it did. */
  alarm: 'up' | 'down' | null;
  reason: string;
}

export function compare(value: number, op: Comparison, threshold: number): boolean {
  switch (op) {
    case 'gt':
      return value > threshold;
    case 'ge':
      return value >= threshold;
    case 'lt':
      return value < threshold;
    case 'le':
      return value <= threshold;
    case 'eq':
      return value === threshold;
    case 'ne':
      return value !== threshold;
  }
}

/** Aodh-style state of one alarm over the period values (oldest first, newest last). */
export function alarmState(values: readonly number[], rule: AlarmRule): AlarmState | 'mixed' {
  const n = Math.max(1, Math.floor(rule.evaluationPeriods));
  if (values.length < n) return 'insufficient data';
  const window = values.slice(-n);
  const breaching = window.filter((v) => compare(v, rule.comparison, rule.threshold)).length;
  if (breaching === n) return 'alarm';
  if (breaching === 0) return 'ok';
  return 'mixed';
}

/** Heat's capacity math (heat/scaling/scalingutil.py calculate_new_capacity), clamped to [min, max]. */
export function newCapacity(
  current: number,
  policy: Pick<PolicyRule, 'adjustmentType' | 'scalingAdjustment' | 'minAdjustmentStep'>,
  minSize: number,
  maxSize: number,
): number {
  const adj = policy.scalingAdjustment;
  let target: number;
  if (policy.adjustmentType === 'change_in_capacity') {
    target = current + adj;
  } else if (policy.adjustmentType === 'exact_capacity') {
    target = adj;
  } else {
    const delta = (current * adj) / 100;
    let rounded: number;
    // |delta| < 1: round away from zero so a small percentage still moves the group; else toward zero.
    if (Math.abs(delta) < 1) rounded = delta > 0 ? Math.ceil(delta) : delta < 0 ? Math.floor(delta) : 0;
    else rounded = delta > 0 ? Math.floor(delta) : Math.ceil(delta);
    const step = policy.minAdjustmentStep ?? 0;
    if (step && Math.abs(rounded) < step) rounded = rounded < 0 ? -step : step;
    target = current + rounded;
  }
  return Math.min(maxSize, Math.max(minSize, target));
}

/** The cooldown that applies to a signal of this policy: the policy's own, else the group's, else 0. */
export function cooldownOf(cfg: TierScaling, which: 'up' | 'down'): number {
  return cfg[which].policy.cooldownS ?? cfg.cooldownS ?? 0;
}

/**
 * One evaluation. `values` are the tier's metric per completed period, oldest first. The scale-up alarm is looked
 * at first (as two independent alarms would both fire, capacity wins over savings).
 */
export function decide(cfg: TierScaling, state: TierState, values: readonly number[], nowMs: number): Decision {
  const from = state.size;
  const none = (alarm: Decision['alarm'], reason: string): Decision => ({ action: 'none', from, to: from, alarm, reason });
  const up = alarmState(values, cfg.up.alarm);
  const down = alarmState(values, cfg.down.alarm);
  const which: 'up' | 'down' | null = up === 'alarm' ? 'up' : down === 'alarm' ? 'down' : null;
  if (!which) {
    const why = up === 'insufficient data' ? 'insufficient data' : 'no alarm';
    return none(null, why);
  }
  if (state.scalingInProgress) return none(which, 'scaling in progress');
  if (nowMs < state.cooldownEndMs) {
    return none(which, `in cooldown for ${Math.ceil((state.cooldownEndMs - nowMs) / 1000)} s`);
  }
  const to = newCapacity(from, cfg[which].policy, cfg.minSize, cfg.maxSize);
  if (to === from) return none(which, which === 'up' ? `at max size ${cfg.maxSize}` : `at min size ${cfg.minSize}`);
  const last = values[values.length - 1];
  return {
    action: to > from ? 'scale_up' : 'scale_down',
    from,
    to,
    alarm: which,
    reason: `${which === 'up' ? 'high' : 'low'} alarm: ${fmt(last)} ${cfg[which].alarm.comparison} ${fmt(cfg[which].alarm.threshold)} for ${cfg[which].alarm.evaluationPeriods} period(s)`,
  };
}

/** The state after a decision's scaling has completed at `doneMs` (cooldown starts at completion, as in Heat). */
export function afterScaling(cfg: TierScaling, state: TierState, d: Decision, doneMs: number): TierState {
  if (d.action === 'none') return state;
  const which = d.action === 'scale_up' ? 'up' : 'down';
  return { size: d.to, cooldownEndMs: doneMs + cooldownOf(cfg, which) * 1000, scalingInProgress: false };
}

export interface Member {
  id: string;
  /** Epoch ms when the member was created. */
  createdMs: number;
  name?: string;
}

/** Members a scale-down removes: the oldest first (created time, then name), `count` of them. */
export function membersToRemove<M extends Member>(members: readonly M[], count: number): M[] {
  const sorted = [...members].sort(
    (a, b) => a.createdMs - b.createdMs || (a.name ?? a.id).localeCompare(b.name ?? b.id),
  );
  return sorted.slice(0, Math.max(0, count));
}

function fmt(v: number | undefined): string {
  if (v === undefined) return '-';
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}
