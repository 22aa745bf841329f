// Rules across keys that JSON Schema cannot express. Each failure names the keys (or flags) and the fix.
import { UsageError } from '../lib/errors.js';
import { label, type Origin } from './origin.js';
import type { StackConfig } from './types.js';

export function applyRules(cfg: StackConfig, origin: Origin): void {
  const L = (p: string) => label(p, origin);
  for (const t of ['api', 'workers'] as const) {
    const tier = cfg[t];
    if (tier.max < tier.min) {
      throw new UsageError(
        `${L(`${t}.max`)} (${tier.max}) is less than ${L(`${t}.min`)} (${tier.min})`,
        `raise ${L(`${t}.max`)} or lower ${L(`${t}.min`)}`,
      );
    }
    if (tier.desired < tier.min || tier.desired > tier.max) {
      throw new UsageError(
        `${L(`${t}.desired`)} (${tier.desired}) is outside ${t} min..max (${tier.min}..${tier.max})`,
        `give a value from ${tier.min} to ${tier.max}`,
      );
    }
    if (tier.scaleDownCpu >= tier.scaleUpCpu) {
      throw new UsageError(
        `${t} scale-down CPU ${tier.scaleDownCpu}% is not below scale-up CPU ${tier.scaleUpCpu}%`,
        'make --scale-down-cpu lower than --scale-up-cpu (e.g. 15 and 80) so the tier cannot flap',
      );
    }
  }
  if (cfg.topology === 'all-in-one' && (cfg.database.external || cfg.queue.external)) {
    throw new UsageError(
      'external database/queue URLs need --topology tiers',
      'the all-in-one server runs its own SQLite database and in-process queue: drop --database-url/--queue-url',
    );
  }
}
