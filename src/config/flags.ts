// The flags of `generate` (shared with create/update/diff/doctor). Each one overrides one key of faafo-stack.yaml;
// FLAG_PATHS says which, so error messages can name both the flag and the key. Kept free of ajv and the
// template code so importing a command for --help stays cheap.
import { Flags } from '@oclif/core';
import { setHelpGroups } from '../lib/help-groups.js';

const int = (description: string) => Flags.integer({ description });
const str = (description: string) => Flags.string({ description });
// A decimal number; a non-number is passed on as text so the schema check names the key.
const num = (description: string) =>
  Flags.custom<number | string>({ parse: async (s) => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s) })({
    description,
  });

export const generateFlags = {
  config: Flags.string({ char: 'c', description: 'configuration file (default: ./faafo-stack.yaml when it exists)' }),
  topology: Flags.string({
    description: 'tiers (services + API + workers) or all-in-one (one server)',
    options: ['tiers', 'all-in-one'],
  }),
  image: str('Glance image of the servers (Debian/Ubuntu with Node.js >= 20 packaged, e.g. debian-13)'),
  'key-name': str('Nova key pair for SSH'),
  'external-network': str('external network for the router, floating IPs and the load balancer IP'),
  'network-cidr': str('CIDR of the private subnet the stack creates'),
  'ssh-cidr': str('source range allowed to SSH to the servers, e.g. YOUR.ADDRESS/32 (default: no SSH at all)'),
  'app-url': str('URL of the app bundle the servers download at boot'),
  'app-sha256': str('sha256 (hex) of the app bundle; boot fails when it does not match'),
  'node-tarball-url': str('Node.js linux tarball for images whose Node.js package is older than 20'),
  flavor: str('flavor of every server unless a per-tier flavor is given'),
  'api-flavor': str('flavor of the API servers'),
  'worker-flavor': str('flavor of the worker servers'),
  'services-flavor': str('flavor of the services server (database + RabbitMQ)'),
  'database-url': str(
    'external database URL instead of the services server (a hidden parameter, never written to files)',
  ),
  'queue-url': str('external RabbitMQ URL instead of the services server (a hidden parameter, never written to files)'),
  'image-store-url': str('image store of the API servers (file:PATH or swift:...); default: file: with one API server, else a Swift container create makes'),
  lb: Flags.boolean({
    allowNo: true,
    description: 'Octavia load balancer in front of the API tier (--no-lb: a floating IP per API server)',
  }),
  'anonymous-writes': Flags.boolean({
    allowNo: true,
    description:
      "anyone may create and delete fractals without the stack's API key (the guide's tutorial setting; off by default)",
  }),
  'legacy-workers': Flags.boolean({
    allowNo: true,
    description: 'the original faafo worker (no result secret) may upload results, only from the private subnet (off by default)',
  }),
  'min-api': int('minimum number of API servers'),
  'max-api': int('maximum number of API servers'),
  'desired-api': int('API servers at create (default: --min-api)'),
  'api-vcpus': int('vCPUs of the API flavor (CPU thresholds are percent of the whole server)'),
  'min-workers': int('minimum number of workers'),
  'max-workers': int('maximum number of workers'),
  'desired-workers': int('workers at create (default: --min-workers)'),
  'worker-vcpus': int('vCPUs of the worker flavor (CPU thresholds are percent of the whole server)'),
  'scale-up-cpu': int('scale a tier up when its mean CPU is above this percent (1..100)'),
  'scale-down-cpu': int('scale a tier down when its mean CPU is below this percent (1..100)'),
  granularity: int("alarm window in seconds, a multiple of 60 that the cpu metric's archive policy has"),
  'evaluation-periods': int('consecutive windows beyond a threshold before a scale-up alarm fires (scale-down waits 3 times as many)'),
  cooldown: int('seconds after a scaling action before the next one'),
  'alarm-action': Flags.string({
    description:
      'how alarms reach the policies: signal (trust+signal_url) or alarm-url (EC2-signed); alarm_url/signal_url spellings too',
    options: ['signal', 'alarm-url', 'signal_url', 'alarm_url'],
  }),
  'repeat-actions': Flags.boolean({
    allowNo: true,
    description: 'alarms re-signal every evaluation while in alarm (default on; the cooldown paces growth)',
  }),
  'boot-timeout': int('seconds a server may take from boot to a healthy service'),
  'worker-scaling': Flags.string({
    description:
      'what scales the worker tier: cpu (Aodh CPU alarms) or queue (the queue scaler on the services server, from the task backlog; needs an application credential)',
    options: ['cpu', 'queue'],
  }),
  'scale-up-backlog': num('queue scaling: add a worker when the backlog per worker is above this (default 2)'),
  'scale-down-backlog': num('queue scaling: remove a worker when the backlog per worker is below this (default 0.5)'),
};

