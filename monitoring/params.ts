// Builds a tier's TierScaling from the user-facing settings, the same ones `generate` turns into Heat alarms and
// policies (percent CPU thresholds, granularity, evaluation periods, cooldown, min/max, step), and the queue-driven
// variant for workers (backlog per worker instead of CPU).
import type { TierScaling } from './decision.js';

export interface CpuScalingSettings {
  minSize: number;
  maxSize: number;
  /** Percent of one core, mean over the tier's members (Aodh `rate:mean` over the group's instances). */
  scaleUpCpu: number;
  scaleDownCpu: number;
  granularityS: number;
  evaluationPeriods: number;
  /** Scale-down may need more periods than scale-up (defaults to evaluationPeriods). */
  scaleDownEvaluationPeriods?: number;
  cooldownS: number;
  /** change_in_capacity step (default 1). */
  step?: number;
}

export interface QueueScalingSettings {
  minSize: number;
  maxSize: number;
  /** Scale up while (tasks waiting or in progress) / workers is above this, for evaluationPeriods periods. */
  scaleUpBacklogPerWorker: number;
  /** Scale down while it is below this. */
  scaleDownBacklogPerWorker: number;
  granularityS: number;
  evaluationPeriods: number;
  scaleDownEvaluationPeriods?: number;
  cooldownS: number;
  step?: number;
}

export const DEFAULT_CPU: Omit<CpuScalingSettings, 'minSize' | 'maxSize'> = {
  scaleUpCpu: 80,
  scaleDownCpu: 15,
  granularityS: 60,
  evaluationPeriods: 1,
  cooldownS: 60,
  step: 1,
};

export const DEFAULT_QUEUE: Omit<QueueScalingSettings, 'minSize' | 'maxSize'> = {
  scaleUpBacklogPerWorker: 2,
  scaleDownBacklogPerWorker: 0.5,
  granularityS: 60,
  evaluationPeriods: 1,
  cooldownS: 60,
  step: 1,
};

function check(min: number, max: number): void {
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min) {
    throw new Error(`invalid tier size: min ${min}, max ${max} (need integers with 0 <= min <= max)`);
  }
}

export function cpuTierScaling(s: CpuScalingSettings): TierScaling {
  return thresholdTierScaling(s, s.scaleUpCpu, s.scaleDownCpu, 'CPU');
}

export function queueTierScaling(s: QueueScalingSettings): TierScaling {
  return thresholdTierScaling(s, s.scaleUpBacklogPerWorker, s.scaleDownBacklogPerWorker, 'backlog');
}

/** A tier scaled one step up above `upThreshold` and one step down below `downThreshold`, as generate writes it. */
function thresholdTierScaling(
  s: CpuScalingSettings | QueueScalingSettings,
  upThreshold: number,
  downThreshold: number,
  what: string,
): TierScaling {
  check(s.minSize, s.maxSize);
  if (!(downThreshold < upThreshold)) throw new Error(`scale-down ${what} threshold must be below the scale-up one`);
  const step = s.step ?? 1;
  const policy = (scalingAdjustment: number) =>
    ({ adjustmentType: 'change_in_capacity', scalingAdjustment, cooldownS: s.cooldownS }) as const;
  return {
    minSize: s.minSize,
    maxSize: s.maxSize,
    cooldownS: s.cooldownS,
    granularityS: s.granularityS,
    up: {
      alarm: { threshold: upThreshold, comparison: 'gt', evaluationPeriods: s.evaluationPeriods },
      policy: policy(step),
    },
    down: {
      alarm: {
        threshold: downThreshold,
        comparison: 'lt',
        evaluationPeriods: s.scaleDownEvaluationPeriods ?? s.evaluationPeriods,
      },
      policy: policy(-step),
    },
  };
}
