// What the stack these generate flags would build needs from the cloud (C6's StackConfig -> DoctorPlan).
import type { StackConfig } from '../config/types.js';
import type { DoctorPlan } from './types.js';

export function planFromConfig(cfg: StackConfig, opts: { bundleToSwift?: boolean } = {}): DoctorPlan {
  const allInOne = cfg.topology === 'all-in-one';
  const servers: DoctorPlan['servers'] = allInOne
    ? [{ role: 'all-in-one', flavor: cfg.allInOneFlavor, count: 1 }]
    : [
        { role: 'api', flavor: cfg.api.flavor, count: cfg.api.max },
        { role: 'workers', flavor: cfg.workers.flavor, count: cfg.workers.max },
        ...(cfg.database.external && cfg.queue.external
          ? []
          : [{ role: 'services', flavor: cfg.services.flavor, count: 1 }]),
      ];
  const loadBalancer = !allInOne && cfg.loadBalancer;
  return {
    granularity: cfg.scaling.granularity,
    alarmAction: cfg.scaling.alarmAction === 'alarm-url' ? 'alarm_url' : 'trust',
    alarms: !allInOne,
    loadBalancer,
    // `create` without --app-url bundles the app and uploads it to Swift (TempURL); swift:// image stores too.
    bundleToSwift: Boolean(opts.bundleToSwift) || !cfg.app.url || (cfg.imageStoreUrl ?? 'swift:').startsWith('swift:'),
    image: cfg.image,
    keyName: cfg.keyName || undefined,
    externalNetwork: cfg.externalNetwork || undefined,
    servers,
    // One floating IP on the load balancer's VIP; with --no-lb one per API server (at its maximum).
    floatingIps: allInOne || loadBalancer ? 1 : cfg.api.max,
    loadBalancers: loadBalancer ? 1 : 0,
    // all-in-one has no separate workers: legacy workers do not apply
    access: { anonymousWrites: cfg.access.anonymousWrites, legacyWorkers: !allInOne && cfg.access.legacyWorkers },
  };
}
