// validate's write-access checks (src/validate/access.ts, issue 15) on templates written by hand: writes or
// /metrics exposed publicly are errors; the protected shapes and the explicit opt-ins pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAccess } from '../src/validate/access.js';
import { validateSet, type Doc } from '../src/validate/index.js';

const script = (command: 'api' | 'serve' | 'worker', env: string[]) =>
  [
    '#!/bin/bash',
    "cat > /etc/faafo/faafo.env <<'FAAFO_ENV'",
    ...env,
    'FAAFO_ENV',
    `ExecStart=$NODE $ENTRY ${command}`,
  ].join('\n');

const server = (userData: unknown): Doc => ({
  type: 'OS::Nova::Server',
  properties: { image: 'debian-13', flavor: 'm1.small', user_data_format: 'RAW', user_data: userData },
});
const tpl = (resources: Doc, parameters: Doc = {}): Doc => ({ heat_template_version: '2018-08-31', parameters, resources });
const rule = (port: number, from: Doc) => ({ direction: 'ingress', protocol: 'tcp', port_range_min: port, port_range_max: port, ...from });
const world = { remote_ip_prefix: '0.0.0.0/0' };
const group = { remote_mode: 'remote_group_id', remote_group_id: { get_resource: 'worker_sg' } };

const PROTECTED = [
  'FAAFO_RESULT_SECRET=__RESULT_SECRET__',
  'FAAFO_API_KEY=__API_KEY__',
  'FAAFO_INTERNAL_PORT=8801',
];

