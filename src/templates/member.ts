// The nested template of one autoscaling-group member (one per tier): a port, the server with its boot script
// and the group's metering metadata, and a wait condition the boot script signals when the service is up.
// The wait condition re-arms whenever the server's user data changes (issue 10 item 6), so a rolling update of the
// group waits for each replaced server to be healthy: boot_id (a RandomString salted with everything the user data is
// made of) changes with it, the boot script signals under that id, and `wait` asks for one more signal than the
// handle has heard while the current boot_id is not among them (boot_signals reads what the handle has heard).
// API members join the Octavia pool (after they are healthy) or get a floating IP (--no-lb).
import type { StackConfig } from '../config/types.js';
import { ENV_NAMES as E } from '../../app/settings-contract.js';
import { createHash } from 'node:crypto';
import { renderBoot, userData } from './boot.js';
import {
  attr,
  HOT_VERSION,
  join,
  param,
  ref,
  type Parameter,
  type Resource,
  type Template,
  type Value,
} from './hot.js';
import { PORTS } from './security.js';

export type Tier = 'api' | 'worker';

export const memberFile = (tier: Tier) => `faafo-${tier}-member.yaml`;
export const memberType = (tier: Tier) => (tier === 'api' ? 'Faafo::API::Member' : 'Faafo::Worker::Member');

const str = (description: string, extra: Partial<Parameter> = {}): Parameter => ({
  type: 'string',
  description,
  ...extra,
});

/** The environment of a member's service (names from the settings contract; values filled in by the boot script). */
export function envLines(tier: Tier): { name: string; value: string }[] {
  if (tier === 'api') {
    return [
      { name: E.databaseUrl, value: '__DATABASE_URL__' },
      { name: E.queueUrl, value: '__QUEUE_URL__' },
      { name: E.imageUrl, value: '__IMAGE_STORE_URL__' },
      { name: E.imageStoreSecret, value: '__IMAGE_STORE_SECRET__' },
      { name: E.host, value: '0.0.0.0' },
      { name: E.port, value: String(PORTS.http) },
      // where workers reach this server (put in each task as api_url): its own private address, PORTS.http is 80
      { name: E.advertiseUrl, value: 'http://__ADVERTISE_ADDRESS__/' },
      // the services server boots alongside: keep retrying the database as long as the boot may take
      { name: E.startupTimeout, value: '__BOOT_TIMEOUT__' },
      // who may write (issue 15): results need the workers' secret, creates/deletes the API key unless
      // anonymous writes are allowed; the original worker only when legacy workers are, from the private subnet
      { name: E.resultSecret, value: '__RESULT_SECRET__' },
      { name: E.apiKey, value: '__API_KEY__' },
      { name: E.anonymousWrites, value: '__ANONYMOUS_WRITES__' },
      { name: E.legacyWorkers, value: '__LEGACY_WORKERS__' },
      { name: E.legacyWorkerCidrs, value: '__LEGACY_WORKER_CIDRS__' },
      // /metrics on a second listener the security group opens only to the stack's own servers
      { name: E.internalPort, value: String(PORTS.internal) },
    ];
  }
  return [
    { name: E.queueUrl, value: '__QUEUE_URL__' },
    // a fallback after the task's own api_url (the load balancer's VIP; empty with --no-lb)
    { name: E.endpointUrl, value: '__ENDPOINT_URL__' },
    { name: E.resultSecret, value: '__RESULT_SECRET__' },
    // a task's api_url is followed only inside the private subnet: the worker sends its result secret there
    { name: E.apiUrlCidrs, value: '__API_URL_CIDRS__' },
  ];
}

/**
 * How many signals `wait` needs: the boot_ids the handle has heard (16-character keys of boot_signals' data, a JSON
 * object of id -> data), plus one while the current boot_id is not among them. Unchanged user data: the same count,
 * no update. Signals without a boot_id (numbered by Heat) are not counted: they never re-arm anything.
 */
export const REARM_COUNT_YAQL =
  `let(heard => str(coalesce($.data.heard, '{}')), id => str(coalesce($.data.id, ''))) -> ` +
  `len(regex('"[A-Za-z0-9]{16}": ').searchAll($heard)) + switch($heard.indexOf('"' + $id + '": ') >= 0 => 0, true => 1)`;

