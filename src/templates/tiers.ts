// The two autoscaling groups. Each tier has its own group id (an OS::Heat::Value "<stack id>-<tier>") that its
// members carry as `metering.server_group` metadata and its alarms query, so the two tiers' alarms never mix.
import type { StackConfig } from '../config/types.js';
import { attr, join, param, ref, STACK_ID, type Part, type Resource, type Value } from './hot.js';
import { memberType, type Tier } from './member.js';
import { API_KEY_RESOURCE, RESULT_SECRET_RESOURCE } from './security.js';
import { databaseUrl, queueUrl } from './services.js';

export const groupIdResource = (tier: Tier) => `${tier}_group_id`;

function groupId(tier: Tier): Resource {
  return {
    type: 'OS::Heat::Value',
    properties: { type: 'string', value: join([STACK_ID, tier], '-') },
  };
}

/**
 * Where workers upload results besides the URL each task carries (`api_url`: the API server that queued it, from its
 * FAAFO_ADVERTISE_URL): the load balancer's VIP as a fallback; none with --no-lb. The workers never name the API
 * servers themselves, so the worker tier boots without waiting for the API tier, and an API rolling update or scale-in
 * leaves the workers' user data (and so the workers) alone.
 */
function endpointUrl(cfg: StackConfig): Record<string, Value> {
  return cfg.loadBalancer ? { endpoint_url: join(['http://', attr('lb', 'vip_address'), '/']) } : {};
}

/**
 * Updates that change the members (a new bundle, new settings in the boot script) replace one server at a time, each
 * healthy (its wait condition signalled) before the next; min_in_service 1 keeps a one-server tier serving (Heat
 * boots the new member before removing the old one).
 */
export const ROLLING_UPDATES = { max_batch_size: 1, min_in_service: 1, pause_time: 0 } as const;

export function tiersPart(cfg: StackConfig): Part {
  // Both tiers boot side by side with the services server: they need only its port's address (their URLs), and their
  // services retry the database and the queue until it answers (the member boot scripts wait up to boot_timeout).
  const after = ['router_interface'];
  const common = (tier: Tier): Record<string, Value> => ({
    image: param('image'),
    flavor: param(`${tier}_flavor`),
    key_name: param('key_name'),
    network: ref('network'),
    subnet: ref('subnet'),
    security_group: ref(`${tier}_sg`),
    metadata: { 'metering.server_group': attr(groupIdResource(tier), 'value') },
    boot_timeout: param('boot_timeout'),
    app_url: param('app_url'),
    app_sha256: param('app_sha256'),
    node_tarball_url: param('node_tarball_url'),
    queue_url: queueUrl(cfg),
    result_secret: attr(RESULT_SECRET_RESOURCE, 'value'),
  });
  const asg = (tier: Tier, properties: Record<string, Value>, dependsOn: string[]): Resource => ({
    type: 'OS::Heat::AutoScalingGroup',
    depends_on: dependsOn,
    properties: {
      min_size: param(`${tier}_min_size`),
      max_size: param(`${tier}_max_size`),
      desired_capacity: param(`${tier}_desired_capacity`),
      rolling_updates: { ...ROLLING_UPDATES },
      resource: { type: memberType(tier), properties },
    },
  });
  return {
    resources: {
      api_group_id: groupId('api'),
      api_asg: asg(
        'api',
        {
          ...common('api'),
          database_url: databaseUrl(cfg),
          image_store_url: param('image_store_url'),
          image_store_secret: param('image_store_secret'),
          api_key: attr(API_KEY_RESOURCE, 'value'),
          anonymous_writes: param('anonymous_writes'),
          legacy_workers: param('legacy_workers'),
          legacy_worker_cidrs: param('network_cidr'),
          ...(cfg.loadBalancer ? { pool: ref('lb_pool') } : { external_network: param('external_network') }),
        },
        after,
      ),
      worker_group_id: groupId('worker'),
      worker_asg: asg(
        'worker',
        { ...common('worker'), ...endpointUrl(cfg), api_url_cidrs: param('network_cidr') },
        after,
      ),
    },
  };
}
