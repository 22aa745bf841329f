// The services server: PostgreSQL and/or RabbitMQ (whichever is not external), passwords from
// OS::Heat::RandomString (letters and digits only: safe in URLs and shell quotes), a wait condition the boot
// script signals when both answer. Also the database/queue URLs the tiers get.
import type { StackConfig } from '../config/types.js';
import { renderBoot, userData } from './boot.js';
import { attr, join, param, ref, STACK_ID, type Parameter, type Part, type Value } from './hot.js';
import { serverPort } from './network.js';
import { PORTS } from './security.js';
import { scaleDownPeriods } from './scaling.js';

export const hasServicesServer = (cfg: StackConfig) => !cfg.database.external || !cfg.queue.external;

const password = () => ({
  type: 'OS::Heat::RandomString',
  properties: { length: 32, character_classes: [{ class: 'lettersdigits', min: 1 }] },
});

export function servicesPart(cfg: StackConfig): Part {
  if (!hasServicesServer(cfg)) return {};
  const queueScaler = cfg.scaling.workerScaling === 'queue';
  const script = renderBoot('services', {
    database: !cfg.database.external,
    queue: !cfg.queue.external,
    ...(queueScaler ? { scaler: scalerSettings(cfg) } : {}),
  });
  const resources: NonNullable<Part['resources']> = {};
  if (!cfg.database.external) resources.db_password = password();
  if (!cfg.queue.external) resources.mq_password = password();
  Object.assign(resources, {
    services_port: serverPort(ref('services_sg')),
    services_wait_handle: { type: 'OS::Heat::WaitConditionHandle' },
    services_server: {
      type: 'OS::Nova::Server',
      depends_on: ['router_interface'],
      properties: {
        // Its own image parameter: a new image for the tiers (`update --image`) never rebuilds the database host.
        image: param('services_image'),
        flavor: param('services_flavor'),
        key_name: param('key_name'),
        networks: [{ port: ref('services_port') }],
        user_data_format: 'RAW',
        // The server holds the database and the queue: a change of its boot script (a new bundle for the scaler,
        // a new wait handle) must never replace it. Values that change over the stack's life are not in it.
        user_data_update_policy: 'IGNORE',
        user_data: userData(script, {
          __WC_NOTIFY__: attr('services_wait_handle', 'curl_cli'),
          __DB_PASSWORD__: attr('db_password', 'value'),
          __MQ_PASSWORD__: attr('mq_password', 'value'),
          ...(queueScaler ? scalerPlaceholders(cfg.loadBalancer) : {}),
        }),
      },
    },
    services_wait: {
      type: 'OS::Heat::WaitCondition',
      depends_on: ['services_server'],
      properties: { handle: ref('services_wait_handle'), count: 1, timeout: param('boot_timeout') },
    },
  });
  return {
    parameters: {
      services_image: {
        type: 'string',
        description:
          'Glance image of the services server (separate from image: changing it rebuilds the server and loses its data)',
        default: cfg.image,
        constraints: [{ custom_constraint: 'glance.image' }],
      },
      ...(queueScaler ? scalerParameters() : {}),
    },
    resources,
    outputs: { services_address: { description: 'private address of the services server', value: servicesAddress() } },
  };
}

const scalerSettings = (cfg: StackConfig) => ({
  scaleUpBacklog: cfg.scaling.scaleUpBacklog,
  scaleDownBacklog: cfg.scaling.scaleDownBacklog,
  granularity: cfg.scaling.granularity,
  evaluationPeriods: cfg.scaling.evaluationPeriods,
  scaleDownEvaluationPeriods: scaleDownPeriods(cfg),
});

/**
 * The queue scaler's Keystone access: an application credential (hidden parameters, no defaults), never a
 * password. The secret reaches only the server's root-only scaler.env, never an output or a generated file.
 */
function scalerParameters(): Record<string, Parameter> {
  return {
    scaler_auth_url: {
      type: 'string',
      description: 'Keystone v3 URL the queue scaler authenticates at (e.g. https://keystone.example:5000/v3)',
    },
    scaler_app_cred_id: {
      type: 'string',
      hidden: true,
      description:
        'id of a restricted application credential for the queue scaler (may read this stack and signal its policies)',
    },
    scaler_app_cred_secret: {
      type: 'string',
      hidden: true,
      description: 'secret of that application credential (written only to a root-only file on the services server)',
    },
  };
}

function scalerPlaceholders(loadBalancer: boolean): Record<string, Value> {
  return {
    __NODE_TARBALL_URL__: param('node_tarball_url'),
    __APP_URL__: param('app_url'),
    __APP_SHA256__: param('app_sha256'),
    // only a fallback: the scaler reads the API servers' internal listeners from the stack's api_metrics_urls
    // output (they boot alongside this server and change as the tier scales)
    __SCALER_API_URL__: loadBalancer ? join(['http://', attr('lb', 'vip_address')]) : '',
    __STACK_ID__: STACK_ID,
    __SCALER_AUTH_URL__: param('scaler_auth_url'),
    __SCALER_APP_CRED_ID__: param('scaler_app_cred_id'),
    __SCALER_APP_CRED_SECRET__: param('scaler_app_cred_secret'),
  };
}

const servicesAddress = (): Value => attr('services_port', 'fixed_ips', 0, 'ip_address');

/** URL values for the tiers (hidden parameters of the member templates). */
export function databaseUrl(cfg: StackConfig): Value {
  if (cfg.database.external) return param('database_url');
  return join([
    'postgresql://faafo:',
    attr('db_password', 'value'),
    '@',
    servicesAddress(),
    `:${PORTS.postgresql}/faafo`,
  ]);
}

export function queueUrl(cfg: StackConfig): Value {
  if (cfg.queue.external) return param('queue_url');
  return join(['amqp://faafo:', attr('mq_password', 'value'), '@', servicesAddress(), `:${PORTS.amqp}/`]);
}