/**
 * A RandomString replaced whenever the server's user data changes: salted with the sha256 (HOT digest, so no secret is
 * stored in clear) of the boot script's hash, the image and key pair (they replace or rebuild the server) and every
 * placeholder value except the wait condition's URL.
 */
function bootId(script: string, placeholders: Record<string, Value>, parameters: Record<string, Parameter>): Resource {
  // list_join joins strings only: a number parameter (boot_timeout) goes in through str_replace, which takes numbers
  const asString = (v: Value): Value => {
    const name = (v as { get_param?: unknown } | null)?.get_param;
    return typeof name === 'string' && parameters[name]?.type === 'number'
      ? { str_replace: { template: 'VALUE', params: { VALUE: v } } }
      : v;
  };
  const inputs = Object.entries(placeholders)
    .filter(([k]) => k !== '__WC_NOTIFY__' && k !== '__BOOT_ID__' && script.includes(k))
    .map(([, v]) => asString(v));
  const scriptHash = createHash('sha256').update(script).digest('hex').slice(0, 16);
  return {
    type: 'OS::Heat::RandomString',
    properties: {
      length: 16,
      character_classes: [{ class: 'lettersdigits', min: 1 }],
      salt: { digest: ['sha256', join([scriptHash, param('image'), param('key_name'), ...inputs], '|')] },
    },
  };
}

