// Parameters of the main template. Defaults come from the configuration, so `openstack stack create -t
// faafo-stack.yaml -e env.yaml` works as generated; every one can still be overridden with --parameter.
import type { StackConfig } from '../config/types.js';
import type { Parameter, Part } from './hot.js';

const CIDR_OR_EMPTY = '^(\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2})?$';
const size = (description: string, value: number): Parameter => ({
  type: 'number',
  description,
  default: value,
  constraints: [{ range: { min: 0, max: 1000 } }],
});

export function commonParameters(cfg: StackConfig): Record<string, Parameter> {
  return {
    image: {
      type: 'string',
      description:
        'Glance image of the servers: Debian or Ubuntu whose archive has Node.js >= 20 (else set node_tarball_url)',
      default: cfg.image,
      constraints: [{ custom_constraint: 'glance.image' }],
    },
    key_name: {
      type: 'string',
      description: 'Nova key pair for SSH',
      default: cfg.keyName,
      constraints: [{ custom_constraint: 'nova.keypair' }],
    },
    external_network: {
      type: 'string',
      description: 'external network: router gateway and floating IPs',
      default: cfg.externalNetwork,
      constraints: [{ custom_constraint: 'neutron.network' }],
    },
    network_cidr: {
      type: 'string',
      description: 'CIDR of the private subnet',
      default: cfg.network.cidr,
      constraints: [{ custom_constraint: 'net_cidr' }],
    },
    dns_nameservers: {
      type: 'comma_delimited_list',
      description: 'DNS servers of the private subnet (empty: the cloud default)',
      default: cfg.network.dnsNameservers.join(','),
    },
    ssh_cidr: {
      type: 'string',
      description: 'source range allowed to SSH to the servers (empty: no SSH at all); e.g. your address/32',
      default: cfg.sshCidr,
      constraints: [{ allowed_pattern: CIDR_OR_EMPTY, description: 'empty, or an IPv4 CIDR such as 203.0.113.7/32' }],
    },
    app_url: {
      type: 'string',
      description: 'URL of the faafo app bundle every server downloads at boot',
      ...(cfg.app.url ? { default: cfg.app.url } : {}),
      constraints: [{ allowed_pattern: '^https?://\\S+$', description: 'an http:// or https:// URL' }],
    },
    app_sha256: {
      type: 'string',
      description: 'sha256 (hex) of the app bundle; a server whose download does not match fails its boot',
      ...(cfg.app.sha256 ? { default: cfg.app.sha256 } : {}),
      constraints: [{ allowed_pattern: '^[0-9a-f]{64}$', description: '64 lowercase hex digits (sha256sum)' }],
    },
    node_tarball_url: {
      type: 'string',
      description: 'Node.js linux tarball used only when the image has no Node.js >= 20 package (empty: fail instead)',
      default: cfg.app.nodeTarballUrl ?? '',
      constraints: [{ allowed_pattern: '^(https?://\\S+)?$', description: 'empty or an http(s) URL' }],
    },
    boot_timeout: {
      type: 'number',
      description: 'seconds a server may take from boot to a healthy service (its wait condition timeout)',
      default: cfg.bootTimeout,
      constraints: [{ range: { min: 60, max: 7200 } }],
    },
    anonymous_writes: allowDeny(
      "allow: anyone may create and delete fractals without the stack's API key (the guide's tutorial setting); deny: writes need the key",
      cfg.access.anonymousWrites,
    ),
  };
}

/** Who may write (issue 15): allow/deny, the values of the service's own settings (FAAFO_ANONYMOUS_WRITES ...). */
const allowDeny = (description: string, on: boolean): Parameter => ({
  type: 'string',
  description,
  default: on ? 'allow' : 'deny',
  constraints: [{ allowed_values: ['allow', 'deny'] }],
});

