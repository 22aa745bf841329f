// Flags of `faafo-stack local up` and their translation into LocalOptions: the same scaling settings `generate`
// takes (percent CPU thresholds, granularity, evaluation periods, cooldown, min/max per tier), plus the
// queue-driven worker scaling.
import { Flags } from '@oclif/core';
import path from 'node:path';
import { ENV_NAMES, schemeOf } from '../../app/settings-contract.js';
import { cpuTierScaling, queueTierScaling } from '../../monitoring/params.js';
import { UsageError } from '../lib/errors.js';
import { SCALE_DOWN_FACTOR } from '../templates/scaling.js';
import type { LocalOptions } from './supervisor.js';

export const localUpFlags = {
  port: Flags.integer({
    default: 8800,
    min: 0,
    max: 65535,
    description: 'port of the local load balancer (the app URL); 0 = any',
  }),
  'control-port': Flags.integer({
    default: 8801,
    min: 0,
    max: 65535,
    description: 'port of the live page and /api/state; 0 = any',
  }),
  'database-url': Flags.string({
    env: ENV_NAMES.databaseUrl,
    description: 'database shared by the API processes (default sqlite:.faafo/local/faafo.sqlite)',
  }),
  'queue-url': Flags.string({
    env: ENV_NAMES.queueUrl,
    description:
      'queue shared by the API and worker processes (default sqlite:.faafo/local/queue.sqlite, embedded; or amqp://… RabbitMQ); memory: cannot be shared between processes',
  }),
  // One name with `create`'s --image-store-url; --image-url still works (deprecated alias, warns).
  'image-store-url': Flags.string({
    env: ENV_NAMES.imageUrl,
    aliases: ['image-url'],
    deprecateAliases: true,
    description: 'image store shared by the API processes: file:PATH or swift:… (default file:.faafo/local/images)',
  }),
  threads: Flags.integer({ default: 1, min: 1, description: 'render threads per worker' }),
  config: Flags.string({
    char: 'c',
    description:
      'the stack configuration `generate` uses (default: ./faafo-stack.yaml when it exists): its tier sizes and scaling settings',
  }),
  'min-api': Flags.integer({
    min: 1,
    description: "fewest API processes (default: the configuration's, else generate's default)",
  }),
  'max-api': Flags.integer({
    min: 1,
    description: "most API processes the autoscaler may run (default: the configuration's)",
  }),
  'min-workers': Flags.integer({ min: 0, description: "fewest worker processes (default: the configuration's)" }),
  'max-workers': Flags.integer({
    min: 0,
    description: "most worker processes the autoscaler may run (default: the configuration's)",
  }),
  'scale-up-cpu': Flags.integer({
    min: 1,
    max: 100,
    description:
      "add a process when the tier's mean CPU is above this percent of one core (default: the configuration's)",
  }),
  'scale-down-cpu': Flags.integer({
    min: 1,
    max: 100,
    description:
      "remove the oldest process when the tier's mean CPU is below this percent of one core (default: the configuration's)",
  }),
  granularity: Flags.integer({
    min: 1,
    description: "seconds per evaluation period (default: the configuration's; any number of seconds locally)",
  }),
  'evaluation-periods': Flags.integer({
    min: 1,
    description: "consecutive periods beyond a threshold before the tier scales (default: the configuration's)",
  }),
  'scale-down-evaluation-periods': Flags.integer({
    min: 1,
    description: `default: ${SCALE_DOWN_FACTOR} x --evaluation-periods, the longer scale-down window generate writes`,
  }),
  cooldown: Flags.integer({
    min: 0,
    description: "seconds after a scaling before the next one (default: the configuration's)",
  }),
  'worker-scaling': Flags.string({
    options: ['cpu', 'queue'],
    default: 'cpu',
    description: 'what drives the worker tier',
  }),
  'scale-up-backlog': Flags.string({
    default: '2',
    description: 'queue scaling: tasks per worker above which to add one',
  }),
  'scale-down-backlog': Flags.string({
    default: '0.5',
    description: 'queue scaling: tasks per worker below which to remove one',
  }),
  'cpu-measure': Flags.string({
    options: ['demand', 'used'],
    default: 'demand',
    description:
      'CPU figure for scaling: demand = used + waiting for a core (right on a shared machine); used = as Gnocchi measures',
  }),
  'sample-interval': Flags.integer({
    min: 1,
    description: 'seconds between metric samples (default: granularity/5, 1..10)',
  }),
  'stop-grace': Flags.integer({
    default: 120,
    min: 1,
    description: 'seconds a stopped worker may take to finish its task',
  }),
};

type F = { [K in keyof typeof localUpFlags]: unknown };

/** The scaling settings of a stack configuration (what `generate` writes into the template). */
export interface ConfigScaling {
  api: { min: number; max: number; scaleUpCpu: number; scaleDownCpu: number };
  workers: { min: number; max: number; scaleUpCpu: number; scaleDownCpu: number };
  scaling: { granularity: number; evaluationPeriods: number; cooldown: number };
}

