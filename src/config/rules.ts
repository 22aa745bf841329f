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
  if (cfg.topology === 'tiers' && cfg.imageStoreUrl?.startsWith('file:') && cfg.api.max > 1) {
    // each image would live on the API server that took the upload; scale-in deletes it
    throw new UsageError(
      `${L('imageStoreUrl')} ${cfg.imageStoreUrl} keeps each image on one API server, and ${L('api.max')} is ${cfg.api.max}`,
      `leave ${L('imageStoreUrl')} out (create makes a Swift container) or give swift://CONTAINER, or set ${L('api.max')} 1`,
    );
  }
  if (cfg.topology === 'all-in-one' && (cfg.database.external || cfg.queue.external)) {
    throw new UsageError(
      'external database/queue URLs need --topology tiers',
      'the all-in-one server runs its own SQLite database and in-process queue: drop --database-url/--queue-url',
    );
  }
  if (cfg.scaling.workerScaling === 'queue') queueScalingRules(cfg, L);
}

/** The queue scaler runs on the services server and reaches the API through the load balancer's VIP. */
function queueScalingRules(cfg: StackConfig, L: (p: string) => string): void {
  const ws = L('scaling.workerScaling');
  if (cfg.topology === 'all-in-one') {
    throw new UsageError(`${ws} queue needs --topology tiers`, 'the all-in-one server has no worker tier to scale: use cpu');
  }
  if (cfg.database.external && cfg.queue.external) {
    throw new UsageError(
      `${ws} queue runs the scaler on the services server, which external database and queue URLs remove`,
      'drop --database-url or --queue-url (keep one service on the stack), or use --worker-scaling cpu',
    );
  }
  const { scaleUpBacklog: up, scaleDownBacklog: down } = cfg.scaling;
  if (down >= up) {
    throw new UsageError(
      `${L('scaling.scaleDownBacklog')} (${down}) is not below ${L('scaling.scaleUpBacklog')} (${up})`,
      'make the scale-down backlog lower than the scale-up backlog (e.g. 0.5 and 2) so the tier cannot flap',
    );
  }
}
