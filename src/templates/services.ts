// The services server: PostgreSQL and/or RabbitMQ (whichever is not external), passwords from
// OS::Heat::RandomString (letters and digits only: safe in URLs and shell quotes), a wait condition the boot
// script signals when both answer. Also the database/queue URLs the tiers get.
import type { StackConfig } from '../config/types.js';
import { renderBoot, userData } from './boot.js';
import { attr, join, param, ref, type Part, type Value } from './hot.js';
import { serverPort } from './network.js';
import { PORTS } from './security.js';

export const hasServicesServer = (cfg: StackConfig) => !cfg.database.external || !cfg.queue.external;

const password = () => ({
  type: 'OS::Heat::RandomString',
  properties: { length: 32, character_classes: [{ class: 'lettersdigits', min: 1 }] },
});

export function servicesPart(cfg: StackConfig): Part {
  if (!hasServicesServer(cfg)) return {};
  const script = renderBoot('services', { database: !cfg.database.external, queue: !cfg.queue.external });
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
        image: param('image'),
        flavor: param('services_flavor'),
        key_name: param('key_name'),
        networks: [{ port: ref('services_port') }],
        user_data_format: 'RAW',
        user_data: userData(script, {
          __WC_NOTIFY__: attr('services_wait_handle', 'curl_cli'),
          __DB_PASSWORD__: attr('db_password', 'value'),
          __MQ_PASSWORD__: attr('mq_password', 'value'),
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
    resources,
    outputs: { services_address: { description: 'private address of the services server', value: servicesAddress() } },
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