/** Flags over the configuration (`cfg`, from resolveConfig: file or generate's defaults). */
export function toLocalOptions(flags: F, cwd: string, cfg: ConfigScaling, log?: (l: string) => void): LocalOptions {
  const fromCfg: Partial<Record<keyof typeof localUpFlags, number>> = {
    'min-api': cfg.api.min,
    'max-api': cfg.api.max,
    'min-workers': cfg.workers.min,
    'max-workers': cfg.workers.max,
    'scale-up-cpu': cfg.api.scaleUpCpu,
    'scale-down-cpu': cfg.api.scaleDownCpu,
    granularity: cfg.scaling.granularity,
    'evaluation-periods': cfg.scaling.evaluationPeriods,
    cooldown: cfg.scaling.cooldown,
  };
  const n = (k: keyof typeof localUpFlags) => (flags[k] as number | undefined) ?? (fromCfg[k] as number);
  const s = (k: keyof typeof localUpFlags) => flags[k] as string | undefined;
  const num = (k: keyof typeof localUpFlags) => {
    const v = Number(s(k));
    if (!Number.isFinite(v) || v < 0) throw new UsageError(`bad --${k} "${s(k)}"`, 'give a number >= 0');
    return v;
  };
  if (n('max-api') < n('min-api'))
    throw new UsageError(`--max-api ${n('max-api')} is below --min-api ${n('min-api')}`, 'raise --max-api');
  if (n('max-workers') < n('min-workers')) {
    throw new UsageError(
      `--max-workers ${n('max-workers')} is below --min-workers ${n('min-workers')}`,
      'raise --max-workers',
    );
  }
  // Per-tier CPU thresholds of the configuration, unless the flags set one for both tiers.
  const tierCpu = (t: 'api' | 'workers') => ({
    scaleUpCpu: (flags['scale-up-cpu'] as number | undefined) ?? cfg[t].scaleUpCpu,
    scaleDownCpu: (flags['scale-down-cpu'] as number | undefined) ?? cfg[t].scaleDownCpu,
  });
  const common = {
    granularityS: n('granularity'),
    evaluationPeriods: n('evaluation-periods'),
    // the same longer scale-down window as the generated template's alarms (issue 10: one window both ways flaps)
    scaleDownEvaluationPeriods:
      (flags['scale-down-evaluation-periods'] as number | undefined) ?? n('evaluation-periods') * SCALE_DOWN_FACTOR,
    cooldownS: n('cooldown'),
  };
  for (const t of ['api', 'workers'] as const) {
    if (tierCpu(t).scaleDownCpu >= tierCpu(t).scaleUpCpu) {
      throw new UsageError(
        `${t}: scale-down CPU ${tierCpu(t).scaleDownCpu}% is not below scale-up CPU ${tierCpu(t).scaleUpCpu}%`,
        'e.g. --scale-up-cpu 80 --scale-down-cpu 15',
      );
    }
  }
  const workerMetric = s('worker-scaling') as 'cpu' | 'queue';
  let workers;
  if (workerMetric === 'queue') {
    const up = num('scale-up-backlog');
    const down = num('scale-down-backlog');
    if (down >= up) throw new UsageError('--scale-down-backlog must be below --scale-up-backlog', 'e.g. 2 and 0.5');
    workers = queueTierScaling({
      minSize: n('min-workers'),
      maxSize: n('max-workers'),
      scaleUpBacklogPerWorker: up,
      scaleDownBacklogPerWorker: down,
      ...common,
    });
  } else {
    workers = cpuTierScaling({
      minSize: n('min-workers'),
      maxSize: n('max-workers'),
      ...tierCpu('workers'),
      ...common,
    });
  }
  const dir = path.join(cwd, '.faafo', 'local');
  // The embedded queue file is a separate file from the sqlite: database (default: no broker to install).
  const queueUrl = s('queue-url') ?? `sqlite:${path.join(dir, 'queue.sqlite')}`;
  if (schemeOf('queue', queueUrl) === 'memory') {
    throw new UsageError(
      'local mode needs a queue shared by separate processes; memory: lives inside one process',
      'give --queue-url amqp://guest:guest@127.0.0.1:5672/ (RabbitMQ), leave it out for the embedded sqlite: queue, or run `faafo serve` for one process',
    );
  }
  return {
    cwd,
    port: n('port'),
    controlPort: n('control-port'),
    databaseUrl: s('database-url') ?? `sqlite:${path.join(dir, 'faafo.sqlite')}`,
    queueUrl,
    imageUrl: s('image-store-url') ?? `file:${path.join(dir, 'images')}`,
    threads: n('threads'),
    api: cpuTierScaling({ minSize: n('min-api'), maxSize: n('max-api'), ...tierCpu('api'), ...common }),
    workers,
    workerMetric,
    cpuMeasure: s('cpu-measure') as 'demand' | 'used',
    sampleS:
      (flags['sample-interval'] as number | undefined) ?? Math.max(1, Math.min(10, Math.floor(n('granularity') / 5))),
    stopGraceS: n('stop-grace'),
    log,
  };
}
