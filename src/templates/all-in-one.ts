// --topology all-in-one: one server running `faafo serve` (API + workers in one process, SQLite, in-process
// queue, local image folder), like the guide's first chapters. For small clouds; no scaling.
import type { StackConfig } from '../config/types.js';
import { ENV_NAMES as E } from '../../app/settings-contract.js';
import { renderBoot, userData } from './boot.js';
import { attr, join, param, ref, type Part } from './hot.js';
import { serverPort } from './network.js';
import { API_KEY_RESOURCE, PORTS } from './security.js';

/** The environment of `faafo serve` on the all-in-one server (names from the settings contract). */
export function allInOneEnv(): { name: string; value: string }[] {
  return [
    { name: E.databaseUrl, value: 'sqlite:/var/lib/faafo/faafo.sqlite' },
    { name: E.queueUrl, value: 'memory:' },
    { name: E.imageUrl, value: 'file:/var/lib/faafo/images' },
    { name: E.host, value: '0.0.0.0' },
    { name: E.port, value: String(PORTS.http) },
    // who may write (issue 15): creates and deletes need the stack's API key unless anonymous writes are
    // allowed; `faafo serve` makes up its own result secret for its in-process workers
    { name: E.apiKey, value: '__API_KEY__' },
    { name: E.anonymousWrites, value: '__ANONYMOUS_WRITES__' },
    // /metrics only on the server itself, not on the public port
    { name: E.internalPort, value: String(PORTS.internal) },
    { name: E.internalHost, value: '127.0.0.1' },
  ];
}

export function allInOnePart(cfg: StackConfig): Part {
  const script = renderBoot('all-in-one', {
    command: 'serve',
    port: PORTS.http,
    lowPort: true,
    readyTimeout: 300,
    env: allInOneEnv(),
  });
  return {
    parameters: {
      flavor: {
        type: 'string',
        description: 'flavor of the server',
        default: cfg.allInOneFlavor,
        constraints: [{ custom_constraint: 'nova.flavor' }],
      },
    },
    resources: {
      app_port: serverPort(ref('app_sg')),
      wait_handle: { type: 'OS::Heat::WaitConditionHandle' },
      app_server: {
        type: 'OS::Nova::Server',
        depends_on: ['router_interface'],
        properties: {
          image: param('image'),
          flavor: param('flavor'),
          key_name: param('key_name'),
          networks: [{ port: ref('app_port') }],
          user_data_format: 'RAW',
          // This server holds the SQLite database and the images: a new bundle or wait handle must never replace
          // it (and its disk). A new app version is rolled out by replacing it on purpose, not by an update.
          user_data_update_policy: 'IGNORE',
          user_data: userData(script, {
            __WC_NOTIFY__: attr('wait_handle', 'curl_cli'),
            __APP_URL__: param('app_url'),
            __APP_SHA256__: param('app_sha256'),
            __NODE_TARBALL_URL__: param('node_tarball_url'),
            __API_KEY__: attr(API_KEY_RESOURCE, 'value'),
            __ANONYMOUS_WRITES__: param('anonymous_writes'),
          }),
        },
      },
      wait: {
        type: 'OS::Heat::WaitCondition',
        depends_on: ['app_server'],
        properties: { handle: ref('wait_handle'), count: 1, timeout: param('boot_timeout') },
      },
      floating_ip: {
        type: 'OS::Neutron::FloatingIP',
        depends_on: ['router_interface'],
        properties: { floating_network: param('external_network'), port_id: ref('app_port') },
      },
    },
    outputs: {
      app_url: {
        description: 'URL of the fractal app',
        value: join(['http://', attr('floating_ip', 'floating_ip_address'), '/']),
      },
      watch_command: {
        // no user name: it depends on the image (debian, ubuntu, ...): add USER@ or set it in ~/.ssh/config
        description: "follow the server boot and the app (as the image's login user: debian on Debian, ubuntu on Ubuntu)",
        value: join(['ssh ', attr('floating_ip', 'floating_ip_address'), ' journalctl -f -u faafo-serve']),
      },
    },
  };
}
