// Per tier: scale-up/-down OS::Heat::ScalingPolicy (change_in_capacity +1/-1, cooldown parameter) driven by two
// OS::Aodh::GnocchiAggregationByResourcesAlarm on Gnocchi's `cpu` metric with `rate:mean` (ns of CPU time per
// window; thresholds.ts), over the instances whose server_group is the tier's group id (deleted ones excluded).
import type { StackConfig, TierConfig } from '../config/types.js';
import { attr, join, ref, type Part, type Resource, type Value } from './hot.js';
import type { Tier } from './member.js';
import { cpuThresholdNs, describeThreshold } from './thresholds.js';
import { groupIdResource } from './tiers.js';

const policy = (tier: Tier, adjustment: number): Resource => ({
  type: 'OS::Heat::ScalingPolicy',
  properties: {
    adjustment_type: 'change_in_capacity',
    auto_scaling_group_id: ref(`${tier}_asg`),
    cooldown: { get_param: 'scaling_cooldown' },
    scaling_adjustment: adjustment,
  },
});

/**
 * Scale-down waits three times as long as scale-up (as upstream's examples do): one quiet window is not a trend,
 * and removing a server a minute after adding it makes the tier flap.
 */
export const SCALE_DOWN_FACTOR = 3;
export const scaleDownPeriods = (cfg: StackConfig) => cfg.scaling.evaluationPeriods * SCALE_DOWN_FACTOR;

/** Gnocchi search: this tier's live instances. Built with list_join (str_replace would also rewrite "server_group"). */
export function tierQuery(tier: Tier): Value {
  return join([
    '{"and": [{"=": {"server_group": "',
    attr(groupIdResource(tier), 'value'),
    '"}}, {"=": {"ended_at": null}}]}',
  ]);
}

function action(cfg: StackConfig, policyName: string): Value {
  return cfg.scaling.alarmAction === 'signal'
    ? join(['trust+', attr(policyName, 'signal_url')])
    : attr(policyName, 'alarm_url');
}

function alarm(cfg: StackConfig, tier: Tier, t: TierConfig, dir: 'high' | 'low'): Resource {
  const { granularity, repeatActions } = cfg.scaling;
  const evaluationPeriods = dir === 'high' ? cfg.scaling.evaluationPeriods : scaleDownPeriods(cfg);
  const pct = dir === 'high' ? t.scaleUpCpu : t.scaleDownCpu;
  const policyName = `${tier}_scale_${dir === 'high' ? 'up' : 'down'}`;
  const windows = `${evaluationPeriods} window(s) of ${granularity} s`;
  return {
    type: 'OS::Aodh::GnocchiAggregationByResourcesAlarm',
    properties: {
      description:
        `Scale the ${tier} tier ${dir === 'high' ? 'up' : 'down'} when its mean CPU is ${dir === 'high' ? 'above' : 'below'} ` +
        `${pct}% for ${windows}. Threshold unit: ns of CPU time per ${granularity} s window (rate:mean of cpu): ` +
        describeThreshold(pct, granularity, t.vcpus),
      metric: 'cpu',
      aggregation_method: 'rate:mean',
      resource_type: 'instance',
      query: tierQuery(tier),
      granularity,
      evaluation_periods: evaluationPeriods,
      threshold: cpuThresholdNs(pct, granularity, t.vcpus),
      comparison_operator: dir === 'high' ? 'gt' : 'lt',
      repeat_actions: repeatActions,
      alarm_actions: [action(cfg, policyName)],
    },
  };
}

export function scalingPart(cfg: StackConfig): Part {
  const resources: NonNullable<Part['resources']> = {};
  for (const [tier, t] of [
    ['api', cfg.api],
    ['worker', cfg.workers],
  ] as const) {
    resources[`${tier}_scale_up`] = policy(tier, 1);
    resources[`${tier}_scale_down`] = policy(tier, -1);
    // queue mode: the scaler on the services server signals the worker policies instead of CPU alarms
    if (tier === 'worker' && cfg.scaling.workerScaling === 'queue') continue;
    resources[`${tier}_cpu_high`] = alarm(cfg, tier, t, 'high');
    resources[`${tier}_cpu_low`] = alarm(cfg, tier, t, 'low');
  }
  return { resources };
}