export function tierParameters(cfg: StackConfig): Part {
  const p: Record<string, Parameter> = {
    api_flavor: {
      type: 'string',
      description: 'flavor of the API servers',
      default: cfg.api.flavor,
      constraints: [{ custom_constraint: 'nova.flavor' }],
    },
    worker_flavor: {
      type: 'string',
      description: 'flavor of the worker servers',
      default: cfg.workers.flavor,
      constraints: [{ custom_constraint: 'nova.flavor' }],
    },
  };
  const services = !cfg.database.external || !cfg.queue.external;
  if (services) {
    p.services_flavor = {
      type: 'string',
      description: 'flavor of the services server (database + RabbitMQ)',
      default: cfg.services.flavor,
      constraints: [{ custom_constraint: 'nova.flavor' }],
    };
  }
  if (cfg.database.external) {
    p.database_url = { type: 'string', hidden: true, description: 'external database URL (postgresql:// or mysql://)' };
  }
  if (cfg.queue.external)
    p.queue_url = { type: 'string', hidden: true, description: 'external RabbitMQ URL (amqp://)' };
  Object.assign(p, {
    image_store_url: {
      type: 'string',
      description:
        'image store of the API servers: file: is per server (only with one API server); else swift://CONTAINER?auth_url=...&application_credential_id=... and image_store_secret (faafo-stack create makes both)',
      ...(cfg.imageStoreUrl ? { default: cfg.imageStoreUrl } : {}),
      constraints: [{ allowed_pattern: '^(file|swift):\\S*$', description: 'a file: or swift: URL' }],
    },
    image_store_secret: {
      type: 'string',
      hidden: true,
      default: '',
      description:
        'application credential secret for a swift:// image store (put auth_url and application_credential_id in image_store_url)',
    },
    api_min_size: size('minimum number of API servers', cfg.api.min),
    api_max_size: size('maximum number of API servers', cfg.api.max),
    api_desired_capacity: size('API servers at create', cfg.api.desired),
    worker_min_size: size('minimum number of workers', cfg.workers.min),
    worker_max_size: size('maximum number of workers', cfg.workers.max),
    worker_desired_capacity: size('workers at create', cfg.workers.desired),
    legacy_workers: allowDeny(
      'allow: the original faafo worker (no result secret) may upload results, from the private subnet only; deny: results need the secret',
      cfg.access.legacyWorkers,
    ),
    scaling_cooldown: {
      type: 'number',
      description: 'seconds after a scaling action during which further alarms/signals are ignored',
      default: cfg.scaling.cooldown,
      constraints: [{ range: { min: 0, max: 86400 } }],
    },
  } satisfies Record<string, Parameter>);
  return { parameters: p };
}

/**
 * The configuration path each generated parameter comes from: `update` sends a parameter only when the user set
 * that path (flag or file); every other one keeps the stack's current value (Heat's PATCH), so an update changes
 * what was asked and nothing else.
 */
export const PARAMETER_SOURCES: Record<string, string> = {
  image: 'image',
  key_name: 'keyName',
  external_network: 'externalNetwork',
  network_cidr: 'network.cidr',
  dns_nameservers: 'network.dnsNameservers',
  ssh_cidr: 'sshCidr',
  app_url: 'app.url',
  app_sha256: 'app.sha256',
  node_tarball_url: 'app.nodeTarballUrl',
  boot_timeout: 'bootTimeout',
  api_flavor: 'api.flavor',
  worker_flavor: 'workers.flavor',
  services_flavor: 'services.flavor',
  flavor: 'allInOneFlavor',
  database_url: 'database.url',
  queue_url: 'queue.url',
  image_store_url: 'imageStoreUrl',
  api_min_size: 'api.min',
  api_max_size: 'api.max',
  api_desired_capacity: 'api.desired',
  worker_min_size: 'workers.min',
  worker_max_size: 'workers.max',
  worker_desired_capacity: 'workers.desired',
  scaling_cooldown: 'scaling.cooldown',
  anonymous_writes: 'access.anonymousWrites',
  legacy_workers: 'access.legacyWorkers',
};