export function memberTemplate(cfg: StackConfig, tier: Tier): Template {
  const api = tier === 'api';
  const script = api
    ? renderBoot('api', {
        command: 'api',
        port: PORTS.http,
        lowPort: true,
        untilBootTimeout: true,
        env: envLines('api'),
        bootId: true,
      })
    : renderBoot('worker', { command: 'worker', untilBootTimeout: true, env: envLines('worker'), bootId: true });

  const parameters: Record<string, Parameter> = {
    image: str('Glance image', { constraints: [{ custom_constraint: 'glance.image' }] }),
    flavor: str('Nova flavor', { constraints: [{ custom_constraint: 'nova.flavor' }] }),
    key_name: str('Nova key pair', { constraints: [{ custom_constraint: 'nova.keypair' }] }),
    network: str('private network id'),
    subnet: str('private subnet id'),
    security_group: str('security group id of the tier'),
    metadata: {
      type: 'json',
      description: 'server metadata: metering.server_group ties the server to its tier alarms',
    },
    boot_timeout: { type: 'number', description: 'wait condition timeout (s)' },
    app_url: str('app bundle URL'),
    app_sha256: str('app bundle sha256'),
    node_tarball_url: str('Node.js tarball when the image has no Node.js >= 20', { default: '' }),
    queue_url: str('queue URL (holds a password)', { hidden: true }),
    result_secret: str("the stack's result secret: authenticates the workers' result uploads", { hidden: true }),
  };
  if (api) {
    parameters.api_key = str("the stack's API key: creates and deletes need it unless anonymous_writes is allow", {
      hidden: true,
    });
    parameters.anonymous_writes = str('allow or deny: writes without the API key', {
      constraints: [{ allowed_values: ['allow', 'deny'] }],
    });
    parameters.legacy_workers = str('allow or deny: result uploads without the secret, from legacy_worker_cidrs only', {
      constraints: [{ allowed_values: ['allow', 'deny'] }],
    });
    parameters.legacy_worker_cidrs = str('where legacy workers may upload from (the private subnet)');
    parameters.database_url = str('database URL (holds a password)', { hidden: true });
    parameters.image_store_url = str('image store URL');
    parameters.image_store_secret = str('application credential secret of a swift:// image store', {
      hidden: true,
      default: '',
    });
    if (cfg.loadBalancer) parameters.pool = str('Octavia pool id');
    else parameters.external_network = str('external network for the floating IP');
  } else {
    parameters.endpoint_url = str(
      "where the worker uploads results when the task's own api_url fails (the load balancer's VIP; empty: none)",
      { default: '' },
    );
    parameters.api_url_cidrs = str(
      "where a task's api_url may point (the private subnet): the worker sends its secret there",
    );
  }

  const placeholders: Record<string, Value> = {
    __WC_NOTIFY__: attr('wait_handle', 'curl_cli'),
    __BOOT_ID__: attr('boot_id', 'value'),
    __APP_URL__: param('app_url'),
    __APP_SHA256__: param('app_sha256'),
    __NODE_TARBALL_URL__: param('node_tarball_url'),
    __QUEUE_URL__: param('queue_url'),
    __RESULT_SECRET__: param('result_secret'),
    __BOOT_TIMEOUT__: param('boot_timeout'),
    ...(api
      ? {
          __DATABASE_URL__: param('database_url'),
          __ADVERTISE_ADDRESS__: attr('port', 'fixed_ips', 0, 'ip_address'),
          __IMAGE_STORE_URL__: param('image_store_url'),
          __IMAGE_STORE_SECRET__: param('image_store_secret'),
          __API_KEY__: param('api_key'),
          __ANONYMOUS_WRITES__: param('anonymous_writes'),
          __LEGACY_WORKERS__: param('legacy_workers'),
          __LEGACY_WORKER_CIDRS__: param('legacy_worker_cidrs'),
        }
      : { __ENDPOINT_URL__: param('endpoint_url'), __API_URL_CIDRS__: param('api_url_cidrs') }),
  };

  const t: Template = {
    heat_template_version: HOT_VERSION,
    description: api
      ? 'faafo API server: one member of the API autoscaling group (generated by faafo-stack)'
      : 'faafo worker server: one member of the worker autoscaling group (generated by faafo-stack)',
    parameters,
    resources: {
      port: {
        type: 'OS::Neutron::Port',
        properties: {
          network: param('network'),
          fixed_ips: [{ subnet: param('subnet') }],
          security_groups: [param('security_group')],
        },
      },
      boot_id: bootId(script, placeholders, parameters),
      wait_handle: { type: 'OS::Heat::WaitConditionHandle' },
      server: {
        type: 'OS::Nova::Server',
        properties: {
          image: param('image'),
          flavor: param('flavor'),
          key_name: param('key_name'),
          networks: [{ port: ref('port') }],
          metadata: param('metadata'),
          user_data_format: 'RAW',
          user_data: userData(script, placeholders),
        },
      },
      // every signal the handle has heard (its `data`); it waits for the first boot only
      boot_signals: {
        type: 'OS::Heat::WaitCondition',
        depends_on: ['server'],
        properties: { handle: ref('wait_handle'), count: 1, timeout: param('boot_timeout') },
      },
      // the member is healthy: re-armed (count + 1, a fresh timeout) when boot_id changes, i.e. when the server is
      // replaced for new user data, until that boot signals
      wait: {
        type: 'OS::Heat::WaitCondition',
        depends_on: ['server', 'boot_signals'],
        properties: {
          handle: ref('wait_handle'),
          count: {
            yaql: {
              expression: REARM_COUNT_YAQL,
              data: { heard: attr('boot_signals', 'data'), id: attr('boot_id', 'value') },
            },
          },
          timeout: param('boot_timeout'),
        },
      },
    },
    outputs: {
      address: { description: 'private address of the server', value: attr('port', 'fixed_ips', 0, 'ip_address') },
    },
  };
  if (api) {
    t.outputs.internal_url = {
      description: "the server's internal listener (/metrics), reachable from the stack's own servers only",
      value: join(['http://', attr('port', 'fixed_ips', 0, 'ip_address'), `:${PORTS.internal}`]),
    };
  }
  if (api && cfg.loadBalancer) {
    t.resources.pool_member = {
      type: 'OS::Octavia::PoolMember',
      depends_on: ['wait'],
      properties: {
        pool: param('pool'),
        address: attr('port', 'fixed_ips', 0, 'ip_address'),
        protocol_port: PORTS.http,
        subnet: param('subnet'),
      },
    };
  }
  if (api && !cfg.loadBalancer) {
    t.resources.floating_ip = {
      type: 'OS::Neutron::FloatingIP',
      properties: { floating_network: param('external_network'), port_id: ref('port') },
    };
    t.outputs.public_ip = {
      description: 'floating IP of the server',
      value: attr('floating_ip', 'floating_ip_address'),
    };
  }
  // The group's `refs` are the server ids (not the nested stack ids).
  t.outputs['OS::stack_id'] = { value: ref('server') };
  return t;
}
