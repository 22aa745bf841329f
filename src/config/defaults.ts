// Defaults of every configuration key (documented in docs/readme/40-generate.md). Chosen for a small real
// cloud: Debian 13 (Node.js 20 in its archive), granularity 300 s (Ceilometer's `ceilometer-low-rate` archive
// policy for `cpu`), cooldown one window so a new member's CPU is in the mean before the next decision.
export const DEFAULTS = {
  topology: 'tiers',
  image: 'debian-13',
  keyName: 'faafo',
  externalNetwork: 'public',
  flavor: 'm1.small',
  networkCidr: '10.20.0.0/24',
  // no SSH unless asked (--ssh-cidr YOUR.ADDRESS/32): never the world by default
  sshCidr: '',
  imageStoreUrl: 'file:/var/lib/faafo/images',
  loadBalancer: true,
  // writes need the stack's API key, results its workers' secret (issue 15); the tutorial setting is an opt-in
  anonymousWrites: false,
  legacyWorkers: false,
  api: { min: 1, max: 3, vcpus: 1 },
  workers: { min: 1, max: 6, vcpus: 1 },
  scaleUpCpu: 80,
  scaleDownCpu: 15,
  granularity: 300,
  evaluationPeriods: 1,
  cooldown: 300,
  alarmAction: 'signal',
  repeatActions: true,
  // queue scaler thresholds: the same defaults as monitoring/scaler-main.ts (FAAFO_SCALE_UP/DOWN_BACKLOG)
  workerScaling: 'cpu',
  scaleUpBacklog: 2,
  scaleDownBacklog: 0.5,
  bootTimeout: 1200,
} as const;

export const DEFAULT_CONFIG_FILE = 'faafo-stack.yaml';