const cases: [string, Doc, string[]][] = [
  ['protected API server (secret, key, internal listener)', tpl({ api: server(script('api', PROTECTED)) }), []],
  [
    'the same through str_replace (as generated)',
    tpl({ api: server({ str_replace: { template: script('api', PROTECTED), params: { __API_KEY__: { get_param: 'k' } } } }) }),
    [],
  ],
  [
    'API server with no key and no opt-in: writes from anyone',
    tpl({ api: server(script('api', ['FAAFO_RESULT_SECRET=x', 'FAAFO_INTERNAL_PORT=8801'])) }),
    ['access.open-writes'],
  ],
  [
    'API server with an empty key',
    tpl({ api: server(script('api', ['FAAFO_RESULT_SECRET=x', 'FAAFO_API_KEY=', 'FAAFO_INTERNAL_PORT=8801'])) }),
    ['access.open-writes'],
  ],
  [
    'anonymous writes as an explicit opt-in pass',
    tpl({ api: server(script('api', ['FAAFO_RESULT_SECRET=x', 'FAAFO_ANONYMOUS_WRITES=allow', 'FAAFO_INTERNAL_PORT=8801'])) }),
    [],
  ],
  [
    'API server without a result secret and no legacy setting: results from anyone',
    tpl({ api: server(script('api', ['FAAFO_API_KEY=k', 'FAAFO_INTERNAL_PORT=8801'])) }),
    ['access.open-results'],
  ],
  [
    'legacy workers from anywhere: a warning',
    tpl({ api: server(script('api', ['FAAFO_API_KEY=k', 'FAAFO_LEGACY_WORKERS=allow', 'FAAFO_INTERNAL_PORT=8801'])) }),
    ['access.legacy-anywhere'],
  ],
  [
    'legacy workers from the subnet pass',
    tpl({
      api: server(
        script('api', ['FAAFO_API_KEY=k', 'FAAFO_LEGACY_WORKERS=allow', 'FAAFO_LEGACY_WORKER_CIDRS=10.0.0.0/24', 'FAAFO_INTERNAL_PORT=8801']),
      ),
    }),
    [],
  ],
  [
    'no internal listener: /metrics on the public port',
    tpl({ api: server(script('api', ['FAAFO_RESULT_SECRET=x', 'FAAFO_API_KEY=k'])) }),
    ['access.public-metrics'],
  ],
  [
    'an unprotected all-in-one (faafo serve: its own result secret, so only writes and metrics)',
    tpl({ app: server(script('serve', [])) }),
    ['access.open-writes', 'access.public-metrics'],
  ],
  ['a worker server alone is not an API', tpl({ w: server(script('worker', ['FAAFO_QUEUE_URL=amqp://x'])) }), []],
  [
    'internal port open to the world in a security group',
    tpl({
      api: server(script('api', PROTECTED)),
      sg: { type: 'OS::Neutron::SecurityGroup', properties: { rules: [rule(80, world), rule(8801, world)] } },
    }),
    ['access.internal-world-open'],
  ],
  [
    'internal port open to a parameter that defaults to the world',
    tpl(
      {
        api: server(script('api', PROTECTED)),
        r: {
          type: 'OS::Neutron::SecurityGroupRule',
          properties: { security_group: 'x', ...rule(8801, { remote_ip_prefix: { get_param: 'cidr' } }) },
        },
      },
      { cidr: { type: 'string', default: '0.0.0.0/0' } },
    ),
    ['access.internal-world-open'],
  ],
  [
    'every port open to the world (no port range) includes the internal one',
    tpl({ sg: { type: 'OS::Neutron::SecurityGroup', properties: { rules: [{ direction: 'ingress', protocol: 'tcp', ...world }] } } }),
    ['access.internal-world-open'],
  ],
  [
    'a rule without any remote admits anyone',
    tpl({ sg: { type: 'OS::Neutron::SecurityGroup', properties: { rules: [{ protocol: 'tcp', port_range_min: 8000, port_range_max: 9000 }] } } }),
    ['access.internal-world-open'],
  ],
  [
    'internal port from the stack\'s own group passes',
    tpl({ sg: { type: 'OS::Neutron::SecurityGroup', properties: { rules: [rule(8801, group)] } } }),
    [],
  ],
  [
    'an OS::Neutron::SecurityGroupRule from the stack\'s own group (remote_group) passes',
    tpl({
      r: {
        type: 'OS::Neutron::SecurityGroupRule',
        properties: { security_group: 'x', ...rule(8801, { remote_group: { get_resource: 'services_sg' } }) },
      },
    }),
    [],
  ],
  [
    'a custom internal port (from the script) open to the world',
    tpl({
      api: server(script('api', ['FAAFO_RESULT_SECRET=x', 'FAAFO_API_KEY=k', 'FAAFO_INTERNAL_PORT=9100'])),
      sg: { type: 'OS::Neutron::SecurityGroup', properties: { rules: [rule(9100, world)] } },
    }),
    ['access.internal-world-open'],
  ],
  [
    'a load balancer listener on the internal port',
    tpl({ l: { type: 'OS::Octavia::Listener', properties: { loadbalancer: 'lb', protocol: 'HTTP', protocol_port: 8801 } } }),
    ['access.lb-internal'],
  ],
  [
    'a pool member on the internal port',
    tpl({ m: { type: 'OS::Octavia::PoolMember', properties: { pool: 'p', address: '10.0.0.5', protocol_port: 8801 } } }),
    ['access.lb-internal'],
  ],
  [
    'a load balancer on the public port passes',
    tpl({
      l: { type: 'OS::Octavia::Listener', properties: { loadbalancer: 'lb', protocol: 'HTTP', protocol_port: 80 } },
      m: { type: 'OS::Octavia::PoolMember', properties: { pool: 'p', address: '10.0.0.5', protocol_port: 80 } },
    }),
    [],
  ],
];

for (const [name, t, want] of cases) {
  test(`validate access: ${name}`, () => {
    const got = checkAccess({ main: 'main.yaml', templates: { 'main.yaml': t } });
    assert.deepEqual(got.map((f) => f.code).sort(), [...want].sort(), JSON.stringify(got, null, 1));
    for (const f of got) {
      assert.equal(f.file, 'main.yaml');
      assert.match(f.path, /^resources\.\w+\./);
      assert.equal(f.severity, f.code === 'access.legacy-anywhere' ? 'warning' : 'error');
      assert.doesNotMatch(f.message, /\n/);
    }
  });
}

test('validate access: a listener in the main template and the API server in a member template are judged together', () => {
  const findings = validateSet({
    main: 'main.yaml',
    templates: {
      'main.yaml': tpl({ sg: { type: 'OS::Neutron::SecurityGroup', properties: { rules: [rule(9100, world)] } } }),
      'member.yaml': tpl({ server: server(script('api', ['FAAFO_RESULT_SECRET=x', 'FAAFO_API_KEY=k', 'FAAFO_INTERNAL_PORT=9100'])) }),
    },
  }).filter((f) => f.code.startsWith('access.'));
  assert.deepEqual(
    findings.map((f) => [f.code, f.file]),
    [['access.internal-world-open', 'main.yaml']],
  );
});