export type GenerateFlagValues = { [K in keyof typeof generateFlags]?: unknown };

/** Config key path each flag overrides (`flavor` sets every flavor not set more specifically). */
export const FLAG_PATHS: Record<string, string> = {
  topology: 'topology',
  image: 'image',
  'key-name': 'keyName',
  'external-network': 'externalNetwork',
  'network-cidr': 'network.cidr',
  'ssh-cidr': 'sshCidr',
  'app-url': 'app.url',
  'app-sha256': 'app.sha256',
  'node-tarball-url': 'app.nodeTarballUrl',
  'api-flavor': 'api.flavor',
  'worker-flavor': 'workers.flavor',
  'services-flavor': 'services.flavor',
  'database-url': 'database.url',
  'queue-url': 'queue.url',
  'image-store-url': 'imageStoreUrl',
  lb: 'loadBalancer',
  'anonymous-writes': 'access.anonymousWrites',
  'legacy-workers': 'access.legacyWorkers',
  'min-api': 'api.min',
  'max-api': 'api.max',
  'desired-api': 'api.desired',
  'api-vcpus': 'api.vcpus',
  'min-workers': 'workers.min',
  'max-workers': 'workers.max',
  'desired-workers': 'workers.desired',
  'worker-vcpus': 'workers.vcpus',
  'scale-up-cpu': 'scaling.scaleUpCpu',
  'scale-down-cpu': 'scaling.scaleDownCpu',
  granularity: 'scaling.granularity',
  'evaluation-periods': 'scaling.evaluationPeriods',
  cooldown: 'scaling.cooldown',
  'alarm-action': 'scaling.alarmAction',
  'repeat-actions': 'scaling.repeatActions',
  'boot-timeout': 'bootTimeout',
  'worker-scaling': 'scaling.workerScaling',
  'scale-up-backlog': 'scaling.scaleUpBacklog',
  'scale-down-backlog': 'scaling.scaleDownBacklog',
};

/** "api.max" -> "--max-api" (for messages); undefined when no flag sets that key. */
export function flagFor(path: string): string | undefined {
  const hit = Object.entries(FLAG_PATHS).find(([, p]) => p === path);
  return hit ? `--${hit[0]}` : undefined;
}

// `create/update/diff/generate --help` list about 50 flags: grouped by what they set (cloud flags: CLOUD,
// --wait/--outputs-file: OUTPUT; the rest, --config, stays in the main FLAGS section).
setHelpGroups(generateFlags, {
  SIZES: [
    'topology',
    'flavor',
    'api-flavor',
    'worker-flavor',
    'services-flavor',
    'min-api',
    'max-api',
    'desired-api',
    'api-vcpus',
    'min-workers',
    'max-workers',
    'desired-workers',
    'worker-vcpus',
  ],
  SCALING: [
    'scale-up-cpu',
    'scale-down-cpu',
    'granularity',
    'evaluation-periods',
    'cooldown',
    'alarm-action',
    'repeat-actions',
    'worker-scaling',
    'scale-up-backlog',
    'scale-down-backlog',
  ],
  NETWORK: ['external-network', 'network-cidr', 'ssh-cidr', 'lb', 'key-name', 'anonymous-writes', 'legacy-workers'],
  APP: ['image', 'app-url', 'app-sha256', 'node-tarball-url', 'database-url', 'queue-url', 'image-store-url', 'boot-timeout'],
});
